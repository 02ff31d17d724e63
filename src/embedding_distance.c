/*
 * embedding_distance.c: mlmon.embedding_distance, Evidently's `distance`
 * embedding drift method (core/embedding.c): the distance between the mean
 * reference and mean current embeddings against a threshold, or against a
 * bootstrap percentile.
 *
 * The state is a float8[] (a real SQL type: parallel workers and Citus
 * combine it; its text form round-trips): a header of EDS_HDR numbers (the
 * version, the dimension, the options, the counts, the bootstrap buffer's
 * capacity), then per sample (reference, current) the Neumaier sums of
 * each component, value and compensation (4 d numbers).  That is all the
 * threshold form needs: 12 kB at 384 dimensions.  The bootstrap form
 * resamples the reference rows, so its state also keeps every valid
 * reference row (d numbers each) after the sums, in a buffer that doubles
 * when full (its unused tail is zeros); 100k rows of 384 dimensions are
 * 307 MB.
 *
 * Bad rows are skipped and counted, never an error: a NULL embedding or
 * is_current, or an empty array (n_skipped_null); an array that is not
 * one-dimensional or whose length is not the dimension fixed by the first
 * valid embedding (n_skipped_length); a NULL, NaN or infinite component
 * (n_skipped_component).  When two partial states fixed different
 * dimensions, the second's rows are counted as of the wrong length.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/embedding.h"
#include "embedding_input.h"
#include "result_desc.h"

PG_FUNCTION_INFO_V1(mlm_embedding_distance_accum);
PG_FUNCTION_INFO_V1(mlm_embedding_distance_combine);
PG_FUNCTION_INFO_V1(mlm_embedding_distance_final);

#define EDS_VERSION 1

enum
{
	EDS_VERSION_POS,
	EDS_DIM,
	EDS_KIND,
	EDS_THRESHOLD,
	EDS_BOOTSTRAP,
	EDS_QUANTILE,
	EDS_NREF,
	EDS_NCUR,
	EDS_SKIP_NULL,
	EDS_SKIP_LENGTH,
	EDS_SKIP_COMPONENT,
	EDS_ROWS_CAP,
	EDS_HDR
};

#define EDS_MAX_COUNT 9007199254740992.0

typedef struct EdsOptions
{
	int			kind;
	double		threshold;
	bool		bootstrap;
	double		quantile;
} EdsOptions;

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
			 errmsg("invalid embedding distance state"),
			 errdetail("%s", detail)));
}

static bool
is_count(double v)
{
	return v >= 0.0 && v <= EDS_MAX_COUNT && v == floor(v);
}

/* The state's numbers, checked (a user may pass a state to the combine or final function by hand). */
static float8 *
state_values(ArrayType *a)
{
	float8	   *v;
	double		len;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID || ARR_DIMS(a)[0] < EDS_HDR)
		invalid_state("An embedding distance state is an array of float8 values without NULLs.");
	v = state_data(a);
	if (v[EDS_VERSION_POS] != EDS_VERSION)
		invalid_state("The state's version is not 1.");
	if (!(v[EDS_DIM] >= 0 && v[EDS_DIM] <= EMB_MAX_DIM && v[EDS_DIM] == floor(v[EDS_DIM])))
		invalid_state("The dimension is not a whole number between 0 and 16000.");
	if (mlm_emb_dist_name((int) v[EDS_KIND])[0] == '?' || v[EDS_KIND] != floor(v[EDS_KIND]))
		invalid_state("The distance code is not 0, 1, 2 or 3.");
	if (!isfinite(v[EDS_THRESHOLD]) || (v[EDS_BOOTSTRAP] != 0 && v[EDS_BOOTSTRAP] != 1) ||
		!(v[EDS_QUANTILE] >= 0 && v[EDS_QUANTILE] <= 1))
		invalid_state("The options are out of range.");
	for (int i = EDS_NREF; i <= EDS_ROWS_CAP; i++)
		if (!is_count(v[i]))
			invalid_state("A count is not a whole number between 0 and 2^53.");
	if (v[EDS_BOOTSTRAP] == 0 && v[EDS_ROWS_CAP] != 0)
		invalid_state("A state without bootstrap keeps no rows.");
	if (v[EDS_ROWS_CAP] < (v[EDS_BOOTSTRAP] != 0 ? v[EDS_NREF] : 0))
		invalid_state("The bootstrap buffer is smaller than the reference sample.");
	len = v[EDS_DIM] == 0 ? EDS_HDR : EDS_HDR + v[EDS_DIM] * (4 + v[EDS_ROWS_CAP]);
	if (v[EDS_DIM] == 0 && v[EDS_NREF] + v[EDS_NCUR] + v[EDS_ROWS_CAP] != 0)
		invalid_state("A state without a dimension has no rows.");
	if ((double) ARR_DIMS(a)[0] != len)
		invalid_state("The state's length does not match its dimension and buffer.");
	return v;
}

