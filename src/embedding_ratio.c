/*
 * embedding_ratio.c: mlmon.embedding_ratio, Evidently's `ratio` embedding
 * drift method (core/embedding_ratio.c): the share of components whose
 * normed Wasserstein distance reaches the component threshold.
 *
 * Each component's test needs all its values, so the state keeps every
 * valid row: an `internal` state holding the reference and the current
 * rows in blocks of about 128 kB (block_rows rows, a power of two: 64 at
 * 384 float4 components), column-major inside a block, as float4 when the
 * input is float4[] (exact: no value is rounded) and float8 for float8[].
 * Blocks never move once allocated (no doubling realloc of one buffer),
 * and one component is one contiguous run per block, so the final function
 * reads the rows once, component by component: 100k + 100k rows of 384
 * float4 are 307 MB of blocks; the final function's scratch is 24 to 32
 * bytes a row (one component of both samples, sorted and widened to
 * double, and the CDF values of both sample sizes).
 * Parallel workers send their blocks serialized to the leader (a bytea of
 * at most 1 GB per worker), which copies them into its state: every value
 * has to reach the process that tests the component, so a parallel plan
 * cannot beat the serial one by much (the scan is parallel, the sorts are
 * not).  Citus cannot push an internal state down (it pulls the rows to
 * the coordinator).
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

#define ERS_VERSION 2

/* A block's target size: one component of a block is then a run of about block_rows values. */
#define ERS_BLOCK_BYTES ((Size) 128 * 1024)
#define ERS_MAX_BLOCK_ROWS 4096
#define ERS_SLAB_BLOCKS 64

/* The rows of one sample: blocks of block_rows rows, column-major (core/embedding_ratio.h). */
typedef struct RatioSample
{
	int64		n;				/* rows */
	int32		nblocks;
	int32		maxblocks;
	char	  **block;
	int32	   *fill;
} RatioSample;

typedef struct RatioState
{
	int32		dim;			/* 0 until the first valid row */
	int32		elem_size;		/* 4 (float4[] input) or 8; 0 with dim */
	int32		block_rows;		/* rows per block; 0 with dim */
	double		component_threshold;
	double		threshold;
	RatioSample s[2];			/* reference, current */
	char	   *slab;			/* the next free block of the current slab */
	int32		slab_left;		/* free blocks there */
	int32		slab_blocks;	/* blocks of the last slab allocated */
	int64		skipped_null;
	int64		skipped_length;
	int64		skipped_component;
} RatioState;

/*
 * The serialized form: this header, then for each sample its blocks' fill
 * counts (int32), padding to 8 bytes, then for each sample its blocks, each
 * block_rows x dim elements (the unused tail of a partly filled block is
 * sent too: at most one such block per sample from a worker's scan).
 */
typedef struct RatioWire
{
	int32		vl_len_;
	int32		version;
	int32		dim;
	int32		elem_size;
	int32		block_rows;
	int32		nblocks[2];
	int32		pad;
	double		component_threshold;
	double		threshold;
	int64		n[2];
	int64		skipped_null;
	int64		skipped_length;
	int64		skipped_component;
} RatioWire;

/* Rows per block for dim components of elem_size bytes: a power of two. */
static int32
block_rows_for(int32 dim, int32 elem_size)
{
	Size		row = (Size) dim * elem_size;
	int32		r = 1;

	while (r < ERS_MAX_BLOCK_ROWS && (Size) (r * 2) * row <= ERS_BLOCK_BYTES)
		r *= 2;
	return r;
}

static Size
block_bytes(const RatioState *st)
{
	return (Size) st->block_rows * st->dim * st->elem_size;
}

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

