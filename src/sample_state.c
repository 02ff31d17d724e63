/*
 * sample_state.c: transition, combine, serialize and deserialize functions
 * of the two-sample numeric aggregates (ks_2samp, wasserstein, psi,
 * jensen_shannon on float8).
 *
 * The state keeps every finite value of both samples, because KS and
 * Wasserstein need the exact empirical distributions.  Values are appended
 * to chunks that double in size and are never moved; sorting reads the
 * chunks directly (the radix sort's first pass scatters from them), so
 * building a sample of n values writes each value once and sorting it
 * touches two more arrays of n.  With millions of values, first touches of
 * fresh memory are a large share of the cost, so this matters as much as
 * the sort itself.
 *
 * Sorting is lazy: a final function sorts only what was appended since the
 * last sort and merges it in (sorting does not change the multiset a state
 * stands for, so states can be shared between aggregates and reused by
 * window frames).  Partial states are sorted when they are written; the
 * state that combines them copies each sorted part once, straight from its
 * flat form, as a run, and merges all runs of a sample in one pass.
 *
 * The aggregates' state type is mlmon.sample_state, a real type, so Citus
 * computes them partially on its workers and ships the partial states as
 * text (base64 of the portable binary form, core/sample_wire.h: every value,
 * about 8 bytes each); during aggregation the state is an expanded object
 * every row updates in place.  0.2.0's internal-state functions are kept
 * for databases whose mlmon is not updated yet.
 */
#include "sample_state.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "libpq/pqformat.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "base64_form.h"
#include "core/sample_wire.h"
#include "core/sort.h"
#include "huge_alloc.h"
#include "profile.h"
#include "profile_ref.h"

PG_FUNCTION_INFO_V1(mlm_sample_accum);
PG_FUNCTION_INFO_V1(mlm_ks_accum);
PG_FUNCTION_INFO_V1(mlm_profile_sample_accum);
PG_FUNCTION_INFO_V1(mlm_profile_sample_state_accum_method);
PG_FUNCTION_INFO_V1(mlm_profile_sample_state_accum_variant);
PG_FUNCTION_INFO_V1(mlm_sample_combine);
PG_FUNCTION_INFO_V1(mlm_sample_serialize);
PG_FUNCTION_INFO_V1(mlm_sample_deserialize);
PG_FUNCTION_INFO_V1(mlm_sample_state_accum);
PG_FUNCTION_INFO_V1(mlm_sample_state_accum_bins);
PG_FUNCTION_INFO_V1(mlm_sample_state_accum_binning);
PG_FUNCTION_INFO_V1(mlm_ks_state_accum);
PG_FUNCTION_INFO_V1(mlm_mwu_state_accum);
PG_FUNCTION_INFO_V1(mlm_profile_sample_state_accum);
PG_FUNCTION_INFO_V1(mlm_sample_state_combine);
PG_FUNCTION_INFO_V1(mlm_sample_state_in);
PG_FUNCTION_INFO_V1(mlm_sample_state_out);
PG_FUNCTION_INFO_V1(mlm_sample_state_recv);
PG_FUNCTION_INFO_V1(mlm_sample_state_send);

#define SAMPLE_STATE_VERSION 1
#define CHUNK_FIRST_CAP 16
#define CHUNK_MAX_SHIFT 22		/* chunks stop doubling at 16 << 22 values (512 MB) */
#define SAMPLE_MAX_VALUES ((int64) (MaxAllocHugeSize / sizeof(double)))

/* Fixed part of the serialized state; the reference then current values follow, sorted. */
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
	int64		profile_len;	/* bytes of the reference profile after the values */
} SampleStateWire;

/* Scratch space for sorting, shared by the samples of one state. */
typedef struct SortScratch
{
	double	   *buf;
	int64		cap;
} SortScratch;

/* A new, empty state in the aggregate context. */
static SampleState *
sample_state_new(MemoryContext mcxt)
{
	SampleState *st = (SampleState *) MemoryContextAllocZero(mcxt, sizeof(SampleState));

	st->mcxt = mcxt;
	return st;
}

/* Capacity of a sample's i-th chunk. */
static inline int64
chunk_cap(int i)
{
	return (int64) CHUNK_FIRST_CAP << Min(i, CHUNK_MAX_SHIFT);
}

