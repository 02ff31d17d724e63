/*
 * embedding_sample.c: the embedding sample state (see embedding_sample.h):
 * transition, combine, reading.
 *
 * Bad rows are skipped and counted exactly as by the other embedding drift
 * aggregates (embedding_input.c).  When two partial states fixed different
 * dimensions, the second's rows are counted as of the wrong length.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/embedding_sample.h"
#include "embedding_input.h"
#include "embedding_sample.h"

PG_FUNCTION_INFO_V1(mlm_embedding_sample_combine);
PG_FUNCTION_INFO_V1(mlm_embedding_sample_canonical);

#define ES_VERSION 1

enum
{
	ES_VERSION_POS,
	ES_DIM,
	ES_MAX_ROWS,
	ES_METHOD,
	ES_OPT,						/* EMB_SAMPLE_NOPTS numbers */
	ES_NREF = ES_OPT + EMB_SAMPLE_NOPTS,
	ES_NCUR,
	ES_SKIP_NULL,
	ES_SKIP_LENGTH,
	ES_SKIP_COMPONENT,
	ES_SIZE_REF,
	ES_SIZE_CUR,
	ES_CAP_REF,
	ES_CAP_CUR,
	ES_HDR
};

#define ES_MAX_COUNT 9007199254740992.0
#define ES_FIRST_CAP 16

static inline float8 *
state_data(ArrayType *a)
{
	return (float8 *) ((char *) a + ARR_OVERHEAD_NONULLS(1));
}

static void
invalid_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid embedding sample state"),
			 errdetail("%s", detail)));
}

static bool
is_count(double v)
{
	return v >= 0.0 && v <= ES_MAX_COUNT && v == floor(v);
}

/* The slots of side s (0 reference, 1 current). */
static inline float8 *
side_slots(float8 *v, int s)
{
	return v + ES_HDR + (s == 0 ? 0 : (Size) v[ES_CAP_REF] * MLM_ES_SLOT(v[ES_DIM]));
}

/* The state's numbers, its header checked in O(1) (a user may pass a state by hand). */
static float8 *
state_values(ArrayType *a)
{
	float8	   *v;
	double		len;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID || ARR_DIMS(a)[0] < ES_HDR)
		invalid_state("An embedding sample state is an array of float8 values without NULLs.");
	v = state_data(a);
	if (v[ES_VERSION_POS] != ES_VERSION)
		invalid_state("The state's version is not 1.");
	if (!(v[ES_DIM] >= 0 && v[ES_DIM] <= EMB_MAX_DIM && v[ES_DIM] == floor(v[ES_DIM])))
		invalid_state("The dimension is not a whole number between 0 and 16000.");
	if (!(v[ES_MAX_ROWS] >= 1 && v[ES_MAX_ROWS] <= EMB_SAMPLE_MAX_ROWS && v[ES_MAX_ROWS] == floor(v[ES_MAX_ROWS])))
		invalid_state("max_rows is not a whole number between 1 and 1000000.");
	if (v[ES_METHOD] != EMB_SAMPLE_MMD && v[ES_METHOD] != EMB_SAMPLE_MODEL)
		invalid_state("The method code is not 1 or 2.");
	for (int i = 0; i < EMB_SAMPLE_NOPTS; i++)
		if (!isfinite(v[ES_OPT + i]))
			invalid_state("An option is not finite.");
	if (v[ES_OPT + EMB_SAMPLE_OPT_KEYED] != 0 && v[ES_OPT + EMB_SAMPLE_OPT_KEYED] != 1)
		invalid_state("The flag of a sample keyed by row is not 0 or 1.");
	for (int i = ES_NREF; i <= ES_CAP_CUR; i++)
		if (!is_count(v[i]))
			invalid_state("A count is not a whole number between 0 and 2^53.");
	for (int s = 0; s < 2; s++)
	{
		double		n = v[ES_NREF + s],
					size = v[ES_SIZE_REF + s],
					cap = v[ES_CAP_REF + s];

		if (size != Min(n, v[ES_MAX_ROWS]) || cap < size || cap > v[ES_MAX_ROWS])
			invalid_state("A sample's size is not min(rows, max_rows), or its capacity is out of range.");
	}
	if (v[ES_DIM] == 0 && v[ES_NREF] + v[ES_NCUR] + v[ES_CAP_REF] + v[ES_CAP_CUR] != 0)
		invalid_state("A state without a dimension has no rows.");
	len = ES_HDR + (v[ES_CAP_REF] + v[ES_CAP_CUR]) * (v[ES_DIM] + 2);
	if ((double) ARR_DIMS(a)[0] != len)
		invalid_state("The state's length does not match its dimension and capacities.");
	return v;
}

