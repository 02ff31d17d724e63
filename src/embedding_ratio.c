/*
 * embedding_ratio.c: mlmon.embedding_ratio, Evidently's `ratio` embedding
 * drift method (core/embedding_ratio.c): the share of components whose
 * normed Wasserstein distance reaches the component threshold.
 *
 * Each component's test needs all its values, so the state keeps every
 * valid row: an `internal` state holding the reference and the current
 * rows row-major, as float4 when the input is float4[] (exact: no value is
 * rounded) and float8 for float8[], in buffers that double when full
 * (huge_alloc: they may pass 1 GB).  100k + 100k rows of 384 float4 are
 * 307 MB (plus up to as much again of unused capacity while growing); the
 * final function sorts the columns in blocks of 8 (scratch: 16 bytes a row
 * per block column, 26 MB there).  Parallel workers send their rows
 * serialized to the leader (a bytea of at most 1 GB); Citus cannot push an
 * internal state down (it pulls the rows to the coordinator).
 *
 * Bad rows are skipped and counted exactly as by mlmon.embedding_distance
 * (embedding_input.c).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/embedding_ratio.h"
#include "embedding_input.h"
#include "huge_alloc.h"

PG_FUNCTION_INFO_V1(mlm_embedding_ratio_accum);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_combine);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_serialize);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_deserialize);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_final);

#define ERS_VERSION 1

typedef struct RatioState
{
	int32		dim;			/* 0 until the first valid row */
	int32		elem_size;		/* 4 (float4[] input) or 8; 0 with dim */
	double		component_threshold;
	double		threshold;
	int64		n[2];			/* rows: reference, current */
	int64		cap[2];
	char	   *rows[2];
	int64		skipped_null;
	int64		skipped_length;
	int64		skipped_component;
} RatioState;

/* The serialized form: this header, then the reference rows, then the current rows. */
typedef struct RatioWire
{
	int32		vl_len_;
	int32		version;
	int32		dim;
	int32		elem_size;
	double		component_threshold;
	double		threshold;
	int64		n[2];
	int64		skipped_null;
	int64		skipped_length;
	int64		skipped_component;
} RatioWire;

static MemoryContext
aggregate_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition and combine functions of mlmon.embedding_ratio can only be called by its aggregate")));
	return aggcxt;
}

static void
options_of(FunctionCallInfo fcinfo, double *component_threshold, double *threshold)
{
	*component_threshold = 0.1;
	*threshold = 0.2;
	for (int i = 3; i < PG_NARGS(); i++)
	{
		double		x;

		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("options of mlmon.embedding_ratio must not be null")));
		x = PG_GETARG_FLOAT8(i);
		if (!isfinite(x))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a finite number", i == 3 ? "component_threshold" : "threshold")));
		if (i == 3)
			*component_threshold = x;
		else
			*threshold = x;
	}
}

static void
options_differ(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("options of a drift statistic must be the same for every row"),
			 errhint("Pass constants for the component_threshold and threshold arguments.")));
}