/* Start a new chunk for s. */
static void
sample_new_chunk(SampleState *st, Sample *s)
{
	if (sample_size(s) >= SAMPLE_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sample too large for a drift statistic"),
				 errdetail("A sample can hold at most " INT64_FORMAT " values.", SAMPLE_MAX_VALUES)));
	if (s->nchunks == s->chunkslots)
	{
		int			slots = Max(4, s->chunkslots * 2);

		if (s->chunk == NULL)
		{
			s->chunk = MemoryContextAlloc(st->mcxt, slots * sizeof(double *));
			s->chunklen = MemoryContextAlloc(st->mcxt, slots * sizeof(int64));
		}
		else
		{
			s->chunk = repalloc(s->chunk, slots * sizeof(double *));
			s->chunklen = repalloc(s->chunklen, slots * sizeof(int64));
		}
		s->chunkslots = slots;
	}
	s->chunk[s->nchunks] = huge_alloc(st->mcxt, chunk_cap(s->nchunks) * sizeof(double));
	s->chunklen[s->nchunks++] = 0;
}

/* Append one finite value (-0.0 stored as 0.0). */
static inline void
sample_push(SampleState *st, Sample *s, double v)
{
	int			last = s->nchunks - 1;

	if (unlikely(last < 0 || s->chunklen[last] == chunk_cap(last)))
	{
		sample_new_chunk(st, s);
		last++;
	}
	s->chunk[last][s->chunklen[last]++] = v + 0.0;
	s->nunsorted++;
}

/* Merge the sorted values and the runs of s into one sorted array. */
static void
sample_merge_runs(SampleState *st, Sample *s)
{
	const double *runs[SAMPLE_MAX_RUNS + 1];
	size_t		lens[SAMPLE_MAX_RUNS + 1];
	int			k = 0;
	int			i;
	int64		total = s->n + s->nrunvals;
	double	   *merged;

	if (s->nruns == 0)
		return;
	if (s->n > 0)
	{
		runs[k] = s->values;
		lens[k++] = s->n;
	}
	for (i = 0; i < s->nruns; i++)
	{
		runs[k] = s->runs[i];
		lens[k++] = s->runlen[i];
	}
	merged = (double *) huge_alloc(st->mcxt, total * sizeof(double));
	mlm_merge_runs(runs, lens, k, merged);
	if (s->values)
		pfree(s->values);
	for (i = 0; i < s->nruns; i++)
		pfree(s->runs[i]);
	s->values = merged;
	s->n = total;
	s->nruns = 0;
	s->nrunvals = 0;
}

/* Add a sorted array (allocated in st's context, now owned by s) to s. */
static void
sample_add_run(SampleState *st, Sample *s, double *run, int64 len)
{
	if (s->n == 0 && s->nruns == 0)
	{
		if (s->values)
			pfree(s->values);
		s->values = run;
		s->n = len;
		return;
	}
	if (s->nruns == SAMPLE_MAX_RUNS)
		sample_merge_runs(st, s);
	s->runs[s->nruns] = run;
	s->runlen[s->nruns++] = len;
	s->nrunvals += len;
}

/*
 * Radix-sort the chunks of s into out or into the scratch buffer (grown to
 * fit); returns whichever holds the result.  The chunks are left as they are.
 */
static double *
sort_chunks(SampleState *st, Sample *s, double *out, SortScratch *scratch)
{
	int64		nu = s->nunsorted;
	size_t	   *lens = palloc(s->nchunks * sizeof(size_t));
	double	   *sorted;
	int			i;

	if (scratch->cap < nu)
	{
		if (scratch->buf)
			pfree(scratch->buf);
		scratch->buf = (double *) huge_alloc(st->mcxt, nu * sizeof(double));
		scratch->cap = nu;
	}
	for (i = 0; i < s->nchunks; i++)
		lens[i] = s->chunklen[i];
	sorted = mlm_sort_segments((const double *const *) s->chunk, lens, s->nchunks,
							   out, scratch->buf, nu);
	pfree(lens);
	return sorted;
}

/*
 * Sort one sample into values[0..n): radix-sort the chunks, then merge the
 * result with the previously sorted values and the runs in one pass.
 */
