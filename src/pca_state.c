/*
 * pca_state.c: mlmon.pca_fit, the aggregate that fits NannyML's data
 * reconstruction drift model (SimpleImputer(strategy="mean"), then
 * StandardScaler, then PCA(n_components=variance)) and returns it as jsonb.
 *
 * The state is a float8[] (a real SQL type: parallel query and Citus
 * combine it; its text form with 17 significant digits round-trips):
 *   a header (version, p, variance, whether incomplete rows were seen, and
 *   the data-quality counts), then the complete rows' count-free means and
 *   packed co-moments (src/core/comoments.c), then, only once a row with a
 *   missing value arrived, the per-pair moments of the incomplete rows
 *   (src/core/comoments_missing.c: 4 p (p + 1) / 2 numbers).
 * Complete rows cost one Welford update; the final function merges both
 * parts into the moments of the mean-imputed data and fits
 * (src/core/pca.c).
 *
 * A NULL array is a row without features: counted (rows_null), not
 * fitted.  NULL, NaN and +-Infinity elements are missing values, imputed
 * with the feature's mean over the rows where it is present.  The first
 * non-NULL array fixes p; a row of another length is an error.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"

#include "core/comoments.h"
#include "core/comoments_missing.h"
#include "core/pca.h"
#include "pca_model.h"

PG_FUNCTION_INFO_V1(mlm_pca_fit_accum);
PG_FUNCTION_INFO_V1(mlm_pca_fit_combine);
PG_FUNCTION_INFO_V1(mlm_pca_fit_final);

#define PCA_STATE_VERSION 1

/* Positions in the state array. */
enum
{
	PS_VERSION,
	PS_P,						/* 0 until the first non-NULL row */
	PS_VARIANCE,
	PS_INCOMPLETE,				/* 1 once the per-pair moments follow */
	PS_ROWS_NULL,				/* NULL arrays */
	PS_ROWS_INCOMPLETE,			/* rows with a missing value */
	PS_VALUES_MISSING,			/* NULL, NaN and +-Infinity elements */
	PS_VALUES_INFINITE,			/* of those, +-Infinity */
	PS_NC,						/* complete rows */
	PS_HDR
};

/* Largest count a float8 holds exactly. */
#define PS_MAX_COUNT 9007199254740992.0

/* The state's parts. */
typedef struct FitState
{
	float8	   *v;				/* the whole array's numbers */
	int			p;
	bool		incomplete;
	double	   *meanc;			/* p */
	double	   *cc;				/* p (p + 1) / 2 */
	mlm_pairmoments pm;			/* when incomplete */
} FitState;

static long
state_len(int p, bool incomplete)
{
	long		s = mlm_packed_size(p);

	return p == 0 ? PS_HDR : PS_HDR + p + s + (incomplete ? 4 * s : 0);
}

static void
invalid_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid PCA fit state"),
			 errdetail("%s", detail)));
}

static bool
is_count(double c)
{
	return c >= 0.0 && c <= PS_MAX_COUNT && c == floor(c);
}

static void
state_parts(FitState *s)
{
	long		size = mlm_packed_size(s->p);

	s->meanc = s->v + PS_HDR;
	s->cc = s->meanc + s->p;
	if (s->incomplete)
	{
		s->pm.cnt = s->cc + size;
		s->pm.ma = s->pm.cnt + size;
		s->pm.mb = s->pm.ma + size;
		s->pm.cc = s->pm.mb + size;
	}
}

/*
 * The state's parts, checked as far as memory safety and the header go
 * (every row), or also its counts (thorough: combine and final, which a
 * user may feed by hand).
 */