/*
 * A state of ES_HDR + (cap_ref + cap_cur) slots, header from v (dimension
 * dim), the rows of v's sides copied.  In the per-call context: the
 * executor copies a returned state that is not its input into the
 * aggregate context (and frees the old one).
 */
static ArrayType *
state_regrow(const float8 *v, int dim, double cap_ref, double cap_cur, const char *aggname)
{
	Size		w = MLM_ES_SLOT(dim);
	Size		len = ES_HDR + ((Size) cap_ref + (Size) cap_cur) * w;
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + len * sizeof(float8);
	ArrayType  *a;
	float8	   *x;

	if (bytes > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the row samples of %s would exceed 1 GB", aggname),
				 errdetail("%.0f reference and %.0f current rows of %d components need %zu bytes.",
						   cap_ref, cap_cur, dim, bytes),
				 errhint("Use a smaller max_rows.")));
	a = (ArrayType *) palloc(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	x = state_data(a);
	memcpy(x, v, ES_HDR * sizeof(float8));
	x[ES_DIM] = dim;
	x[ES_CAP_REF] = cap_ref;
	x[ES_CAP_CUR] = cap_cur;
	if (v[ES_DIM] == dim && dim != 0)
		for (int s = 0; s < 2; s++)
			memcpy(side_slots(x, s), side_slots((float8 *) v, s), (Size) v[ES_SIZE_REF + s] * w * sizeof(float8));
	else
	{
		/* a fresh dimension: no rows yet */
		x[ES_SIZE_REF] = x[ES_SIZE_CUR] = 0;
	}
	return a;
}

static void
options_differ(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("options of a drift statistic must be the same for every row"),
			 errhint("Pass constants for the options, max_rows included.")));
}

static bool
same_options(const float8 *v, const float8 *u)
{
	if (v[ES_MAX_ROWS] != u[ES_MAX_ROWS] || v[ES_METHOD] != u[ES_METHOD])
		return false;
	for (int i = 0; i < EMB_SAMPLE_NOPTS; i++)
		if (v[ES_OPT + i] != u[ES_OPT + i])
			return false;
	return true;
}