static void
sample_sort(SampleState *st, Sample *s, SortScratch *scratch)
{
	if (s->nunsorted > 0)
	{
		int64		nu = s->nunsorted;
		double	   *out = (double *) huge_alloc(st->mcxt, nu * sizeof(double));
		double	   *sorted = sort_chunks(st, s, out, scratch);
		int			i;

		if (sorted == scratch->buf)
		{
			/* The result is in the scratch buffer: keep it, and out becomes scratch. */
			scratch->buf = out;
			scratch->cap = nu;
		}
		for (i = 0; i < s->nchunks; i++)
			pfree(s->chunk[i]);
		s->nchunks = 0;
		s->nunsorted = 0;
		sample_add_run(st, s, sorted, nu);
	}
	sample_merge_runs(st, s);
}

void
sample_sort_all(SampleState *st)
{
	SortScratch scratch = {NULL, 0};

	sample_sort(st, &st->ref, &scratch);
	sample_sort(st, &st->cur, &scratch);
	if (scratch.buf)
		pfree(scratch.buf);
}

/*
 * Write sample s, sorted, to dest (room for sample_size(s) values).  A
 * sample that is all chunks is sorted straight into dest, which spares an
 * array of n values, unless the state is serialized a second time (it is
 * shared by several aggregates): then it is sorted in place once and copied.
 */
static void
sample_sort_into(SampleState *st, Sample *s, double *dest, SortScratch *scratch)
{
	if (st->nserialized == 0 && s->nunsorted > 0 && s->n == 0 && s->nruns == 0)
	{
		double	   *sorted = sort_chunks(st, s, dest, scratch);

		if (sorted != dest)
			memcpy(dest, sorted, s->nunsorted * sizeof(double));
		return;
	}
	sample_sort(st, s, scratch);
	if (s->n > 0)
		memcpy(dest, s->values, s->n * sizeof(double));
}

/* Keep the reference profile argument in the state (first row), or check it is the same. */
static void
state_reference_profile(SampleState *st, FunctionCallInfo fcinfo, int argno)
{
	mlm_profile_view v;

	if (!profile_ref_arg(&st->pref, fcinfo, argno, st->mcxt))
		return;
	st->ref_profile = st->pref.profile;
	mlm_profile_view_of(PROFILE_PAYLOAD(st->ref_profile), &v);
	if (v.h->kind != MLM_PROFILE_NUMERIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("reference profile must be a numeric profile"),
				 errhint("Compare text values with a profile built by mlmon.profile(text).")));
}

/*
 * Add one row to st: NULL values or NULL is_current are skipped.  With
 * vs_profile the second argument is a reference profile and every value
 * belongs to the current sample.
 */
static inline void
sample_add_row(SampleState *st, FunctionCallInfo fcinfo, bool vs_profile)
{
	if (st->opts.nopts > 0)
		options_check_same(&st->opts, fcinfo, 3);
	if (vs_profile)
		state_reference_profile(st, fcinfo, 2);

	if (!PG_ARGISNULL(1) && (vs_profile || !PG_ARGISNULL(2)))
	{
		double		v = PG_GETARG_FLOAT8(1);
		bool		current = vs_profile || PG_GETARG_BOOL(2);

		if (likely(isfinite(v)))
			sample_push(st, current ? &st->cur : &st->ref, v);
	}
}

/*
 * The internal-state transition of 0.2.0's numeric aggregates.  The option
 * arguments that follow are read as `kind` says.
 */
static Datum
sample_accum(FunctionCallInfo fcinfo, OptionsKind kind, bool vs_profile)
{
	SampleState *st;

	if (PG_ARGISNULL(0))
	{
		MemoryContext aggcxt;

		if (!AggCheckCallContext(fcinfo, &aggcxt))
			elog(ERROR, "sample_accum called in non-aggregate context");
		st = sample_state_new(aggcxt);
		options_init(&st->opts, fcinfo, 3, kind, aggcxt);
	}
	else
		st = (SampleState *) PG_GETARG_POINTER(0);
	sample_add_row(st, fcinfo, vs_profile);
	PG_RETURN_POINTER(st);
}

/* mlm_sample_accum(state internal, value float8, is_current boolean [, bins int | binning text]) (0.2.0's) */
Datum
mlm_sample_accum(PG_FUNCTION_ARGS)
{
	return sample_accum(fcinfo, OPTS_BINNED, false);
}

/* mlm_ks_accum(state internal, value float8, is_current boolean, alternative text [, method text]) (0.2.0's) */
Datum
mlm_ks_accum(PG_FUNCTION_ARGS)
{
	return sample_accum(fcinfo, OPTS_KS, false);
}

