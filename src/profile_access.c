/*
 * profile_access.c: reading a profile: counts, exactness, error bound,
 * quantiles, the CDF, a histogram, the most frequent values and the
 * summary moments.
 */
#include "profile.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "catcount.h"
#include "result_desc.h"
#include "core/binning.h"

PG_FUNCTION_INFO_V1(mlm_profile_count);
PG_FUNCTION_INFO_V1(mlm_profile_is_exact);
PG_FUNCTION_INFO_V1(mlm_profile_error_bound);
PG_FUNCTION_INFO_V1(mlm_profile_quantile);
PG_FUNCTION_INFO_V1(mlm_profile_cdf);
PG_FUNCTION_INFO_V1(mlm_profile_histogram);
PG_FUNCTION_INFO_V1(mlm_profile_top_values);
PG_FUNCTION_INFO_V1(mlm_profile_summary);

/* mlm_profile_count(mlmon.profile) returns bigint: values summarised (finite numbers or non-NULL categories). */
Datum
mlm_profile_count(PG_FUNCTION_ARGS)
{
	ProfileArg	p;

	profile_arg(fcinfo, 0, &p);
	PG_RETURN_INT64(p.view.h->count);
}

/* mlm_profile_is_exact(mlmon.profile) returns boolean. */
Datum
mlm_profile_is_exact(PG_FUNCTION_ARGS)
{
	ProfileArg	p;

	profile_arg(fcinfo, 0, &p);
	PG_RETURN_BOOL(p.view.h->mode == MLM_PROFILE_EXACT);
}

/*
 * mlm_profile_error_bound(mlmon.profile) returns float8: the largest
 * possible error of the profile's CDF (numeric) or of any category's
 * frequency (categorical), as a fraction of the count; 0 when exact.
 */
Datum
mlm_profile_error_bound(PG_FUNCTION_ARGS)
{
	ProfileArg	p;

	profile_arg(fcinfo, 0, &p);
	PG_RETURN_FLOAT8(profile_ecdf_error(p.view.h));
}

/* A numeric profile's distribution, or NULL when it has no values. */
static bool
numeric_sample(FunctionCallInfo fcinfo, ProfileArg *p, mlm_wsample *ws)
{
	profile_arg(fcinfo, 0, p);
	profile_require_kind(p, MLM_PROFILE_NUMERIC, "profile");
	if (p->view.h->count == 0)
		return false;
	*ws = profile_view_sample(&p->view);
	return true;
}

/* mlm_profile_quantile(mlmon.profile, q float8) returns float8: numpy.quantile's linear method. */
Datum
mlm_profile_quantile(PG_FUNCTION_ARGS)
{
	ProfileArg	p;
	mlm_wsample ws;
	double		q = PG_GETARG_FLOAT8(1);

	if (!(q >= 0.0 && q <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantile must be between 0 and 1"),
				 errdetail("The quantile given was %g.", q)));
	if (!numeric_sample(fcinfo, &p, &ws))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mlm_quantile_linear(&ws, q));
}

/* mlm_profile_cdf(mlmon.profile, x float8) returns float8: the fraction of values <= x. */
Datum
mlm_profile_cdf(PG_FUNCTION_ARGS)
{
	ProfileArg	p;
	mlm_wsample ws;
	double		x = PG_GETARG_FLOAT8(1);

	if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot evaluate a CDF at NaN")));
	if (!numeric_sample(fcinfo, &p, &ws))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) mlm_ws_count_upto(&ws, x) / (double) ws.n);
}

/* The materialized rows of a set-returning function, from a tuplestore. */
static void
srf_begin(FunctionCallInfo fcinfo)
{
	InitMaterializedSRF(fcinfo, 0);
}

/*
 * mlm_profile_histogram(mlmon.profile, bins int) returns setof
 * (bin_start float8, bin_end float8, count bigint, frequency float8): equal-width
 * bins between min and max (numpy.histogram: the last bin closed).
 */