/* A new empty block at the end of sample s (in cxt). */
static char *
add_block(MemoryContext cxt, RatioState *st, int s)
{
	RatioSample *x = &st->s[s];

	if (x->nblocks == x->maxblocks)
	{
		int32		m = x->maxblocks < 16 ? 16 : x->maxblocks * 2;

		if (x->maxblocks >= (int32) (MaxAllocSize / sizeof(char *) / 2))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for mlmon.embedding_ratio")));
		if (x->block == NULL)
		{
			x->block = MemoryContextAlloc(cxt, m * sizeof(char *));
			x->fill = MemoryContextAlloc(cxt, m * sizeof(int32));
		}
		else
		{
			x->block = repalloc(x->block, m * sizeof(char *));
			x->fill = repalloc(x->fill, m * sizeof(int32));
		}
		x->maxblocks = m;
	}
	if (st->slab_left == 0)
	{
		/*
		 * Blocks come from slabs of 1, 2, 4, ... up to ERS_SLAB_BLOCKS
		 * blocks (8 MB): few allocations, and huge_alloc has the kernel
		 * back a slab with 2 MB pages (a first touch of 307 MB of 4 kB
		 * pages costs more than sorting them).
		 */
		st->slab_blocks = st->slab_blocks == 0 ? 1 : Min(st->slab_blocks * 2, ERS_SLAB_BLOCKS);
		st->slab = huge_alloc(cxt, block_bytes(st) * st->slab_blocks);
		st->slab_left = st->slab_blocks;
	}
	x->block[x->nblocks] = st->slab;
	st->slab += block_bytes(st);
	st->slab_left--;
	x->fill[x->nblocks] = 0;
	return x->block[x->nblocks++];
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
	RatioSample *x;
	double		ct,
				t;
	EmbeddingRow row;
	char	   *blk;
	int32		i,
				br;

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
		st->block_rows = block_rows_for(st->dim, st->elem_size);
	}
	if (row.dim != st->dim || (st->elem_size == 4) != row.float4)
		elog(ERROR, "embedding row does not match the state");
	x = &st->s[row.current ? 1 : 0];
	if (x->nblocks == 0 || x->fill[x->nblocks - 1] == st->block_rows)
		blk = add_block(aggcxt, st, row.current ? 1 : 0);
	else
		blk = x->block[x->nblocks - 1];
	i = x->fill[x->nblocks - 1];
	br = st->block_rows;
	/* component j of this row at j * block_rows + i */
	if (row.float4)
	{
		float4	   *dst = (float4 *) blk + i;

		for (int j = 0; j < st->dim; j++)
			dst[(Size) j * br] = row.f4[j];
	}
	else
	{
		float8	   *dst = (float8 *) blk + i;

		for (int j = 0; j < st->dim; j++)
			dst[(Size) j * br] = row.f8[j];
	}
	x->fill[x->nblocks - 1]++;
	x->n++;
	PG_RETURN_POINTER(st);
}

/* Append a block of `fill` rows (block_bytes of data) to sample s of a, as a copy in cxt. */
static void
append_block(MemoryContext cxt, RatioState *a, int s, const char *data, int32 fill)
{
	char	   *blk;

	if (fill == 0)
		return;
	blk = add_block(cxt, a, s);
	memcpy(blk, data, block_bytes(a));
	a->s[s].fill[a->s[s].nblocks - 1] = fill;
	a->s[s].n += fill;
}

/* Merge b into a (a in cxt); b is only read. */
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
		a->block_rows = b->block_rows;
	}
	if (a->dim != b->dim || a->elem_size != b->elem_size || a->block_rows != b->block_rows)
	{
		/* the other part fixed another dimension: its rows are of the wrong length here */
		a->skipped_length += b->s[0].n + b->s[1].n;
		return;
	}
	for (int s = 0; s < 2; s++)
		for (int32 k = 0; k < b->s[s].nblocks; k++)
		{
			CHECK_FOR_INTERRUPTS();
			append_block(cxt, a, s, b->s[s].block[k], b->s[s].fill[k]);
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

static Size
fills_bytes(int32 nblocks0, int32 nblocks1)
{
	return MAXALIGN(sizeof(int32) * ((Size) nblocks0 + nblocks1));
}

/* mlm_embedding_ratio_serialize(internal) returns bytea */
Datum
mlm_embedding_ratio_serialize(PG_FUNCTION_ARGS)
{
	RatioState *st;
	Size		bb,
				size;
	RatioWire	h;
	char	   *w,
			   *p;

	(void) aggregate_context(fcinfo);
	st = (RatioState *) PG_GETARG_POINTER(0);
	bb = st->dim == 0 ? 0 : block_bytes(st);
	size = sizeof(RatioWire) + fills_bytes(st->s[0].nblocks, st->s[1].nblocks) +
		bb * ((Size) st->s[0].nblocks + st->s[1].nblocks);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for a parallel mlmon.embedding_ratio"),
				 errdetail("A worker's rows take %zu bytes; a partial state is limited to 1 GB.", size),
				 errhint("Set max_parallel_workers_per_gather to 0 for this query.")));
	/* huge pages for the message too: 100 MB from each worker at 384 float4 */
	w = huge_alloc(CurrentMemoryContext, size);
	memset(&h, 0, sizeof(h));
	SET_VARSIZE(&h, size);
	h.version = ERS_VERSION;
	h.dim = st->dim;
	h.elem_size = st->elem_size;
	h.block_rows = st->block_rows;
	h.component_threshold = st->component_threshold;
	h.threshold = st->threshold;
	for (int s = 0; s < 2; s++)
	{
		h.nblocks[s] = st->s[s].nblocks;
		h.n[s] = st->s[s].n;
	}
	h.skipped_null = st->skipped_null;
	h.skipped_length = st->skipped_length;
	h.skipped_component = st->skipped_component;
	memcpy(w, &h, sizeof(h));
	p = w + sizeof(RatioWire);
	memset(p, 0, fills_bytes(st->s[0].nblocks, st->s[1].nblocks));
	for (int s = 0; s < 2; s++)
		if (st->s[s].nblocks > 0)
		{
			memcpy(p, st->s[s].fill, sizeof(int32) * st->s[s].nblocks);
			p += sizeof(int32) * st->s[s].nblocks;
		}
	p = w + sizeof(RatioWire) + fills_bytes(st->s[0].nblocks, st->s[1].nblocks);
	for (int s = 0; s < 2; s++)
		for (int32 k = 0; k < st->s[s].nblocks; k++)
		{
			memcpy(p, st->s[s].block[k], bb);
			p += bb;
		}
	PG_RETURN_BYTEA_P(w);
}