/* mlm_profile_sample_accum(state internal, value float8, reference mlmon.profile [, binning text]) (0.2.0's) */
Datum
mlm_profile_sample_accum(PG_FUNCTION_ARGS)
{
	return sample_accum(fcinfo, OPTS_BINNED, true);
}

/* Copy n sorted values from p (maybe unaligned) into s as a new run. */
static void
sample_copy_run(SampleState *st, Sample *s, const char *p, int64 n)
{
	double	   *run;

	if (n == 0)
		return;
	run = (double *) huge_alloc(st->mcxt, n * sizeof(double));
	memcpy(run, p, n * sizeof(double));
	sample_add_run(st, s, run, n);
}

/*
 * mlm_sample_combine(internal, internal) of 0.2.0: add the second partial state's
 * values to the first as sorted runs.  A deserialized state's values are
 * copied straight from the message they came in.
 */
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
		a = sample_state_new(aggcxt);
		a->opts = b->opts;
		a->opts.nopts = 0;
	}
	else
		options_check_combinable(&a->opts, &b->opts);

	profile_ref_merge(&a->ref_profile, b->ref_profile, a->mcxt);
	if (b->wire != NULL)
	{
		sample_copy_run(a, &a->ref, b->wire, b->ref.n);
		sample_copy_run(a, &a->cur, b->wire + b->ref.n * sizeof(double), b->cur.n);
	}
	else
	{
		sample_sort_all(b);
		sample_copy_run(a, &a->ref, (const char *) b->ref.values, b->ref.n);
		sample_copy_run(a, &a->cur, (const char *) b->cur.values, b->cur.n);
	}
	PG_RETURN_POINTER(a);
}

/* mlm_sample_serialize(internal) returns bytea (0.2.0's): sorted samples in native byte order. */
Datum
mlm_sample_serialize(PG_FUNCTION_ARGS)
{
	SampleState *st = (SampleState *) PG_GETARG_POINTER(0);
	Size		nvals = (Size) sample_size(&st->ref) + (Size) sample_size(&st->cur);
	Size		plen = st->ref_profile ? VARSIZE(st->ref_profile) : 0;
	Size		size;
	SampleStateWire *w;
	char	   *p;

	if (nvals > (MaxAllocSize - sizeof(SampleStateWire) - plen) / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of a drift statistic too large to serialize"),
				 errdetail("The partial state holds %zu values; at most %zu fit in one serialized state.",
						   nvals, (MaxAllocSize - sizeof(SampleStateWire)) / sizeof(double)),
				 errhint("Partial states are serialized by parallel workers and by partitionwise aggregation: disable them for this statement with SET max_parallel_workers_per_gather = 0 and SET enable_partitionwise_aggregate = off.")));

	size = sizeof(SampleStateWire) + nvals * sizeof(double) + plen;
	w = (SampleStateWire *) huge_alloc(CurrentMemoryContext, size);
	memset(w, 0, sizeof(SampleStateWire));	/* no uninitialised padding */
	SET_VARSIZE(w, size);
	w->version = SAMPLE_STATE_VERSION;
	w->alternative = (uint8) st->opts.alternative;
	w->method = (uint8) st->opts.method;
	w->binning = (uint8) st->opts.binning;
	w->bins = st->opts.bins;
	w->n_ref = sample_size(&st->ref);
	w->n_cur = sample_size(&st->cur);
	w->profile_len = plen;
	p = (char *) w + sizeof(SampleStateWire);
	{
		/* The workers sort here, straight into the message. */
		SortScratch scratch = {NULL, 0};

		sample_sort_into(st, &st->ref, (double *) p, &scratch);
		sample_sort_into(st, &st->cur, (double *) (p + w->n_ref * sizeof(double)), &scratch);
		if (scratch.buf)
			pfree(scratch.buf);
	}
	if (plen > 0)
		memcpy(p + nvals * sizeof(double), st->ref_profile, plen);
	st->nserialized++;
	PG_RETURN_BYTEA_P(w);
}

/*
 * mlm_sample_deserialize(bytea, internal) returns internal (0.2.0's): a state in
 * per-call memory that points at the message's values, which the combine
 * function copies next (so the values are copied once, and a spilling hash
 * aggregation does not keep every partial state it reads).
 */