static void
state_read(ArrayType *a, FitState *s, bool thorough)
{
	float8	   *v;
	int			n;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID || ARR_DIMS(a)[0] < PS_HDR)
		invalid_state("A PCA fit state is a one-dimensional float8 array without NULLs.");
	v = pca_array_data(a);
	n = ARR_DIMS(a)[0];
	if (v[PS_VERSION] != PCA_STATE_VERSION)
		invalid_state("The state's version is not 1.");
	if (!(v[PS_P] >= 0.0 && v[PS_P] <= PCA_MAX_FEATURES && v[PS_P] == floor(v[PS_P])))
		invalid_state("The state's number of features is not a whole number between 0 and 1000.");
	if (v[PS_INCOMPLETE] != 0.0 && v[PS_INCOMPLETE] != 1.0)
		invalid_state("The state's incomplete flag is not 0 or 1.");
	s->v = v;
	s->p = (int) v[PS_P];
	s->incomplete = v[PS_INCOMPLETE] == 1.0;
	if (n != state_len(s->p, s->incomplete))
		invalid_state("The state's length does not match its number of features.");
	if (thorough)
	{
		for (int i = PS_ROWS_NULL; i <= PS_NC; i++)
			if (!is_count(v[i]))
				invalid_state("A count is not a whole number between 0 and 2^53.");
		if (!(v[PS_VARIANCE] > 0.0 && v[PS_VARIANCE] <= 1.0))
			invalid_state("The state's variance is not in (0, 1].");
	}
	state_parts(s);
}

/* A new state array (in the current memory context: the executor copies it into the aggregate's) of p features. */
static ArrayType *
state_new(int p, bool incomplete)
{
	long		len = state_len(p, incomplete);
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + (Size) len * sizeof(float8);
	ArrayType  *a = (ArrayType *) palloc0(bytes);

	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

/* s's contents in a new state of p features with the per-pair part when incomplete. */
static ArrayType *
state_grown(const FitState *s, int p, bool incomplete, FitState *out)
{
	ArrayType  *a = state_new(p, incomplete);

	out->v = pca_array_data(a);
	memcpy(out->v, s->v, PS_HDR * sizeof(float8));
	out->v[PS_P] = p;
	out->v[PS_INCOMPLETE] = incomplete ? 1.0 : 0.0;
	out->p = p;
	out->incomplete = incomplete;
	state_parts(out);
	if (s->p == p)
		memcpy(out->meanc, s->meanc, (p + mlm_packed_size(p)) * sizeof(float8));
	if (s->incomplete && incomplete && s->p == p)
		memcpy(out->pm.cnt, s->pm.cnt, 4 * mlm_packed_size(p) * sizeof(float8));
	return a;
}

static MemoryContext
aggregate_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition and combine functions of mlmon.pca_fit can only be called by its aggregate")));
	return aggcxt;
}

static double
variance_arg(FunctionCallInfo fcinfo)
{
	double		v;

	if (PG_NARGS() < 3)
		return MLM_PCA_DEFAULT_VARIANCE;
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("variance must not be null")));
	v = PG_GETARG_FLOAT8(2);
	if (!(v > 0.0 && v <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variance must be greater than 0 and at most 1"),
				 errdetail("The variance given is %g.", v),
				 errhint("It is the share of the variance the kept components explain; NannyML's default is 0.65.")));
	return v;
}

/* Scratch space of 3 PCA_MAX_FEATURES numbers (at least 3 p), kept with the call site. */
static double *
scratch(FunctionCallInfo fcinfo, int p)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, 3 * PCA_MAX_FEATURES * sizeof(double));
	return (double *) fcinfo->flinfo->fn_extra;
}

/*
 * mlm_pca_fit_accum(float8[], features float8[] [, variance float8])
 * returns float8[]: the state with the row added.  Changed in place (it
 * lives in the aggregate's context) but when it grows: when p is first
 * known and when the first incomplete row arrives.
 */
