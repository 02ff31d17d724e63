/*
 * ks_result.c: the KS test as a mlmon.ks_result row.
 */
#include "ks_result.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "core/ks.h"
#include "result_desc.h"

/*
 * Largest n1 * n2 for which an explicitly requested exact two-sided p-value
 * with unequal sample sizes is computed (the lattice recursion is O(n1 n2);
 * 1e10 steps take about half a minute).
 */
#define KS_EXACT_MAX_WORK 1e10

/* Columns of mlmon.ks_result. */
enum
{
	KS_STATISTIC,
	KS_PVALUE,
	KS_N_REFERENCE,
	KS_N_CURRENT,
	KS_METHOD,
	KS_LOCATION,
	KS_SIGN,
	KS_ERROR,
	KS_LOG_PVALUE,
	KS_NATTS
};

/*
 * Would an explicitly requested exact p-value run the O(n1 n2) recursion
 * past KS_EXACT_MAX_WORK?  (Sizes whose lcm reaches 2^31 go to the
 * asymptotic method anyway, as in SciPy.)
 */
static bool
exact_too_expensive(const StatOptions *opts, int64 n1, int64 n2)
{
	int64		g;

	if (opts->method != MLM_KS_EXACT || opts->alternative != MLM_TWO_SIDED || n1 == n2)
		return false;
	g = mlm_gcd(n1, n2);
	if ((double) (n1 / g) >= 2147483647.0 / (double) (n2 / g))
		return false;
	return (double) n1 * (double) n2 > KS_EXACT_MAX_WORK;
}

/*
 * The row for a test of n1 reference against n2 current values, computed by
 * `compute` (which fills r; called only when both samples are non-empty).
 */
static Datum
ks_row(FunctionCallInfo fcinfo, int64 n1, int64 n2, const StatOptions *opts, double error_bound,
	   void (*compute) (void *arg, mlm_ks_method method, mlm_ks_result *r), void *arg)
{
	TupleDesc	tupdesc;
	Datum		values[KS_NATTS];
	bool		nulls[KS_NATTS];
	mlm_ks_result r;

	/* before ALTER EXTENSION UPDATE to 0.3.0 the type has no log_pvalue */
	tupdesc = result_desc_grown(fcinfo, KS_LOG_PVALUE, KS_NATTS);

	memset(nulls, 0, sizeof(nulls));
	values[KS_N_REFERENCE] = Int64GetDatum(n1);
	values[KS_N_CURRENT] = Int64GetDatum(n2);
	if (n1 == 0 || n2 == 0)
	{
		nulls[KS_STATISTIC] = nulls[KS_PVALUE] = nulls[KS_METHOD] = true;
		nulls[KS_LOCATION] = nulls[KS_SIGN] = nulls[KS_ERROR] = nulls[KS_LOG_PVALUE] = true;
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
	}
	if (error_bound == 0.0 && exact_too_expensive(opts, n1, n2))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("exact Kolmogorov-Smirnov p-value too expensive for samples of sizes " INT64_FORMAT " and " INT64_FORMAT,
						n1, n2),
				 errdetail("The exact method needs work proportional to the product of the sample sizes, limited to %.0e.",
						   KS_EXACT_MAX_WORK),
				 errhint("Use method \"auto\" or \"asymp\".")));

	/* A sketched sample gives the statistic within its bound, and no p-value. */
	compute(arg, error_bound > 0.0 ? MLM_KS_NONE : opts->method, &r);
	values[KS_STATISTIC] = Float8GetDatum(r.statistic);
	if (isnan(r.location))
		nulls[KS_LOCATION] = true;
	else
		values[KS_LOCATION] = Float8GetDatum(r.location);
	values[KS_SIGN] = Int32GetDatum(r.sign);
	values[KS_ERROR] = Float8GetDatum(error_bound);
	if (error_bound > 0.0)
	{
		nulls[KS_PVALUE] = nulls[KS_LOG_PVALUE] = true;
		values[KS_METHOD] = CStringGetTextDatum("sketch");
	}
	else if (r.method_used == MLM_KS_NONE)
	{
		nulls[KS_PVALUE] = nulls[KS_LOG_PVALUE] = true;
		values[KS_METHOD] = CStringGetTextDatum("none");
	}
	else
	{
		values[KS_PVALUE] = Float8GetDatum(r.pvalue);
		values[KS_LOG_PVALUE] = Float8GetDatum(r.log_pvalue);
		values[KS_METHOD] = CStringGetTextDatum(ks_method_name(r.method_used));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* What ks_row needs to test two samples. */
typedef struct SamplePair
{
	const mlm_wsample *a;
	const mlm_wsample *b;
	mlm_alternative alt;
} SamplePair;

static void
compute_pair(void *arg, mlm_ks_method method, mlm_ks_result *r)
{
	SamplePair *p = arg;

	mlm_ks_2samp(p->a, p->b, p->alt, method, r);
}

Datum
ks_result_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
				const StatOptions *opts, double error_bound)
{
	SamplePair	pair = {a, b, opts->alternative};

	return ks_row(fcinfo, a->n, b->n, opts, error_bound, compute_pair, &pair);
}

/* What ks_row needs to finish a walk. */
typedef struct WalkArg
{
	const mlm_ks_walk *w;
	mlm_alternative alt;
} WalkArg;

static void
compute_walk(void *arg, mlm_ks_method method, mlm_ks_result *r)
{
	WalkArg    *p = arg;

	mlm_ks_walk_finish(p->w, p->alt, method, r);
}

Datum
ks_result_walk_datum(FunctionCallInfo fcinfo, const mlm_ks_walk *w, int64 n1, int64 n2,
					 const StatOptions *opts, double error_bound)
{
	WalkArg		arg = {w, opts->alternative};

	return ks_row(fcinfo, n1, n2, opts, error_bound, compute_walk, &arg);
}