Datum
mlm_sample_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	SampleStateWire w;
	SampleState *st;
	const char *p = VARDATA_ANY(b);
	Size		len = VARSIZE_ANY_EXHDR(b);
	Size		hdr = sizeof(SampleStateWire) - VARHDRSZ;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "mlm_sample_deserialize called in non-aggregate context");
	if (len < hdr)
		elog(ERROR, "invalid serialized sample state: %zu bytes", len);
	memcpy((char *) &w + VARHDRSZ, p, hdr);
	if (w.version != SAMPLE_STATE_VERSION || w.n_ref < 0 || w.n_cur < 0 || w.profile_len < 0 ||
		(Size) w.profile_len > len - hdr ||
		(Size) w.n_ref > (len - hdr - w.profile_len) / sizeof(double) ||
		(Size) w.n_cur > (len - hdr - w.profile_len) / sizeof(double) - (Size) w.n_ref ||
		len != hdr + ((Size) w.n_ref + (Size) w.n_cur) * sizeof(double) + w.profile_len)
		elog(ERROR, "invalid serialized sample state");

	st = sample_state_new(CurrentMemoryContext);
	st->opts.alternative = (mlm_alternative) w.alternative;
	st->opts.method = (mlm_ks_method) w.method;
	st->opts.binning = (StatBinning) w.binning;
	st->opts.bins = w.bins;
	st->ref.n = w.n_ref;
	st->cur.n = w.n_cur;
	st->wire = p + hdr;
	if (w.profile_len > 0)
		st->ref_profile = (struct varlena *) (p + hdr + (w.n_ref + w.n_cur) * sizeof(double));
	PG_RETURN_POINTER(st);
}

/*
 * mlmon.sample_state: the aggregates' real state type.  During aggregation
 * the state is an expanded object in a memory context of its own; its flat
 * form is the portable binary form (core/sample_wire.h), its text form
 * that in base64.
 */

/* A mlmon.sample_state during aggregation: an expanded object around the state. */
typedef struct SampleStateEO
{
	ExpandedObjectHeader hdr;
	SampleState st;
	void	   *pwire;			/* the reference profile's wire form, once asked for */
	size_t		plen;
} SampleStateEO;

static Size eo_get_flat_size(ExpandedObjectHeader *eohptr);
static void eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods eo_methods = {
	eo_get_flat_size,
	eo_flatten_into
};

/* A new expanded state in a context of its own under parent. */
static SampleStateEO *
eo_new(MemoryContext parent)
{
	/* small: GROUP BY may hold thousands of states; the values go to huge_alloc's chunks */
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon sample state", ALLOCSET_SMALL_SIZES);
	SampleStateEO *eo = (SampleStateEO *) MemoryContextAllocZero(cxt, sizeof(SampleStateEO));

	EOH_init_header(&eo->hdr, &eo_methods, cxt);
	eo->st.mcxt = cxt;
	options_defaults(&eo->st.opts);
	return eo;
}

/* d as our expanded state (read-write or read-only), or NULL when it is flat. */
static SampleStateEO *
eo_of(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &eo_methods)
		elog(ERROR, "expanded object is not a mlmon.sample_state");
	return (SampleStateEO *) eoh;
}

static Size
eo_get_flat_size(ExpandedObjectHeader *eohptr)
{
	SampleStateEO *eo = (SampleStateEO *) eohptr;
	SampleState *st = &eo->st;
	Size		nvals;

	if (st->ref_profile != NULL && eo->pwire == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(st->mcxt);

		eo->pwire = mlm_profile_to_wire(PROFILE_PAYLOAD(st->ref_profile),
										PROFILE_PAYLOAD_SIZE(st->ref_profile), &eo->plen);
		MemoryContextSwitchTo(old);
	}
	nvals = (Size) sample_size(&st->ref) + (Size) sample_size(&st->cur);
	if (nvals > (MaxAllocSize - VARHDRSZ - MLM_SAMPLE_WIRE_HEADER - eo->plen) / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of a drift statistic too large"),
				 errdetail("The partial state holds %zu values; a value is at most 1 GB.", nvals),
				 errhint("Partial states are written by parallel workers, by partitionwise aggregation and by Citus: disable them for this statement with SET max_parallel_workers_per_gather = 0 and SET enable_partitionwise_aggregate = off, or compare against a reference profile.")));
	return VARHDRSZ + MLM_SAMPLE_WIRE_HEADER + nvals * sizeof(double) + eo->plen;
}