Datum
mlm_pca_fit_accum(PG_FUNCTION_ARGS)
{
	double		variance = variance_arg(fcinfo);
	ArrayType  *a,
			   *f;
	FitState	s;
	int			p,
				missing = 0,
				infinite = 0;
	double	   *x,
			   *delta;
	float8	   *data;
	bits8	   *bitmap;

	aggregate_context(fcinfo);
	if (PG_ARGISNULL(0))
	{
		a = state_new(0, false);
		(pca_array_data(a))[PS_VERSION] = PCA_STATE_VERSION;
		(pca_array_data(a))[PS_VARIANCE] = variance;
	}
	else
		a = PG_GETARG_ARRAYTYPE_P(0);
	state_read(a, &s, false);
	if (s.v[PS_VARIANCE] != variance)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variance must be the same for every row"),
				 errhint("Pass a constant for the variance argument.")));
	if (PG_ARGISNULL(1))
	{
		s.v[PS_ROWS_NULL] += 1.0;
		PG_RETURN_ARRAYTYPE_P(a);
	}
	f = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(f) != 1 || ARR_DIMS(f)[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features must be a one-dimensional array of at least one number"),
				 errdetail("The array has %d dimensions.", ARR_NDIM(f))));
	p = ARR_DIMS(f)[0];
	if (p > PCA_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many features for mlmon.pca_fit"),
				 errdetail("The array has %d elements; the limit is %d.", p, PCA_MAX_FEATURES)));
	if (s.p != 0 && p != s.p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features must have the same length in every row"),
				 errdetail("The first row has %d features, this one %d.", s.p, p)));

	x = scratch(fcinfo, p);
	delta = x + PCA_MAX_FEATURES;
	data = pca_array_data(f);
	bitmap = ARR_NULLBITMAP(f);
	for (int j = 0; j < p; j++)
	{
		if (bitmap != NULL && !(bitmap[j / 8] & (1 << (j % 8))))
		{
			x[j] = get_float8_nan();
			missing++;
			continue;
		}
		x[j] = *data++;
		if (!isfinite(x[j]))
		{
			infinite += !isnan(x[j]);
			x[j] = get_float8_nan();
			missing++;
		}
	}

	if (s.p == 0 || (missing > 0 && !s.incomplete))
	{
		FitState	g;

		a = state_grown(&s, p, s.incomplete || missing > 0, &g);
		s = g;
	}
	if (missing > 0)
	{
		mlm_pairmoments_add(p, &s.pm, x);
		s.v[PS_ROWS_INCOMPLETE] += 1.0;
		s.v[PS_VALUES_MISSING] += missing;
		s.v[PS_VALUES_INFINITE] += infinite;
	}
	else
		mlm_comoments_add(p, &s.v[PS_NC], s.meanc, s.cc, x, delta);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* mlm_pca_fit_combine(float8[], float8[]) returns float8[]: the first state merged with the second. */
Datum
mlm_pca_fit_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	FitState	sa,
				sb;

	aggregate_context(fcinfo);
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	state_read(PG_GETARG_ARRAYTYPE_P(1), &sb, true);
	if (PG_ARGISNULL(0))
	{
		/* a copy: a combine function must not return its second argument */
		a = state_grown(&sb, sb.p, sb.incomplete, &sa);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	state_read(a, &sa, true);
	if (sa.v[PS_VARIANCE] != sb.v[PS_VARIANCE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variance must be the same for every row"),
				 errhint("Pass a constant for the variance argument.")));
	if (sa.p != 0 && sb.p != 0 && sa.p != sb.p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features must have the same length in every row"),
				 errdetail("Partial aggregates of the same group saw %d and %d features.", sa.p, sb.p)));
	for (int i = PS_ROWS_NULL; i <= PS_NC; i++)
		if (sa.v[i] + sb.v[i] > PS_MAX_COUNT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for mlmon.pca_fit")));
	if (sb.p != 0 && (sa.p == 0 || (sb.incomplete && !sa.incomplete)))
	{
		FitState	g;

		a = state_grown(&sa, sb.p, sa.incomplete || sb.incomplete, &g);
		sa = g;
	}
	if (sb.p != 0)
	{
		double	   *delta = scratch(fcinfo, sa.p);

		mlm_comoments_merge(sa.p, &sa.v[PS_NC], sa.meanc, sa.cc, sb.v[PS_NC], sb.meanc, sb.cc, delta);
		if (sb.incomplete)
			mlm_pairmoments_merge(sa.p, &sa.pm, &sb.pm);
	}
	else
		sa.v[PS_NC] += sb.v[PS_NC];
	for (int i = PS_ROWS_NULL; i < PS_NC; i++)
		sa.v[i] += sb.v[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* A number in the shortest decimal form that reads back as the same double. */
static void
append_number(StringInfo buf, double x)
{
	char		s[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, s);
	appendStringInfoString(buf, s);
}

static void
append_array(StringInfo buf, const double *x, int n)
{
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		append_number(buf, x[i]);
	}
	appendStringInfoChar(buf, ']');
}

static void
append_numbers(StringInfo buf, const char *key, const double *x, int n)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	append_array(buf, x, n);
}