Datum
emb_sample_accum(FunctionCallInfo fcinfo, const EmbSampleOptions *o, const char *aggname)
{
	ArrayType  *a;
	float8	   *v;
	float8		hdr[ES_HDR];
	EmbeddingRow row;
	int			d,
				s;
	uint64		key,
				seed;
	int64		size;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition function of %s can only be called by its aggregate", aggname)));
	memset(hdr, 0, sizeof(hdr));
	hdr[ES_VERSION_POS] = ES_VERSION;
	hdr[ES_MAX_ROWS] = o->max_rows;
	hdr[ES_METHOD] = o->method;
	for (int i = 0; i < EMB_SAMPLE_NOPTS; i++)
		hdr[ES_OPT + i] = o->opt[i];
	Assert(o->opt[EMB_SAMPLE_OPT_KEYED] == 0);
	hdr[ES_OPT + EMB_SAMPLE_OPT_KEYED] = o->row_key_arg >= 0 ? 1 : 0;
	if (PG_ARGISNULL(0))
	{
		a = state_regrow(hdr, 0, 0, 0, aggname);
		v = state_data(a);
	}
	else
	{
		a = PG_GETARG_ARRAYTYPE_P(0);
		v = state_values(a);
		if (!same_options(v, hdr))
			options_differ();
	}
	d = (int) v[ES_DIM];
	embedding_row(fcinfo, 1, 2, d, &row);
	switch (row.status)
	{
		case EMB_ROW_NULL:
			v[ES_SKIP_NULL] += 1;
			PG_RETURN_ARRAYTYPE_P(a);
		case EMB_ROW_LENGTH:
			v[ES_SKIP_LENGTH] += 1;
			PG_RETURN_ARRAYTYPE_P(a);
		case EMB_ROW_COMPONENT:
			v[ES_SKIP_COMPONENT] += 1;
			PG_RETURN_ARRAYTYPE_P(a);
		case EMB_ROW_OK:
			break;
	}
	if (v[ES_NREF] + v[ES_NCUR] >= ES_MAX_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for %s", aggname)));
	s = row.current ? 1 : 0;
	if (d == 0)
	{
		d = row.dim;
		a = state_regrow(v, d, 0, 0, aggname);
		v = state_data(a);
	}
	seed = s == 0 ? MLM_ES_SEED_REFERENCE : MLM_ES_SEED_CURRENT;
	if (o->row_key_arg >= 0)
		seed = mlm_es_row_seed(seed, PG_ARGISNULL(o->row_key_arg) ? 0 : (uint64) PG_GETARG_INT64(o->row_key_arg));
	key = row.float4 ? mlm_es_key_f4(row.f4, d, seed) : mlm_es_key(row.f8, d, seed);
	size = (int64) v[ES_SIZE_REF + s];
	if (mlm_es_may_enter(side_slots(v, s), size, (int64) v[ES_MAX_ROWS], key))
	{
		double	   *cand;

		if (size < v[ES_MAX_ROWS] && size == v[ES_CAP_REF + s])
		{
			/* room for more rows (size < max_rows here): double the side's capacity */
			double		cap = Min(v[ES_MAX_ROWS], Max(ES_FIRST_CAP, 2 * v[ES_CAP_REF + s]));

			a = state_regrow(v, d, s == 0 ? cap : v[ES_CAP_REF], s == 1 ? cap : v[ES_CAP_CUR], aggname);
			v = state_data(a);
		}
		cand = palloc(MLM_ES_SLOT(d) * sizeof(double));
		if (row.float4)
			mlm_es_slot_fill_f4(cand, key, row.f4, d);
		else
			mlm_es_slot_fill(cand, key, row.f8, d);
		mlm_es_offer(side_slots(v, s), &size, (int64) v[ES_MAX_ROWS], d, cand);
		v[ES_SIZE_REF + s] = size;
		pfree(cand);
	}
	v[ES_NREF + s] += 1;
	PG_RETURN_ARRAYTYPE_P(a);
}

/* A copy of state v (in the per-call context). */
static ArrayType *
state_copy(ArrayType *a)
{
	ArrayType  *r = palloc(VARSIZE(a));

	memcpy(r, a, VARSIZE(a));
	return r;
}

/*
 * mlm_embedding_sample_combine(float8[], float8[]) returns float8[]: the
 * union of two partial states' samples, cut to max_rows per side, and the
 * sums of their counts.  Updates the first state in place when it has
 * room.
 */
Datum
mlm_embedding_sample_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a,
			   *b;
	float8	   *va,
			   *vb;
	int			d;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the combine function of the embedding sample aggregates can only be called by an aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	vb = state_values(b);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(state_copy(b));
	a = PG_GETARG_ARRAYTYPE_P(0);
	va = state_values(a);
	if (va[ES_OPT + EMB_SAMPLE_OPT_KEYED] != vb[ES_OPT + EMB_SAMPLE_OPT_KEYED])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine an embedding sample keyed by row with one keyed by contents"),
				 errdetail("The checks' samples are keyed by row; the aggregates' samples by contents.")));
	if (!same_options(va, vb))
		options_differ();
	for (int i = ES_NREF; i <= ES_SKIP_COMPONENT; i++)
		if (va[i] + vb[i] > ES_MAX_COUNT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for an embedding drift aggregate")));
	if (va[ES_DIM] == 0 && vb[ES_DIM] != 0)
	{
		/* the rows are all b's: start from a copy of b */
		ArrayType  *r = state_copy(b);
		float8	   *w = state_data(r);

		for (int i = ES_SKIP_NULL; i <= ES_SKIP_COMPONENT; i++)
			w[i] += va[i];
		PG_RETURN_ARRAYTYPE_P(r);
	}
	for (int i = ES_SKIP_NULL; i <= ES_SKIP_COMPONENT; i++)
		va[i] += vb[i];
	d = (int) va[ES_DIM];
	if (vb[ES_DIM] == 0)
		PG_RETURN_ARRAYTYPE_P(a);
	if (vb[ES_DIM] != d)
	{
		/* the other part fixed another dimension: its rows are of the wrong length here */
		va[ES_SKIP_LENGTH] += vb[ES_NREF] + vb[ES_NCUR];
		PG_RETURN_ARRAYTYPE_P(a);
	}
	{
		double		k = va[ES_MAX_ROWS];
		double		need_ref = Min(k, va[ES_SIZE_REF] + vb[ES_SIZE_REF]),
					need_cur = Min(k, va[ES_SIZE_CUR] + vb[ES_SIZE_CUR]);
		double	   *tmp;

		if (need_ref > va[ES_CAP_REF] || need_cur > va[ES_CAP_CUR])
		{
			a = state_regrow(va, d, Max(need_ref, va[ES_CAP_REF]), Max(need_cur, va[ES_CAP_CUR]),
							 "an embedding drift aggregate");
			va = state_data(a);
		}
		tmp = palloc(MLM_ES_SLOT(d) * sizeof(double));
		for (int s = 0; s < 2; s++)
		{
			int64		size = (int64) va[ES_SIZE_REF + s];

			CHECK_FOR_INTERRUPTS();
			mlm_es_merge(side_slots(va, s), &size, (int64) k, d, side_slots(vb, s), (int64) vb[ES_SIZE_REF + s], tmp);
			va[ES_SIZE_REF + s] = size;
			va[ES_NREF + s] += vb[ES_NREF + s];
		}
		pfree(tmp);
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Every key of size slots (w doubles each) a whole number below 2^32, every component finite (THE ORDER is then total). */
static void
check_rows(const float8 *slots, int64 size, Size w)
{
	for (int64 i = 0; i < size; i++)
	{
		const float8 *x = slots + i * w;
		double		acc = 0.0;

		if ((i & 4095) == 4095)
			CHECK_FOR_INTERRUPTS();
		if (!(x[0] >= 0 && x[0] < 4294967296.0 && x[0] == floor(x[0]) &&
			  x[1] >= 0 && x[1] < 4294967296.0 && x[1] == floor(x[1])))
			invalid_state("A row's key is out of range.");
		for (int j = 2; j < (int) w; j++)
			acc += x[j] - x[j];
		if (acc != 0.0)
			invalid_state("A row has a component that is not finite.");
	}
}

/*
 * mlm_embedding_sample_canonical(float8[]) returns float8[]: the state's
 * canonical form, the one a stored state takes: no spare capacity, and each
 * side's rows in descending ORDER (a valid max-heap, so a combine can go on
 * from it).  It depends on the multiset of rows only, as the sample does:
 * a serial, a parallel and a Citus plan store the same array.
 */
Datum
mlm_embedding_sample_canonical(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	float8	   *v = state_values(a);
	int			d = (int) v[ES_DIM];
	Size		w = MLM_ES_SLOT(d);
	ArrayType  *r = state_regrow(v, d, v[ES_SIZE_REF], v[ES_SIZE_CUR], "an embedding drift aggregate");
	float8	   *x = state_data(r);

	for (int side = 0; side < 2 && d > 0; side++)
	{
		const float8 *from = side_slots(v, side);
		float8	   *to = side_slots(x, side);
		int64		size = (int64) v[ES_SIZE_REF + side];
		int64	   *order;

		check_rows(from, size, w);
		order = palloc(Max(1, size) * sizeof(int64));
		mlm_es_order(from, size, d, (int64_t *) order);
		for (int64 i = 0; i < size; i++)
			memcpy(to + i * w, from + order[size - 1 - i] * w, w * sizeof(float8));
		pfree(order);
	}
	PG_RETURN_ARRAYTYPE_P(r);
}

void
emb_sample_read(ArrayType *state, int method, EmbSample *s)
{
	float8	   *v = state_values(state);
	int			d = (int) v[ES_DIM];
	Size		w = MLM_ES_SLOT(d);

	if (v[ES_METHOD] != method)
		invalid_state("The state was made by another embedding drift method.");
	memset(s, 0, sizeof(*s));
	s->dim = d;
	s->max_rows = (int) v[ES_MAX_ROWS];
	for (int i = 0; i < EMB_SAMPLE_NOPTS; i++)
		s->opt[i] = v[ES_OPT + i];
	s->skipped_null = (int64) v[ES_SKIP_NULL];
	s->skipped_length = (int64) v[ES_SKIP_LENGTH];
	s->skipped_component = (int64) v[ES_SKIP_COMPONENT];
	for (int side = 0; side < 2; side++)
	{
		const float8 *slots = side_slots(v, side);
		int64		size = (int64) v[ES_SIZE_REF + side];
		int64	   *order;

		s->n[side] = (int64) v[ES_NREF + side];
		s->size[side] = size;
		s->rows[side] = palloc(Max(1, size) * sizeof(double *));
		check_rows(slots, size, w);
		order = palloc(Max(1, size) * sizeof(int64));
		mlm_es_order(slots, size, d, (int64_t *) order);
		for (int64 i = 0; i < size; i++)
			s->rows[side][i] = slots + order[i] * w + 2;
		pfree(order);
	}
}
