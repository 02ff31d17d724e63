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
 * float4 are 307 MB of blocks; the final function's scratch is 40 to 48
 * bytes a row (four components of both samples, sorted and widened to
 * double, one sort buffer, and the CDF values of both sample sizes).
 * The state type is mlmon.embedding_ratio_state, a real type: during
 * aggregation an expanded object every row updates in place, its flat form
 * the portable binary form (core/embedding_ratio_wire.h: every valid row,
 * row after row), its text form that in base64.  Parallel workers send
 * their rows to the leader in it (at most 1 GB per worker) and Citus ships
 * it from the workers as text, to be combined on the coordinator: every
 * value has to reach the process that tests the component, so a parallel
 * or distributed plan cannot beat the serial one by much (the scan is
 * spread, the sorts are not).
 *
 * Bad rows are skipped and counted exactly as by mlmon.embedding_distance
 * (embedding_input.c).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "base64_form.h"
#include "core/embedding_ratio.h"
#include "core/embedding_ratio_wire.h"
#include "embedding_input.h"
#include "huge_alloc.h"

PG_FUNCTION_INFO_V1(mlm_embedding_ratio_accum);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_combine);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_final);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_state_in);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_state_out);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_state_recv);
PG_FUNCTION_INFO_V1(mlm_embedding_ratio_state_send);

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
		 * Blocks come from slabs of 1, 2, 4, ... up to MLM_EMB_SLAB_BLOCKS
		 * blocks (8 MB): few allocations, and huge_alloc has the kernel
		 * back a slab with 2 MB pages (a first touch of 307 MB of 4 kB
		 * pages costs more than sorting them).
		 */
		st->slab_blocks = st->slab_blocks == 0 ? 1 : Min(st->slab_blocks * 2, MLM_EMB_SLAB_BLOCKS);
		st->slab = huge_alloc(cxt, block_bytes(st) * st->slab_blocks);
		st->slab_left = st->slab_blocks;
	}
	x->block[x->nblocks] = st->slab;
	st->slab += block_bytes(st);
	st->slab_left--;
	x->fill[x->nblocks] = 0;
	return x->block[x->nblocks++];
}

/* Add a valid row to st (its blocks in cxt). */
static void
add_row(MemoryContext cxt, RatioState *st, const EmbeddingRow *row)
{
	RatioSample *x;
	char	   *blk;
	int32		i,
				br;

	if (st->dim == 0)
	{
		st->dim = row->dim;
		st->elem_size = row->float4 ? 4 : 8;
		st->block_rows = (int32) mlm_emb_block_rows(st->dim, st->elem_size);
	}
	if (row->dim != st->dim || (st->elem_size == 4) != row->float4)
		elog(ERROR, "embedding row does not match the state");
	x = &st->s[row->current ? 1 : 0];
	if (x->nblocks == 0 || x->fill[x->nblocks - 1] == st->block_rows)
		blk = add_block(cxt, st, row->current ? 1 : 0);
	else
		blk = x->block[x->nblocks - 1];
	i = x->fill[x->nblocks - 1];
	br = st->block_rows;
	/* component j of this row at j * block_rows + i */
	if (row->float4)
	{
		float4	   *dst = (float4 *) blk + i;

		for (int j = 0; j < st->dim; j++)
			dst[(Size) j * br] = row->f4[j];
	}
	else
	{
		float8	   *dst = (float8 *) blk + i;

		for (int j = 0; j < st->dim; j++)
			dst[(Size) j * br] = row->f8[j];
	}
	x->fill[x->nblocks - 1]++;
	x->n++;
}

/*
 * mlmon.embedding_ratio_state during aggregation: an expanded object around
 * the state, in a memory context of its own (the blocks too).
 */
typedef struct RatioStateEO
{
	ExpandedObjectHeader hdr;
	RatioState	st;
	MemoryContext cxt;
} RatioStateEO;

static Size eo_get_flat_size(ExpandedObjectHeader *eohptr);
static void eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods eo_methods = {
	eo_get_flat_size,
	eo_flatten_into
};

static RatioStateEO *
eo_new(MemoryContext parent, double component_threshold, double threshold)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon embedding ratio state", ALLOCSET_SMALL_SIZES);
	RatioStateEO *eo = (RatioStateEO *) MemoryContextAllocZero(cxt, sizeof(RatioStateEO));

	EOH_init_header(&eo->hdr, &eo_methods, cxt);
	eo->cxt = cxt;
	eo->st.component_threshold = component_threshold;
	eo->st.threshold = threshold;
	return eo;
}

/* d as our expanded state (read-write or read-only), or NULL when it is flat. */
static RatioStateEO *
eo_of(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &eo_methods)
		elog(ERROR, "expanded object is not a mlmon.embedding_ratio_state");
	return (RatioStateEO *) eoh;
}

