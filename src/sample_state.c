/*
 * sample_state.c: transition, combine, serialize and deserialize functions
 * of the two-sample numeric aggregates (ks_2samp, wasserstein, psi,
 * jensen_shannon on float8).
 *
 * The state keeps every finite value of both samples, because KS and
 * Wasserstein need the exact empirical distributions.  Arrays grow by
 * doubling with huge allocations, so a state may pass 1 GB.  Final functions
 * sort in place (sorting does not change the multiset a state stands for, so
 * states can be shared between aggregates and reused by window frames); only
 * the unsorted tail appended since the last sort is sorted and merged.
 * Serialization sorts both samples first, so that in a parallel plan the
 * workers sort and the leader only merges.
 */
#include "sample_state.h"

#include <math.h>

#include "utils/memutils.h"

#include "core/sort.h"

PG_FUNCTION_INFO_V1(mlm_sample_accum);
PG_FUNCTION_INFO_V1(mlm_sample_combine);
PG_FUNCTION_INFO_V1(mlm_sample_serialize);
PG_FUNCTION_INFO_V1(mlm_sample_deserialize);

#define SAMPLE_STATE_VERSION 1
#define SAMPLE_INITIAL_CAP 16

/* Fixed part of the serialized state; the reference then current values follow. */
typedef struct SampleStateWire
{
	int32		vl_len_;
	uint8		version;
	uint8		alternative;
	uint8		method;
	uint8		binning;
	int32		bins;
	int64		n_ref;
	int64		n_cur;
	int64		nonfinite_ref;
	int64		nonfinite_cur;
} SampleStateWire;

/* A new, empty state in the aggregate context. */
static SampleState *
sample_state_new(MemoryContext mcxt)
{
	SampleState *st = (SampleState *) MemoryContextAllocZero(mcxt, sizeof(SampleState));

	st->mcxt = mcxt;
	return st;
}

/* Make room for at least `need` values in s. */
static void
sample_reserve(SampleState *st, Sample *s, int64 need)
{
	int64		newcap;

	if (need <= s->cap)
		return;
	newcap = Max(s->cap * 2, SAMPLE_INITIAL_CAP);
	if (newcap < need)
		newcap = need;
	if ((Size) newcap > MaxAllocHugeSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sample too large for a drift statistic"),
				 errdetail("A sample can hold at most %zu values.",
						   MaxAllocHugeSize / sizeof(double))));
	if (s->values == NULL)
		s->values = (double *) MemoryContextAllocHuge(st->mcxt, newcap * sizeof(double));
	else
		s->values = (double *) repalloc_huge(s->values, newcap * sizeof(double));
	s->cap = newcap;
}

/* Append one finite value (-0.0 stored as 0.0). */
static inline void
sample_push(SampleState *st, Sample *s, double v)
{
	if (unlikely(s->n == s->cap))
		sample_reserve(st, s, s->n + 1);
	s->values[s->n++] = v + 0.0;
}

/* Append the values of src to s, keeping s sorted if both are sorted. */
static void
sample_append(SampleState *st, Sample *s, Sample *src)
{
	if (src->n == 0)
		return;
	if (s->nsorted == s->n && src->nsorted == src->n && s->n > 0)
	{
		/* Both sorted: merge into a new array so the result stays sorted. */
		double	   *merged = (double *) MemoryContextAllocHuge(st->mcxt,
															   (s->n + src->n) * sizeof(double));

		mlm_merge_doubles(s->values, s->n, src->values, src->n, merged);
		pfree(s->values);
		s->values = merged;
		s->n += src->n;
		s->cap = s->n;
		s->nsorted = s->n;
		return;
	}
	sample_reserve(st, s, s->n + src->n);
	memcpy(s->values + s->n, src->values, src->n * sizeof(double));
	if (s->n == 0)
		s->nsorted = src->nsorted;
	s->n += src->n;
}

void
sample_ensure_sorted(SampleState *st, Sample *s)
{
	int64		tail = s->n - s->nsorted;
	double	   *scratch;

	if (tail == 0)
		return;
	scratch = (double *) MemoryContextAllocHuge(CurrentMemoryContext, tail * sizeof(double));
	mlm_sort_doubles(s->values + s->nsorted, scratch, tail);
	if (s->nsorted > 0)
	{
		double	   *merged = (double *) MemoryContextAllocHuge(st->mcxt, s->n * sizeof(double));

		mlm_merge_doubles(s->values, s->nsorted, s->values + s->nsorted, tail, merged);
		pfree(s->values);
		s->values = merged;
		s->cap = s->n;
	}
	pfree(scratch);
	s->nsorted = s->n;
}

/*
 * mlm_sample_accum(state internal, value float8, is_current boolean [, options])
 * Transition function: NULL values or NULL is_current are skipped, NaN and
 * +-Infinity are counted and skipped.
 */
Datum
mlm_sample_accum(PG_FUNCTION_ARGS)
{
	SampleState *st;

	if (PG_ARGISNULL(0))
	{
		MemoryContext aggcxt;

		if (!AggCheckCallContext(fcinfo, &aggcxt))
			elog(ERROR, "mlm_sample_accum called in non-aggregate context");
		st = sample_state_new(aggcxt);
		options_init(&st->opts, fcinfo, 3, OPTS_NUMERIC, aggcxt);
	}
	else
	{
		st = (SampleState *) PG_GETARG_POINTER(0);
		if (st->opts.nopts > 0)
			options_check_same(&st->opts, fcinfo, 3);
	}

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		double		v = PG_GETARG_FLOAT8(1);
		bool		current = PG_GETARG_BOOL(2);

		if (likely(isfinite(v)))
			sample_push(st, current ? &st->cur : &st->ref, v);
		else if (current)
			st->nonfinite_cur++;
		else
			st->nonfinite_ref++;
	}
	PG_RETURN_POINTER(st);
}