static void
invalid_wire(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid embedding ratio state")));
}

/*
 * mlm_embedding_ratio_deserialize(bytea, internal) returns internal: a state
 * in per-call memory whose blocks point into the message (as
 * mlm_sample_deserialize does); the combine function copies them into the
 * running state next, so the rows are copied once.
 */
Datum
mlm_embedding_ratio_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b;
	RatioWire	h;
	RatioState *st;
	Size		bb,
				size;
	const char *p,
			   *fills;

	(void) aggregate_context(fcinfo);
	b = PG_GETARG_BYTEA_P(0);
	size = VARSIZE(b);
	if (size < sizeof(RatioWire))
		invalid_wire();
	/* the bytea may be only 4-byte aligned: copy the header out */
	memcpy(&h, b, sizeof(h));
	if (h.version != ERS_VERSION || h.dim < 0 || h.dim > EMB_MAX_DIM ||
		(h.dim == 0 ? (h.elem_size != 0 || h.block_rows != 0) :
		 ((h.elem_size != 4 && h.elem_size != 8) || h.block_rows != block_rows_for(h.dim, h.elem_size))) ||
		h.nblocks[0] < 0 || h.nblocks[1] < 0 || h.n[0] < 0 || h.n[1] < 0 ||
		h.skipped_null < 0 || h.skipped_length < 0 || h.skipped_component < 0 ||
		(h.dim == 0 && (h.nblocks[0] != 0 || h.nblocks[1] != 0)))
		invalid_wire();
	bb = h.dim == 0 ? 0 : (Size) h.block_rows * h.dim * h.elem_size;
	/* nblocks are below 2^31 each and bb below 2^30: no overflow in Size */
	if (size != sizeof(RatioWire) + fills_bytes(h.nblocks[0], h.nblocks[1]) +
		bb * ((Size) h.nblocks[0] + h.nblocks[1]))
		invalid_wire();
	st = palloc0(sizeof(RatioState));
	st->dim = h.dim;
	st->elem_size = h.elem_size;
	st->block_rows = h.block_rows;
	st->component_threshold = h.component_threshold;
	st->threshold = h.threshold;
	st->skipped_null = h.skipped_null;
	st->skipped_length = h.skipped_length;
	st->skipped_component = h.skipped_component;
	fills = (const char *) b + sizeof(RatioWire);
	p = fills + fills_bytes(h.nblocks[0], h.nblocks[1]);
	for (int s = 0; s < 2; s++)
	{
		RatioSample *x = &st->s[s];

		x->nblocks = x->maxblocks = h.nblocks[s];
		x->block = palloc(sizeof(char *) * Max(x->nblocks, 1));
		x->fill = palloc(sizeof(int32) * Max(x->nblocks, 1));
		for (int32 k = 0; k < x->nblocks; k++)
		{
			memcpy(&x->fill[k], fills, sizeof(int32));
			fills += sizeof(int32);
			if (x->fill[k] < 1 || x->fill[k] > h.block_rows)
				invalid_wire();
			x->block[k] = (char *) p;
			p += bb;
			x->n += x->fill[k];
		}
		if (x->n != h.n[s])
			invalid_wire();
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
	r.n_reference = st->s[0].n;
	r.n_current = st->s[1].n;
	r.dimension = st->dim;
	r.skipped_null = st->skipped_null;
	r.skipped_length = st->skipped_length;
	r.skipped_component = st->skipped_component;
	if (st->s[0].n > 0 && st->s[1].n > 0)
	{
		mlm_emb_blocks ref,
					cur;
		mlm_emb_blocks *bl[2] = {&ref, &cur};
		double	   *scratch;
		int64		drifted;

		for (int s = 0; s < 2; s++)
		{
			bl[s]->block = (const void *const *) st->s[s].block;
			bl[s]->fill = st->s[s].fill;
			bl[s]->nblocks = st->s[s].nblocks;
			bl[s]->block_rows = st->block_rows;
			bl[s]->n = st->s[s].n;
		}
		scratch = huge_alloc(CurrentMemoryContext,
							 sizeof(double) * (Size) MLM_EMB_RATIO_SCRATCH(st->s[0].n, st->s[1].n));
		drifted = mlm_emb_ratio_drifted(&ref, &cur, st->dim, st->elem_size, st->component_threshold,
										scratch, check_cancel);
		pfree(scratch);
		r.statistic = (double) drifted / (double) st->dim;
		r.has_statistic = true;
	}
	return embedding_result_datum(fcinfo, &r);
}