static void
wire_of(const RatioState *st, mlm_emb_ratio_wire *w)
{
	memset(w, 0, sizeof(*w));
	w->elem_size = st->elem_size;
	w->dim = st->dim;
	w->component_threshold = st->component_threshold;
	w->threshold = st->threshold;
	w->n[0] = st->s[0].n;
	w->n[1] = st->s[1].n;
	w->skipped_null = st->skipped_null;
	w->skipped_length = st->skipped_length;
	w->skipped_component = st->skipped_component;
}

static Size
eo_get_flat_size(ExpandedObjectHeader *eohptr)
{
	RatioStateEO *eo = (RatioStateEO *) eohptr;
	mlm_emb_ratio_wire w;
	size_t		size;

	wire_of(&eo->st, &w);
	size = mlm_emb_ratio_wire_size(&w, MaxAllocSize - VARHDRSZ);
	if (size == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of mlmon.embedding_ratio too large"),
				 errdetail("The partial state holds %lld rows of %d components; a value is at most 1 GB.",
						   (long long) (eo->st.s[0].n + eo->st.s[1].n), eo->st.dim),
				 errhint("Partial states are written by parallel workers, by partitionwise aggregation and by Citus: disable them for this statement with SET max_parallel_workers_per_gather = 0 and SET enable_partitionwise_aggregate = off.")));
	return VARHDRSZ + size;
}

static void
eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	RatioStateEO *eo = (RatioStateEO *) eohptr;
	RatioState *st = &eo->st;
	mlm_emb_ratio_wire w;
	unsigned char *p;

	SET_VARSIZE(result, allocated_size);
	wire_of(st, &w);
	p = (unsigned char *) VARDATA(result);
	mlm_emb_ratio_wire_put_header(p, &w);
	p += MLM_EMB_RATIO_WIRE_HEADER;
	for (int s = 0; s < 2; s++)
		for (int32 k = 0; k < st->s[s].nblocks; k++)
			p = mlm_emb_ratio_wire_put_block(p, st->s[s].block[k], st->elem_size, st->dim,
											 st->block_rows, st->s[s].fill[k]);
	Assert((Size) ((char *) p - (char *) result) == allocated_size);
}

/* Check a flat form (untrusted: it may come from a user) into *w; errors carry errcode_bad. */
static void
wire_read(struct varlena *vl, int errcode_bad, mlm_emb_ratio_wire *w)
{
	char		err[256];

	if (mlm_emb_ratio_wire_check(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl), EMB_MAX_DIM, w, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.embedding_ratio_state value"),
				 errdetail("%s", err)));
}