/* mlm_sample_combine(internal, internal): merge two partial states. */
Datum
mlm_sample_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SampleState *a = PG_ARGISNULL(0) ? NULL : (SampleState *) PG_GETARG_POINTER(0);
	SampleState *b = PG_ARGISNULL(1) ? NULL : (SampleState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_sample_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* Copy b into the aggregate context rather than returning it. */
		a = sample_state_new(aggcxt);
		a->opts = b->opts;
		a->opts.nopts = 0;
	}
	else
		options_check_combinable(&a->opts, &b->opts);

	sample_append(a, &a->ref, &b->ref);
	sample_append(a, &a->cur, &b->cur);
	a->nonfinite_ref += b->nonfinite_ref;
	a->nonfinite_cur += b->nonfinite_cur;
	PG_RETURN_POINTER(a);
}

/* mlm_sample_serialize(internal) returns bytea: sorted samples in native byte order. */
Datum
mlm_sample_serialize(PG_FUNCTION_ARGS)
{
	SampleState *st = (SampleState *) PG_GETARG_POINTER(0);
	Size		nvals = (Size) st->ref.n + (Size) st->cur.n;
	Size		size;
	SampleStateWire *w;
	char	   *p;

	if (nvals > (MaxAllocSize - sizeof(SampleStateWire)) / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial drift statistic too large to pass between parallel workers"),
				 errdetail("A parallel worker's partial state holds %zu values; the limit is %zu.",
						   nvals, (MaxAllocSize - sizeof(SampleStateWire)) / sizeof(double)),
				 errhint("Disable parallel query for this statement with SET max_parallel_workers_per_gather = 0.")));

	sample_ensure_sorted(st, &st->ref);
	sample_ensure_sorted(st, &st->cur);

	size = sizeof(SampleStateWire) + nvals * sizeof(double);
	w = (SampleStateWire *) palloc(size);
	memset(w, 0, sizeof(SampleStateWire));	/* no uninitialised padding */
	SET_VARSIZE(w, size);
	w->version = SAMPLE_STATE_VERSION;
	w->alternative = (uint8) st->opts.alternative;
	w->method = (uint8) st->opts.method;
	w->binning = (uint8) st->opts.binning;
	w->bins = st->opts.bins;
	w->n_ref = st->ref.n;
	w->n_cur = st->cur.n;
	w->nonfinite_ref = st->nonfinite_ref;
	w->nonfinite_cur = st->nonfinite_cur;
	p = (char *) w + sizeof(SampleStateWire);
	if (st->ref.n > 0)
		memcpy(p, st->ref.values, st->ref.n * sizeof(double));
	p += st->ref.n * sizeof(double);
	if (st->cur.n > 0)
		memcpy(p, st->cur.values, st->cur.n * sizeof(double));
	PG_RETURN_BYTEA_P(w);
}

/* Load n serialized values from p into a sample known to be sorted. */
static void
sample_load(SampleState *st, Sample *s, const char *p, int64 n)
{
	if (n == 0)
		return;
	sample_reserve(st, s, n);
	memcpy(s->values, p, n * sizeof(double));
	s->n = n;
	s->nsorted = n;
}

/* mlm_sample_deserialize(bytea, internal) returns internal. */
Datum
mlm_sample_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	SampleStateWire w;
	SampleState *st;
	const char *p = VARDATA_ANY(b);
	Size		len = VARSIZE_ANY_EXHDR(b);
	Size		hdr = sizeof(SampleStateWire) - VARHDRSZ;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_sample_deserialize called in non-aggregate context");
	if (len < hdr)
		elog(ERROR, "invalid serialized sample state: %zu bytes", len);
	memcpy((char *) &w + VARHDRSZ, p, hdr);
	if (w.version != SAMPLE_STATE_VERSION || w.n_ref < 0 || w.n_cur < 0 ||
		(Size) w.n_ref > (len - hdr) / sizeof(double) ||
		(Size) w.n_cur > (len - hdr) / sizeof(double) - (Size) w.n_ref ||
		len != hdr + ((Size) w.n_ref + (Size) w.n_cur) * sizeof(double))
		elog(ERROR, "invalid serialized sample state");

	st = sample_state_new(aggcxt);
	st->opts.alternative = (mlm_alternative) w.alternative;
	st->opts.method = (mlm_ks_method) w.method;
	st->opts.binning = (StatBinning) w.binning;
	st->opts.bins = w.bins;
	st->nonfinite_ref = w.nonfinite_ref;
	st->nonfinite_cur = w.nonfinite_cur;
	p += hdr;
	sample_load(st, &st->ref, p, w.n_ref);
	sample_load(st, &st->cur, p + w.n_ref * sizeof(double), w.n_cur);
	PG_RETURN_POINTER(st);
}

SampleState *
sample_final_state(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return NULL;
	return (SampleState *) PG_GETARG_POINTER(0);
}

SampleState *
sample_final_sorted(FunctionCallInfo fcinfo)
{
	SampleState *st = sample_final_state(fcinfo);

	if (st == NULL || st->ref.n == 0 || st->cur.n == 0)
		return NULL;
	sample_ensure_sorted(st, &st->ref);
	sample_ensure_sorted(st, &st->cur);
	return st;
}