/*
 * mlm_pca_fit_final(float8[]) returns jsonb: the fitted model, or NULL
 * when fewer than 2 rows had features.
 */
Datum
mlm_pca_fit_final(PG_FUNCTION_ARGS)
{
	FitState	s;
	int			p,
				k;
	long		size;
	double		n_total,
			   *mean,
			   *c,
			   *present,
			   *scale,
			   *ratio,
			   *components,
			   *work;
	StringInfoData buf;
	bool		first;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state_read(PG_GETARG_ARRAYTYPE_P(0), &s, true);
	p = s.p;
	n_total = s.v[PS_NC] + s.v[PS_ROWS_INCOMPLETE];
	if (p == 0 || n_total < 2.0)
		PG_RETURN_NULL();
	size = mlm_packed_size(p);
	mean = palloc(p * sizeof(double));
	c = palloc(size * sizeof(double));
	present = palloc(p * sizeof(double));
	scale = palloc(p * sizeof(double));
	ratio = palloc(p * sizeof(double));
	components = palloc((Size) p * p * sizeof(double));
	work = palloc(((Size) p * p + 2 * p) * sizeof(double));
	mlm_pairmoments_impute(p, s.v[PS_NC], s.meanc, s.cc, s.incomplete ? &s.pm : NULL, mean, c, present);
	CHECK_FOR_INTERRUPTS();
	if (mlm_pca_fit(p, n_total, mean, c, s.v[PS_VARIANCE], scale, ratio, components, &k, work) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("features too large in magnitude for mlmon.pca_fit"),
				 errdetail("Their variances overflow float8.")));

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"n_features\": %d, \"n_rows\": %.0f, \"rows_null\": %.0f, "
					 "\"rows_incomplete\": %.0f, \"values_imputed\": %.0f, \"values_infinite\": %.0f, "
					 "\"variance\": ",
					 PCA_MODEL_VERSION, p, n_total, s.v[PS_ROWS_NULL], s.v[PS_ROWS_INCOMPLETE],
					 s.v[PS_VALUES_MISSING], s.v[PS_VALUES_INFINITE]);
	append_number(&buf, s.v[PS_VARIANCE]);
	appendStringInfo(&buf, ", \"n_components\": %d", k);
	append_numbers(&buf, "mean", mean, p);
	append_numbers(&buf, "scale", scale, p);
	for (int j = 0; j < p; j++)
		work[j] = 0.0;
	append_numbers(&buf, "pca_mean", work, p);
	appendStringInfoString(&buf, ", \"components\": [");
	for (int i = 0; i < k; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		append_array(&buf, components + (long) i * p, p);
	}
	appendStringInfoChar(&buf, ']');
	append_numbers(&buf, "explained_variance_ratio", ratio, k);
	appendStringInfoString(&buf, ", \"empty_features\": [");
	first = true;
	for (int j = 0; j < p; j++)
		if (present[j] == 0.0)
		{
			appendStringInfo(&buf, first ? "%d" : ", %d", j + 1);
			first = false;
		}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