Datum
mlm_profile_histogram(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ProfileArg	p;
	mlm_wsample ws;
	int32		bins = PG_GETARG_INT32(1);
	double		lo,
				hi,
				step;
	int32		k;

	if (bins < 1 || bins > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of bins must be between 1 and 10000"),
				 errdetail("The number of bins given was %d.", bins)));
	srf_begin(fcinfo);
	if (!numeric_sample(fcinfo, &p, &ws))
		return (Datum) 0;
	lo = p.view.h->min;
	hi = p.view.h->max;
	if (lo == hi)
	{
		lo -= 0.5;
		hi += 0.5;
	}
	if (!isfinite(hi - lo))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("values too far apart for equal-width bins")));
	step = (hi - lo) / bins;
	for (k = 0; k < bins; k++)
	{
		double		start = lo + k * step;
		double		end = (k == bins - 1) ? hi : lo + (k + 1) * step;
		int64		below = mlm_ws_count_below(&ws, start);
		int64		upto = (k == bins - 1) ? mlm_ws_count_upto(&ws, end) : mlm_ws_count_below(&ws, end);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Float8GetDatum(start);
		values[1] = Float8GetDatum(end);
		values[2] = Int64GetDatum(upto - below);
		values[3] = Float8GetDatum((double) (upto - below) / (double) ws.n);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Descending count, then ascending position: for the most frequent values. */
typedef struct TopItem
{
	int64		count;
	int64		pos;
} TopItem;

static int
top_cmp(const void *a, const void *b)
{
	const TopItem *x = a;
	const TopItem *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * mlm_profile_top_values(mlmon.profile, n int) returns setof
 * (value text, count bigint, frequency float8): the n most frequent
 * categories (or numbers, as text), ties in ascending order.  For sketched
 * profiles the counts are lower bounds (error_bound says by how much).
 */
Datum
mlm_profile_top_values(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ProfileArg	p;
	int32		n = PG_GETARG_INT32(1);
	const mlm_profile_view *v;
	int64		m,
				i;
	TopItem    *items;
	const char **key = NULL;
	mlm_wsample ws = {0};

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of values must not be negative")));
	srf_begin(fcinfo);
	profile_arg(fcinfo, 0, &p);
	v = &p.view;
	if (v->h->count == 0)
		return (Datum) 0;
	if (v->h->kind == MLM_PROFILE_CATEGORICAL)
	{
		const char *b = v->bytes;

		m = v->h->nentries;
		key = palloc(sizeof(char *) * Max(m, 1));
		for (i = 0; i < m; i++)
		{
			key[i] = b;
			b += v->lens[i];
		}
	}
	else
	{
		ws = profile_view_sample(v);
		m = ws.m;
	}
	items = palloc(sizeof(TopItem) * Max(m, 1));
	for (i = 0; i < m; i++)
	{
		items[i].count = key ? v->counts[i] : ws.w[i];
		items[i].pos = i;
	}
	qsort(items, m, sizeof(TopItem), top_cmp);
	for (i = 0; i < m && i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int64		pos = items[i].pos;

		if (key)
			values[0] = PointerGetDatum(cstring_to_text_with_len(key[pos], v->lens[pos]));
		else
			values[0] = CStringGetTextDatum(float8out_internal(ws.v[pos]));
		values[1] = Int64GetDatum(items[i].count);
		values[2] = Float8GetDatum((double) items[i].count / (double) v->h->count);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Columns of mlmon.profile_summary. */
enum
{
	S_KIND, S_MODE, S_COUNT, S_NULLS, S_NAN, S_POSINF, S_NEGINF, S_MIN, S_MAX, S_MEAN,
	S_VARIANCE, S_STDDEV, S_ENTRIES, S_ERROR_BOUND, S_CAP, S_SIZE, S_NATTS
};

/* mlm_profile_summary(mlmon.profile) returns mlmon.profile_summary */
Datum
mlm_profile_summary(PG_FUNCTION_ARGS)
{
	ProfileArg	p;
	const mlm_profile_hdr *h;
	TupleDesc	tupdesc;
	Datum		values[S_NATTS];
	bool		nulls[S_NATTS];
	bool		numeric;

	profile_arg(fcinfo, 0, &p);
	h = p.view.h;
	numeric = h->kind == MLM_PROFILE_NUMERIC;
	tupdesc = result_desc(fcinfo, S_NATTS);
	memset(nulls, 0, sizeof(nulls));
	values[S_KIND] = CStringGetTextDatum(numeric ? "numeric" : "categorical");
	values[S_MODE] = CStringGetTextDatum(h->mode == MLM_PROFILE_EXACT ? "exact" : "sketch");
	values[S_COUNT] = Int64GetDatum(h->count);
	values[S_NULLS] = Int64GetDatum(h->nulls);
	values[S_NAN] = Int64GetDatum(h->nan);
	values[S_POSINF] = Int64GetDatum(h->posinf);
	values[S_NEGINF] = Int64GetDatum(h->neginf);
	if (numeric && h->count > 0)
	{
		values[S_MIN] = Float8GetDatum(h->min);
		values[S_MAX] = Float8GetDatum(h->max);
		values[S_MEAN] = Float8GetDatum(h->mean);
		values[S_VARIANCE] = Float8GetDatum(h->m2 / (double) h->count);
		values[S_STDDEV] = Float8GetDatum(sqrt(h->m2 / (double) h->count));
	}
	else
		nulls[S_MIN] = nulls[S_MAX] = nulls[S_MEAN] = nulls[S_VARIANCE] = nulls[S_STDDEV] = true;
	values[S_ENTRIES] = Int64GetDatum(h->nentries);
	values[S_ERROR_BOUND] = Float8GetDatum(profile_ecdf_error(h));
	values[S_CAP] = Int32GetDatum(h->cap);
	values[S_SIZE] = Int64GetDatum((int64) VARSIZE(p.vl));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