static void
eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	SampleStateEO *eo = (SampleStateEO *) eohptr;
	SampleState *st = &eo->st;
	struct varlena *vl = (struct varlena *) result;
	mlm_sample_wire w;
	unsigned char *p;
	Sample	   *samples[2] = {&st->ref, &st->cur};
	SortScratch scratch = {NULL, 0};
	int			i;

	Assert(allocated_size == eo_get_flat_size(eohptr));
	SET_VARSIZE(vl, allocated_size);
	w.alternative = (uint8) st->opts.alternative;
	w.method = (uint8) st->opts.method;
	w.binning = (uint8) st->opts.binning;
	w.bins = st->opts.bins;
	w.n_ref = sample_size(&st->ref);
	w.n_cur = sample_size(&st->cur);
	w.profile_len = eo->plen;
	p = (unsigned char *) VARDATA(vl);
	mlm_sample_wire_put_header(p, &w);
	p += MLM_SAMPLE_WIRE_HEADER;
	for (i = 0; i < 2; i++)
	{
		int64		n = sample_size(samples[i]);

		if ((uintptr_t) p % sizeof(double) == 0)
		{
			/* the usual case: sort straight into the flat form (as 0.2.0's serialize), then byte-swap */
			sample_sort_into(st, samples[i], (double *) p, &scratch);
			mlm_sample_wire_values_in_place((double *) p, n);
			p += n * sizeof(double);
		}
		else
		{
			sample_sort(st, samples[i], &scratch);
			p = mlm_sample_wire_put_values(p, samples[i]->values, n);
		}
	}
	if (scratch.buf)
		pfree(scratch.buf);
	st->nserialized++;
	if (eo->plen > 0)
		memcpy(p, eo->pwire, eo->plen);
}

/*
 * Check a flat form (bytes[0..len), untrusted) and fill w; the reference
 * profile, when there is one, is returned as a flat mlmon.profile
 * (palloc'd), else NULL.  Errors carry errcode_bad.
 */
static struct varlena *
sample_wire_read(const char *bytes, Size len, int errcode_bad, mlm_sample_wire *w)
{
	char		err[256];
	void	   *payload;
	size_t		payload_len;
	struct varlena *pv;
	mlm_profile_view v;

	if (mlm_sample_wire_check(bytes, len, MLM_MAX_BINS, w, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.sample_state value"),
				 errdetail("%s", err)));
	if (w->profile == NULL)
		return NULL;
	payload = mlm_profile_from_wire(w->profile, w->profile_len, &payload_len, err, sizeof(err));
	if (payload == NULL)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.sample_state value"),
				 errdetail("Its reference profile: %s.", err)));
	mlm_profile_view_of(payload, &v);
	if (v.h->kind != MLM_PROFILE_NUMERIC)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.sample_state value"),
				 errdetail("Its reference profile is not a numeric profile.")));
	pv = profile_from_payload(payload, payload_len);
	pfree(payload);
	return pv;
}

/* Options of a checked flat form. */
static void
options_of_wire(StatOptions *opts, const mlm_sample_wire *w)
{
	options_defaults(opts);
	opts->alternative = (mlm_alternative) w->alternative;
	opts->method = (mlm_ks_method) w->method;
	opts->binning = (StatBinning) w->binning;
	opts->bins = w->bins;
}

/* Copy n sorted values of a checked flat form at p into s as a new run. */
static void
sample_copy_wire_run(SampleState *st, Sample *s, const unsigned char *p, int64 n)
{
	double	   *run;

	if (n == 0)
		return;
	run = (double *) huge_alloc(st->mcxt, n * sizeof(double));
	mlm_sample_wire_get_values(p, run, n);
	sample_add_run(st, s, run, n);
}

/* Add a checked flat form's values (and its profile, when st has none) to st. */
static void
sample_add_wire(SampleState *st, const mlm_sample_wire *w, struct varlena *profile)
{
	profile_ref_merge(&st->ref_profile, profile, st->mcxt);
	st->pref.profile = st->ref_profile;
	sample_copy_wire_run(st, &st->ref, w->ref, w->n_ref);
	sample_copy_wire_run(st, &st->cur, w->cur, w->n_cur);
}