/* Room for `more` rows in sample s. */
static void
reserve(MemoryContext cxt, RatioState *st, int s, int64 more)
{
	Size		row = (Size) st->dim * st->elem_size;
	int64		need = st->n[s] + more;
	int64		cap;

	if (need <= st->cap[s])
		return;
	cap = st->cap[s] < 64 ? 64 : st->cap[s];
	while (cap < need)
		cap *= 2;
	if ((double) cap * row > (double) MaxAllocHugeSize / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for mlmon.embedding_ratio")));
	st->rows[s] = st->rows[s] == NULL ? huge_alloc(cxt, cap * row) : huge_realloc(st->rows[s], cap * row);
	st->cap[s] = cap;
}

/*
 * mlm_embedding_ratio_accum(internal, embedding float8[] | float4[],
 * is_current boolean [, component_threshold float8 [, threshold float8]])
 * returns internal
 */
Datum
mlm_embedding_ratio_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	RatioState *st;
	double		ct,
				t;
	EmbeddingRow row;
	int			s;

	options_of(fcinfo, &ct, &t);
	if (PG_ARGISNULL(0))
	{
		st = MemoryContextAllocZero(aggcxt, sizeof(RatioState));
		st->component_threshold = ct;
		st->threshold = t;
	}
	else
	{
		st = (RatioState *) PG_GETARG_POINTER(0);
		if (st->component_threshold != ct || st->threshold != t)
			options_differ();
	}
	embedding_row(fcinfo, 1, 2, st->dim, &row);
	switch (row.status)
	{
		case EMB_ROW_NULL:
			st->skipped_null++;
			PG_RETURN_POINTER(st);
		case EMB_ROW_LENGTH:
			st->skipped_length++;
			PG_RETURN_POINTER(st);
		case EMB_ROW_COMPONENT:
			st->skipped_component++;
			PG_RETURN_POINTER(st);
		case EMB_ROW_OK:
			break;
	}
	if (st->dim == 0)
	{
		st->dim = row.dim;
		st->elem_size = row.float4 ? 4 : 8;
	}
	s = row.current ? 1 : 0;
	reserve(aggcxt, st, s, 1);
	{
		char	   *dst = st->rows[s] + (Size) st->n[s] * st->dim * st->elem_size;

		if (st->elem_size == 4 && row.float4)
			memcpy(dst, row.f4, (Size) st->dim * 4);
		else if (st->elem_size == 8 && !row.float4)
			memcpy(dst, row.f8, (Size) st->dim * 8);
		else
			elog(ERROR, "embedding element type does not match the state");
	}
	st->n[s]++;
	PG_RETURN_POINTER(st);
}

/* Append sample s of b to a (same dimension and element size). */
static void
append_rows(MemoryContext cxt, RatioState *a, int s, const char *rows, int64 n)
{
	if (n == 0)
		return;
	reserve(cxt, a, s, n);
	memcpy(a->rows[s] + (Size) a->n[s] * a->dim * a->elem_size, rows, (Size) n * a->dim * a->elem_size);
	a->n[s] += n;
}

/* Merge b into a (a in cxt). */
static void
merge(MemoryContext cxt, RatioState *a, const RatioState *b)
{
	if (a->component_threshold != b->component_threshold || a->threshold != b->threshold)
		options_differ();
	a->skipped_null += b->skipped_null;
	a->skipped_length += b->skipped_length;
	a->skipped_component += b->skipped_component;
	if (b->dim == 0)
		return;
	if (a->dim == 0)
	{
		a->dim = b->dim;
		a->elem_size = b->elem_size;
	}
	if (a->dim != b->dim || a->elem_size != b->elem_size)
	{
		/* the other part fixed another dimension: its rows are of the wrong length here */
		a->skipped_length += b->n[0] + b->n[1];
		return;
	}
	for (int s = 0; s < 2; s++)
	{
		CHECK_FOR_INTERRUPTS();
		append_rows(cxt, a, s, b->rows[s], b->n[s]);
	}
}

/* mlm_embedding_ratio_combine(internal, internal) returns internal */
Datum
mlm_embedding_ratio_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	RatioState *a,
			   *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (RatioState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = MemoryContextAllocZero(aggcxt, sizeof(RatioState));
		a->component_threshold = b->component_threshold;
		a->threshold = b->threshold;
	}
	else
		a = (RatioState *) PG_GETARG_POINTER(0);
	merge(aggcxt, a, b);
	PG_RETURN_POINTER(a);
}