static void
check_aggregate_call(FunctionCallInfo fcinfo)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition and combine functions of mlmon.embedding_distance can only be called by its aggregate")));
}

/*
 * A zeroed state of `len` numbers in cxt.  The transition and combine
 * functions build a new state in the per-call context: the executor copies
 * a returned state that is not its input into the aggregate context (and
 * frees the old one).
 */
static ArrayType *
state_alloc(MemoryContext cxt, Size len)
{
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + len * sizeof(float8);
	ArrayType  *a;

	if (bytes > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many reference rows for the bootstrap of mlmon.embedding_distance"),
				 errdetail("The state would need %zu bytes; the limit is 1 GB.", bytes),
				 errhint("Use the threshold form (bootstrap false), or test a sample of the reference rows.")));
	a = (ArrayType *) MemoryContextAllocZero(cxt, bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

static void
options_of(FunctionCallInfo fcinfo, EdsOptions *o)
{
	int			n = PG_NARGS();

	o->kind = MLM_EMB_EUCLIDEAN;
	o->threshold = 0.2;
	o->bootstrap = false;
	o->quantile = 0.95;
	for (int i = 3; i < n; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("options of mlmon.embedding_distance must not be null")));
	if (n > 3)
	{
		char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(3));

		o->kind = mlm_emb_dist_of(s);
		if (o->kind < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized distance \"%s\"", s),
					 errhint("Use euclidean, cosine, cityblock or chebyshev.")));
	}
	if (n > 4)
	{
		o->threshold = PG_GETARG_FLOAT8(4);
		if (!isfinite(o->threshold))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold must be a finite number")));
	}
	if (n > 5)
	{
		o->bootstrap = PG_GETARG_BOOL(5);
		o->quantile = PG_GETARG_FLOAT8(6);
		if (!(o->quantile >= 0.0 && o->quantile <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("quantile_probability must be between 0 and 1")));
	}
}

static void
check_same_options(const float8 *v, const EdsOptions *o)
{
	if (v[EDS_KIND] != o->kind || v[EDS_THRESHOLD] != o->threshold ||
		v[EDS_BOOTSTRAP] != (o->bootstrap ? 1 : 0) || v[EDS_QUANTILE] != o->quantile)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of a drift statistic must be the same for every row"),
				 errhint("Pass constants for the distance, threshold, bootstrap and quantile_probability arguments.")));
}

/* Add one row's components to a sample's sums (s then c, d each). */
static inline void
sums_add8(float8 *s, float8 *c, const float8 *x, int d)
{
	for (int i = 0; i < d; i++)
	{
		double		t = s[i] + x[i];

		if (fabs(s[i]) >= fabs(x[i]))
			c[i] += (s[i] - t) + x[i];
		else
			c[i] += (x[i] - t) + s[i];
		s[i] = t;
	}
}

static inline void
sums_add4(float8 *s, float8 *c, const float4 *x, int d)
{
	for (int i = 0; i < d; i++)
	{
		double		xi = x[i];
		double		t = s[i] + xi;

		if (fabs(s[i]) >= fabs(xi))
			c[i] += (s[i] - t) + xi;
		else
			c[i] += (xi - t) + s[i];
		s[i] = t;
	}
}

/* A state with `dim` fixed and room for `cap` reference rows, header copied from v. */
static ArrayType *
state_regrow(MemoryContext cxt, const float8 *v, int dim, double cap)
{
	ArrayType  *a = state_alloc(CurrentMemoryContext, EDS_HDR + (Size) dim * (4 + (Size) cap));
	float8	   *w = state_data(a);
	int			olddim = (int) v[EDS_DIM];

	memcpy(w, v, EDS_HDR * sizeof(float8));
	w[EDS_DIM] = dim;
	w[EDS_ROWS_CAP] = cap;
	if (olddim != 0)
		memcpy(w + EDS_HDR, v + EDS_HDR,
			   (Size) olddim * (4 + (v[EDS_BOOTSTRAP] != 0 ? (Size) v[EDS_NREF] : 0)) * sizeof(float8));
	return a;
}

/*
 * mlm_embedding_distance_accum(float8[], embedding float8[] | float4[],
 * is_current boolean [, dist text [, threshold float8 [, bootstrap boolean,
 * quantile_probability float8]]]) returns float8[]
 */