/* An expanded state under parent from a flat form (checked again: it may come from a user). */
static SampleStateEO *
eo_expand(struct varlena *vl, MemoryContext parent)
{
	mlm_sample_wire w;
	struct varlena *profile = sample_wire_read(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl),
											   ERRCODE_DATA_CORRUPTED, &w);
	SampleStateEO *eo = eo_new(parent);

	options_of_wire(&eo->st.opts, &w);
	sample_add_wire(&eo->st, &w, profile);
	if (profile != NULL)
		pfree(profile);
	return eo;
}

/*
 * The mlmon.sample_state of argument argno: its expanded object (a flat
 * value is expanded in the current context).
 */
static SampleState *
state_arg(FunctionCallInfo fcinfo, int argno)
{
	SampleStateEO *eo = eo_of(PG_GETARG_DATUM(argno));

	if (eo == NULL)
		eo = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)), CurrentMemoryContext);
	return &eo->st;
}

/*
 * The transition of the mlmon.sample_state aggregates: the state is updated
 * in place.  The option arguments are of type opttype and read as `kind`
 * says (one C entry point per signature: Citus calls transitions without
 * the expression that tells the argument types).
 */
static Datum
sample_state_accum(FunctionCallInfo fcinfo, OptionsKind kind, Oid opttype, bool vs_profile)
{
	MemoryContext aggcxt;
	SampleStateEO *eo;

	if (PG_ARGISNULL(0))
	{
		if (!AggCheckCallContext(fcinfo, &aggcxt))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the transition function of a drift statistic can only be called by its aggregate")));
		eo = eo_new(aggcxt);
		options_init_as(&eo->st.opts, fcinfo, 3, kind, eo->st.mcxt, opttype);
	}
	else
	{
		eo = eo_of(PG_GETARG_DATUM(0));
		if (unlikely(eo == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0)))))
		{
			if (!AggCheckCallContext(fcinfo, &aggcxt))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("the transition function of a drift statistic can only be called by its aggregate")));
			eo = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), aggcxt);
		}
	}
	sample_add_row(&eo->st, fcinfo, vs_profile);
	PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
}

/* mlm_sample_state_accum(mlmon.sample_state, value float8, is_current boolean) */
Datum
mlm_sample_state_accum(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_BINNED, InvalidOid, false);
}

/* mlm_sample_state_accum_bins(mlmon.sample_state, value float8, is_current boolean, bins int) */
Datum
mlm_sample_state_accum_bins(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_BINNED, INT4OID, false);
}

/* mlm_sample_state_accum_binning(mlmon.sample_state, value float8, is_current boolean, binning text) */
Datum
mlm_sample_state_accum_binning(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_BINNED, TEXTOID, false);
}

/* mlm_ks_state_accum(mlmon.sample_state, value float8, is_current boolean, alternative text [, method text]) */
Datum
mlm_ks_state_accum(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_KS, TEXTOID, false);
}

/* mlm_mwu_state_accum(mlmon.sample_state, value float8, is_current boolean, alternative text [, method text]) */
Datum
mlm_mwu_state_accum(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_MWU, TEXTOID, false);
}

/* mlm_profile_sample_state_accum(mlmon.sample_state, value float8, reference mlmon.profile [, binning text]) */
Datum
mlm_profile_sample_state_accum(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_BINNED, TEXTOID, true);
}

/* mlm_profile_sample_state_accum_method(mlmon.sample_state, value float8, reference mlmon.profile, method text) */
Datum
mlm_profile_sample_state_accum_method(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_METHOD, TEXTOID, true);
}

/* mlm_profile_sample_state_accum_variant(mlmon.sample_state, value float8, reference mlmon.profile, variant text) */
Datum
mlm_profile_sample_state_accum_variant(PG_FUNCTION_ARGS)
{
	return sample_state_accum(fcinfo, OPTS_TTEST, TEXTOID, true);
}

/*
 * mlm_sample_state_combine(mlmon.sample_state, mlmon.sample_state): add the
 * second partial state's values to the first as sorted runs.  A flat state
 * (from a parallel worker, or parsed from text by Citus) is checked and its
 * values copied straight from it.
 */