/* mlm_embedding_ratio_serialize(internal) returns bytea */
Datum
mlm_embedding_ratio_serialize(PG_FUNCTION_ARGS)
{
	RatioState *st;
	Size		row,
				size;
	RatioWire  *w;
	char	   *p;

	(void) aggregate_context(fcinfo);
	st = (RatioState *) PG_GETARG_POINTER(0);
	row = (Size) st->dim * st->elem_size;
	size = sizeof(RatioWire) + row * (Size) (st->n[0] + st->n[1]);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for a parallel mlmon.embedding_ratio"),
				 errdetail("A worker's rows take %zu bytes; a partial state is limited to 1 GB.", size),
				 errhint("Set max_parallel_workers_per_gather to 0 for this query.")));
	w = palloc(size);
	SET_VARSIZE(w, size);
	w->version = ERS_VERSION;
	w->dim = st->dim;
	w->elem_size = st->elem_size;
	w->component_threshold = st->component_threshold;
	w->threshold = st->threshold;
	w->n[0] = st->n[0];
	w->n[1] = st->n[1];
	w->skipped_null = st->skipped_null;
	w->skipped_length = st->skipped_length;
	w->skipped_component = st->skipped_component;
	p = (char *) (w + 1);
	for (int s = 0; s < 2; s++)
		if (st->n[s] > 0)
		{
			memcpy(p, st->rows[s], row * (Size) st->n[s]);
			p += row * (Size) st->n[s];
		}
	PG_RETURN_BYTEA_P(w);
}

/* mlm_embedding_ratio_deserialize(bytea, internal) returns internal */
Datum
mlm_embedding_ratio_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	bytea	   *b = PG_GETARG_BYTEA_P(0);
	const RatioWire *w = (const RatioWire *) b;
	RatioState *st;
	Size		row;
	const char *p;

	if (VARSIZE(b) < sizeof(RatioWire) || w->version != ERS_VERSION || w->dim < 0 || w->dim > EMB_MAX_DIM ||
		(w->dim == 0 ? w->elem_size != 0 : (w->elem_size != 4 && w->elem_size != 8)) ||
		w->n[0] < 0 || w->n[1] < 0 || (w->dim == 0 && w->n[0] + w->n[1] != 0) ||
		VARSIZE(b) != sizeof(RatioWire) + (Size) w->dim * w->elem_size * (Size) (w->n[0] + w->n[1]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid embedding ratio state")));
	st = MemoryContextAllocZero(aggcxt, sizeof(RatioState));
	st->dim = w->dim;
	st->elem_size = w->elem_size;
	st->component_threshold = w->component_threshold;
	st->threshold = w->threshold;
	st->skipped_null = w->skipped_null;
	st->skipped_length = w->skipped_length;
	st->skipped_component = w->skipped_component;
	row = (Size) w->dim * w->elem_size;
	p = (const char *) (w + 1);
	for (int s = 0; s < 2; s++)
	{
		append_rows(aggcxt, st, s, p, w->n[s]);
		p += row * (Size) w->n[s];
	}
	PG_RETURN_POINTER(st);
}

static void
check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* mlm_embedding_ratio_final(internal) returns mlmon.embedding_drift_result */
Datum
mlm_embedding_ratio_final(PG_FUNCTION_ARGS)
{
	RatioState *st;
	EmbeddingResult r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RatioState *) PG_GETARG_POINTER(0);
	memset(&r, 0, sizeof(r));
	r.method = "ratio";
	r.threshold = st->threshold;
	r.n_reference = st->n[0];
	r.n_current = st->n[1];
	r.dimension = st->dim;
	r.skipped_null = st->skipped_null;
	r.skipped_length = st->skipped_length;
	r.skipped_component = st->skipped_component;
	if (st->n[0] > 0 && st->n[1] > 0)
	{
		int64		most = Max(st->n[0], st->n[1]);
		double	   *scratch = huge_alloc(CurrentMemoryContext,
										 sizeof(double) * ((Size) MLM_EMB_RATIO_BLOCK * (st->n[0] + st->n[1]) + most));
		int64		drifted = mlm_emb_ratio_drifted(st->rows[0], st->n[0], st->rows[1], st->n[1], st->dim,
												   st->elem_size, st->component_threshold, scratch, check_cancel);

		pfree(scratch);
		r.statistic = (double) drifted / (double) st->dim;
		r.has_statistic = true;
	}
	return embedding_result_datum(fcinfo, &r);
}