Datum
mlm_embedding_distance_accum(PG_FUNCTION_ARGS)
{
	EdsOptions	o;
	ArrayType  *a;
	float8	   *v;
	EmbeddingRow row;
	int			d;

	check_aggregate_call(fcinfo);
	options_of(fcinfo, &o);
	if (PG_ARGISNULL(0))
	{
		a = state_alloc(CurrentMemoryContext, EDS_HDR);
		v = state_data(a);
		v[EDS_VERSION_POS] = EDS_VERSION;
		v[EDS_KIND] = o.kind;
		v[EDS_THRESHOLD] = o.threshold;
		v[EDS_BOOTSTRAP] = o.bootstrap ? 1 : 0;
		v[EDS_QUANTILE] = o.quantile;
	}
	else
	{
		/*
		 * Checked like any state from outside (O(1)): a user-defined
		 * aggregate may start this function from an INITCOND of its own.
		 */
		a = PG_GETARG_ARRAYTYPE_P(0);
		v = state_values(a);
		check_same_options(v, &o);
	}
	d = (int) v[EDS_DIM];
	embedding_row(fcinfo, 1, 2, d, &row);
	switch (row.status)
	{
		case EMB_ROW_NULL:
			v[EDS_SKIP_NULL] += 1;
			PG_RETURN_ARRAYTYPE_P(a);
		case EMB_ROW_LENGTH:
			v[EDS_SKIP_LENGTH] += 1;
			PG_RETURN_ARRAYTYPE_P(a);
		case EMB_ROW_COMPONENT:
			v[EDS_SKIP_COMPONENT] += 1;
			PG_RETURN_ARRAYTYPE_P(a);
		case EMB_ROW_OK:
			break;
	}
	if (d == 0)
	{
		d = row.dim;
		a = state_regrow(CurrentMemoryContext, v, d, o.bootstrap ? 16 : 0);
		v = state_data(a);
	}
	if (o.bootstrap && !row.current && v[EDS_NREF] == v[EDS_ROWS_CAP])
	{
		a = state_regrow(CurrentMemoryContext, v, d, Max(16, v[EDS_ROWS_CAP] * 2));
		v = state_data(a);
	}
	{
		float8	   *sums = v + EDS_HDR + (row.current ? 2 * d : 0);

		if (row.float4)
			sums_add4(sums, sums + d, row.f4, d);
		else
			sums_add8(sums, sums + d, row.f8, d);
		if (o.bootstrap && !row.current)
		{
			float8	   *dst = v + EDS_HDR + 4 * (Size) d + (Size) v[EDS_NREF] * d;

			if (row.float4)
				for (int i = 0; i < d; i++)
					dst[i] = row.f4[i];
			else
				memcpy(dst, row.f8, d * sizeof(float8));
		}
		v[row.current ? EDS_NCUR : EDS_NREF] += 1;
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

/* mlm_embedding_distance_combine(float8[], float8[]) returns float8[] */
Datum
mlm_embedding_distance_combine(PG_FUNCTION_ARGS)
{
	float8	   *va,
			   *vb;
	ArrayType  *r;
	float8	   *w;
	int			d;

	check_aggregate_call(fcinfo);
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	vb = state_values(PG_GETARG_ARRAYTYPE_P(1));
	if (PG_ARGISNULL(0))
	{
		r = state_regrow(CurrentMemoryContext, vb, (int) vb[EDS_DIM], vb[EDS_BOOTSTRAP] != 0 ? vb[EDS_NREF] : 0);
		PG_RETURN_ARRAYTYPE_P(r);
	}
	va = state_values(PG_GETARG_ARRAYTYPE_P(0));
	if (va[EDS_KIND] != vb[EDS_KIND] || va[EDS_THRESHOLD] != vb[EDS_THRESHOLD] ||
		va[EDS_BOOTSTRAP] != vb[EDS_BOOTSTRAP] || va[EDS_QUANTILE] != vb[EDS_QUANTILE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of a drift statistic must be the same for every row"),
				 errhint("Pass constants for the distance, threshold, bootstrap and quantile_probability arguments.")));
	for (int i = EDS_NREF; i <= EDS_SKIP_COMPONENT; i++)
		if (va[i] + vb[i] > EDS_MAX_COUNT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for mlmon.embedding_distance")));
	d = (int) va[EDS_DIM];
	if (d == 0)
		d = (int) vb[EDS_DIM];
	/* a fresh state: room for both buffers' reference rows (bootstrap) */
	r = state_regrow(CurrentMemoryContext, va, d, va[EDS_BOOTSTRAP] != 0 ? va[EDS_NREF] + vb[EDS_NREF] : 0);
	w = state_data(r);
	for (int i = EDS_SKIP_NULL; i <= EDS_SKIP_COMPONENT; i++)
		w[i] += vb[i];
	if (vb[EDS_DIM] != 0 && vb[EDS_DIM] != d)
	{
		/* the other part fixed another dimension: its rows are of the wrong length here */
		w[EDS_SKIP_LENGTH] += vb[EDS_NREF] + vb[EDS_NCUR];
		w[EDS_ROWS_CAP] = va[EDS_BOOTSTRAP] != 0 ? va[EDS_NREF] : 0;
		r = state_regrow(CurrentMemoryContext, w, d, w[EDS_ROWS_CAP]);
		PG_RETURN_ARRAYTYPE_P(r);
	}
	if (vb[EDS_DIM] != 0)
	{
		const float8 *sb = vb + EDS_HDR;
		float8	   *sw = w + EDS_HDR;

		for (int k = 0; k < 2; k++)
			for (int i = 0; i < d; i++)
			{
				double		s = sw[2 * k * d + i],
							c = sw[2 * k * d + d + i];
				double		add[2] = {sb[2 * k * d + i], sb[2 * k * d + d + i]};

				for (int j = 0; j < 2; j++)
				{
					double		t = s + add[j];

					if (fabs(s) >= fabs(add[j]))
						c += (s - t) + add[j];
					else
						c += (add[j] - t) + s;
					s = t;
				}
				sw[2 * k * d + i] = s;
				sw[2 * k * d + d + i] = c;
			}
		if (w[EDS_BOOTSTRAP] != 0 && vb[EDS_NREF] > 0)
			memcpy(w + EDS_HDR + 4 * (Size) d + (Size) w[EDS_NREF] * d, vb + EDS_HDR + 4 * (Size) d,
				   (Size) vb[EDS_NREF] * d * sizeof(float8));
		w[EDS_NREF] += vb[EDS_NREF];
		w[EDS_NCUR] += vb[EDS_NCUR];
	}
	PG_RETURN_ARRAYTYPE_P(r);
}

static void
check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* mlm_embedding_distance_final(float8[]) returns mlmon.embedding_drift_result */
Datum
mlm_embedding_distance_final(PG_FUNCTION_ARGS)
{
	float8	   *v;
	EmbeddingResult r;
	int			d;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	v = state_values(PG_GETARG_ARRAYTYPE_P(0));
	d = (int) v[EDS_DIM];
	memset(&r, 0, sizeof(r));
	r.method = "distance";
	r.threshold = v[EDS_THRESHOLD];
	r.n_reference = (int64) v[EDS_NREF];
	r.n_current = (int64) v[EDS_NCUR];
	r.dimension = d;
	r.skipped_null = (int64) v[EDS_SKIP_NULL];
	r.skipped_length = (int64) v[EDS_SKIP_LENGTH];
	r.skipped_component = (int64) v[EDS_SKIP_COMPONENT];
	r.has_statistic = false;
	if (r.n_reference > 0 && r.n_current > 0)
	{
		double	   *mr = palloc(sizeof(double) * d),
				   *mc = palloc(sizeof(double) * d);
		const float8 *s = v + EDS_HDR;

		for (int i = 0; i < d; i++)
		{
			mr[i] = (s[i] + s[d + i]) / (double) r.n_reference;
			mc[i] = (s[2 * d + i] + s[3 * d + i]) / (double) r.n_current;
		}
		r.statistic = mlm_emb_distance((int) v[EDS_KIND], mr, mc, d);
		if (v[EDS_BOOTSTRAP] != 0)
		{
			double	   *scratch = palloc(sizeof(double) * (3 * (Size) d + MLM_EMB_BOOTSTRAP));
			const double *rows = v + EDS_HDR + 4 * (Size) d;
			int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * r.n_reference);

			mlm_emb_rows_order(rows, r.n_reference, d, (int64_t *) order);
			r.threshold = mlm_emb_distance_bootstrap((int) v[EDS_KIND], rows, (const int64_t *) order,
													 r.n_reference, r.n_current, d, v[EDS_QUANTILE],
													 MLM_EMB_BOOTSTRAP, MLM_EMB_SEED, scratch, check_cancel);
		}
		r.has_statistic = !isnan(r.statistic) && !isnan(r.threshold);
	}
	return embedding_result_datum(fcinfo, &r);
}