/* Add the rows and counts of a checked flat form to st (blocks in cxt). */
static void
add_wire(MemoryContext cxt, RatioState *st, const mlm_emb_ratio_wire *w)
{
	const unsigned char *p = w->rows;
	Size		row_bytes = (Size) w->dim * w->elem_size;

	if (st->component_threshold != w->component_threshold || st->threshold != w->threshold)
		options_differ();
	st->skipped_null += w->skipped_null;
	st->skipped_length += w->skipped_length;
	st->skipped_component += w->skipped_component;
	if (w->dim == 0)
		return;
	if (st->dim == 0)
	{
		st->dim = w->dim;
		st->elem_size = w->elem_size;
		st->block_rows = (int32) mlm_emb_block_rows(st->dim, st->elem_size);
	}
	if (st->dim != w->dim || st->elem_size != w->elem_size)
	{
		/* the other part fixed another dimension: its rows are of the wrong length here */
		st->skipped_length += w->n[0] + w->n[1];
		return;
	}
	for (int s = 0; s < 2; s++)
	{
		RatioSample *x = &st->s[s];

		for (int64 r = 0; r < w->n[s]; r++)
		{
			char	   *blk;

			if ((r & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			if (x->nblocks == 0 || x->fill[x->nblocks - 1] == st->block_rows)
				blk = add_block(cxt, st, s);
			else
				blk = x->block[x->nblocks - 1];
			mlm_emb_ratio_wire_get_row(p, blk, st->elem_size, st->dim, st->block_rows, x->fill[x->nblocks - 1]);
			p += row_bytes;
			x->fill[x->nblocks - 1]++;
			x->n++;
		}
	}
}

/* An expanded state under parent from a flat form. */
static RatioStateEO *
eo_expand(Datum d, MemoryContext parent)
{
	mlm_emb_ratio_wire w;
	RatioStateEO *eo;

	wire_read(PG_DETOAST_DATUM(d), ERRCODE_DATA_CORRUPTED, &w);
	eo = eo_new(parent, w.component_threshold, w.threshold);
	add_wire(eo->cxt, &eo->st, &w);
	return eo;
}

/* The aggregate's own read-write state in argument 0 (a flat one is expanded under aggcxt). */
static RatioStateEO *
eo_rw_arg(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	Datum		d = PG_GETARG_DATUM(0);
	RatioStateEO *eo = eo_of(d);

	if (eo == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		eo = eo_expand(d, aggcxt);
	return eo;
}

/*
 * mlm_embedding_ratio_accum(mlmon.embedding_ratio_state, embedding float8[] |
 * float4[], is_current boolean [, component_threshold float8 [, threshold
 * float8]]) returns mlmon.embedding_ratio_state: the state is updated in place.
 */
Datum
mlm_embedding_ratio_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	RatioStateEO *eo;
	RatioState *st;
	double		ct,
				t;
	EmbeddingRow row;

	options_of(fcinfo, &ct, &t);
	if (PG_ARGISNULL(0))
		eo = eo_new(aggcxt, ct, t);
	else
	{
		eo = eo_rw_arg(fcinfo, aggcxt);
		if (eo->st.component_threshold != ct || eo->st.threshold != t)
			options_differ();
	}
	st = &eo->st;
	embedding_row(fcinfo, 1, 2, st->dim, &row);
	switch (row.status)
	{
		case EMB_ROW_NULL:
			st->skipped_null++;
			break;
		case EMB_ROW_LENGTH:
			st->skipped_length++;
			break;
		case EMB_ROW_COMPONENT:
			st->skipped_component++;
			break;
		case EMB_ROW_OK:
			add_row(eo->cxt, st, &row);
			break;
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
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

/* Merge b into a (a's blocks in cxt); b is only read. */
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

/*
 * mlm_embedding_ratio_combine(mlmon.embedding_ratio_state,
 * mlmon.embedding_ratio_state): the second state's rows appended to the
 * first; a flat second state (from a parallel worker, or parsed from text
 * by Citus) is checked and its rows copied straight from it.
 */
Datum
mlm_embedding_ratio_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	RatioStateEO *a,
			   *b;
	mlm_emb_ratio_wire w;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = eo_of(PG_GETARG_DATUM(1));
	if (b == NULL)
		wire_read(PG_DETOAST_DATUM(PG_GETARG_DATUM(1)), ERRCODE_DATA_CORRUPTED, &w);
	if (PG_ARGISNULL(0))
		a = b != NULL ? eo_new(aggcxt, b->st.component_threshold, b->st.threshold)
			: eo_new(aggcxt, w.component_threshold, w.threshold);
	else
		a = eo_rw_arg(fcinfo, aggcxt);
	if (b != NULL)
		merge(a->cxt, &a->st, &b->st);
	else
		add_wire(a->cxt, &a->st, &w);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* A checked flat mlmon.embedding_ratio_state holding bytes[0..len). */
static struct varlena *
state_from_bytes(const char *bytes, Size len, int errcode_bad)
{
	struct varlena *vl = base64_form_varlena(bytes, len);
	mlm_emb_ratio_wire w;

	wire_read(vl, errcode_bad, &w);
	return vl;
}

/* mlm_embedding_ratio_state_in(cstring): base64 of the binary form. */
Datum
mlm_embedding_ratio_state_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = base64_form_decode(PG_GETARG_CSTRING(0), "mlmon.embedding_ratio_state", &len);

	PG_RETURN_POINTER(state_from_bytes(bytes, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* mlm_embedding_ratio_state_out(mlmon.embedding_ratio_state) returns cstring */
Datum
mlm_embedding_ratio_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(base64_form_out(PG_GETARG_DATUM(0)));
}

/* mlm_embedding_ratio_state_recv(internal): the rest of the message is the binary form. */
Datum
mlm_embedding_ratio_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	struct varlena *vl = state_from_bytes(buf->data + buf->cursor, (Size) (buf->len - buf->cursor),
										  ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(vl);
}

/* mlm_embedding_ratio_state_send(mlmon.embedding_ratio_state) returns bytea */
Datum
mlm_embedding_ratio_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(base64_form_send(PG_GETARG_DATUM(0)));
}

static void
check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* mlm_embedding_ratio_final(mlmon.embedding_ratio_state) returns mlmon.embedding_drift_result */
Datum
mlm_embedding_ratio_final(PG_FUNCTION_ARGS)
{
	RatioStateEO *eo;
	RatioState *st;
	EmbeddingResult r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	eo = eo_of(PG_GETARG_DATUM(0));
	if (eo == NULL)
		eo = eo_expand(PG_GETARG_DATUM(0), CurrentMemoryContext);
	st = &eo->st;
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
							 sizeof(double) * (Size) mlm_emb_ratio_scratch_doubles(st->s[0].n, st->s[1].n));
		drifted = mlm_emb_ratio_drifted(&ref, &cur, st->dim, st->elem_size, st->component_threshold,
										scratch, check_cancel);
		pfree(scratch);
		r.statistic = (double) drifted / (double) st->dim;
		r.has_statistic = true;
	}
	return embedding_result_datum(fcinfo, &r);
}