Datum
mlm_sample_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SampleStateEO *a;
	SampleStateEO *b;
	mlm_sample_wire w;
	struct varlena *profile = NULL;
	StatOptions bopts;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the combine function of a drift statistic can only be called by its aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = eo_of(PG_GETARG_DATUM(1));
	if (b != NULL)
		bopts = b->st.opts;
	else
	{
		struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(1));

		profile = sample_wire_read(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl), ERRCODE_DATA_CORRUPTED, &w);
		options_of_wire(&bopts, &w);
	}
	if (PG_ARGISNULL(0))
	{
		a = eo_new(aggcxt);
		a->st.opts = bopts;
		a->st.opts.nopts = 0;
	}
	else
	{
		a = eo_of(PG_GETARG_DATUM(0));
		if (a == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
			a = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), aggcxt);
		options_check_combinable(&a->st.opts, &bopts);
	}
	if (b == NULL)
		sample_add_wire(&a->st, &w, profile);
	else
	{
		profile_ref_merge(&a->st.ref_profile, b->st.ref_profile, a->st.mcxt);
		a->st.pref.profile = a->st.ref_profile;
		sample_sort_all(&b->st);
		sample_copy_run(&a->st, &a->st.ref, (const char *) b->st.ref.values, b->st.ref.n);
		sample_copy_run(&a->st, &a->st.cur, (const char *) b->st.cur.values, b->st.cur.n);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* A checked flat mlmon.sample_state holding bytes[0..len). */
static struct varlena *
sample_state_from_bytes(const char *bytes, Size len, int errcode_bad)
{
	mlm_sample_wire w;
	struct varlena *profile = sample_wire_read(bytes, len, errcode_bad, &w);

	if (profile != NULL)
		pfree(profile);
	return base64_form_varlena(bytes, len);
}

/* mlm_sample_state_in(cstring) returns mlmon.sample_state: base64 of the binary form. */
Datum
mlm_sample_state_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = base64_form_decode(PG_GETARG_CSTRING(0), "mlmon.sample_state", &len);

	PG_RETURN_POINTER(sample_state_from_bytes(bytes, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* mlm_sample_state_out(mlmon.sample_state) returns cstring */
Datum
mlm_sample_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(base64_form_out(PG_GETARG_DATUM(0)));
}

/* mlm_sample_state_recv(internal) returns mlmon.sample_state: the rest of the message is the binary form. */
Datum
mlm_sample_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	struct varlena *vl = sample_state_from_bytes(buf->data + buf->cursor, (Size) (buf->len - buf->cursor),
												 ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(vl);
}

/* mlm_sample_state_send(mlmon.sample_state) returns bytea */
Datum
mlm_sample_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(base64_form_send(PG_GETARG_DATUM(0)));
}

SampleState *
sample_final_state(FunctionCallInfo fcinfo, bool real_state)
{
	if (PG_ARGISNULL(0))
		return NULL;
	if (real_state)
		return state_arg(fcinfo, 0);
	return (SampleState *) PG_GETARG_POINTER(0);
}

SampleState *
sample_final_sorted(FunctionCallInfo fcinfo, bool real_state)
{
	SampleState *st = sample_final_state(fcinfo, real_state);

	if (st == NULL || sample_reference_size(st) == 0 || sample_size(&st->cur) == 0)
		return NULL;
	sample_sort_all(st);
	return st;
}

SampleState *
sample_final_pair(FunctionCallInfo fcinfo, mlm_wsample *ref, mlm_wsample *cur,
				  const mlm_profile_hdr **hdr, bool *sketch)
{
	SampleState *st = sample_final_state(fcinfo, true);

	if (st == NULL)
		return NULL;
	sample_sort_all(st);
	*ref = sample_reference(st, hdr);
	*cur = SAMPLE_WS(&st->cur);
	*sketch = *hdr != NULL && (*hdr)->mode == MLM_PROFILE_SKETCH;
	return st;
}

int64
sample_reference_size(const SampleState *st)
{
	if (st->ref_profile != NULL)
	{
		mlm_profile_view v;

		mlm_profile_view_of(PROFILE_PAYLOAD(st->ref_profile), &v);
		return v.h->count;
	}
	return sample_size(&st->ref);
}

mlm_wsample
sample_reference(SampleState *st, const mlm_profile_hdr **hdr)
{
	if (st->ref_profile != NULL)
	{
		mlm_profile_view v;

		mlm_profile_view_of(PROFILE_PAYLOAD(st->ref_profile), &v);
		*hdr = v.h;
		return profile_view_sample(&v);
	}
	*hdr = NULL;
	return SAMPLE_WS(&st->ref);
}
