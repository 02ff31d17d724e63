/*
 * agg_mann_whitney.c: the final function of mlmon.mann_whitney, over
 * mlmon.sample_state (the finite values of both samples).  The test itself
 * is src/core/mannwhitney.c; mwu_result_datum serves the profile forms too
 * (src/profile_drift.c).
 */
#include "sample_state.h"

#include <math.h>

#include "catalogue_numeric.h"
#include "core/mannwhitney.h"
#include "huge_alloc.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_mwu_state_final);

/*
 * Largest min(n1, n2) * T (T: the terms of the null distribution summed) for
 * which an exact Mann-Whitney p-value is computed: 1e9 steps take about
 * 15 seconds (a cancel stops them).
 */
#define MWU_EXACT_MAX_WORK 1e9
/*
 * Largest min(n1, n2) of an exact p-value.  The recursion's long double
 * terms lose precision as the smaller sample grows: against exact integer
 * counts (test/core/test_mwu_exact.py) the relative error is at most 5e-13
 * up to 300 values, 5e-9 at (400, 1000) and 30% at (800, 800).
 */
#define MWU_EXACT_MAX_SMALLER 300
/* Largest T: 2^25 long doubles are 512 MB of scratch space. */
#define MWU_EXACT_MAX_TERMS ((int64) 1 << 25)

Datum
mwu_result_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
				 const StatOptions *opts, bool sketch)
{
	int64		n1 = a->n,
				n2 = b->n;
	mlm_mwu_ranks ranks;
	mlm_test_outcome r;
	bool		exact;
	int64		terms = 0;
	long double *work = NULL;

	if (n1 == 0 || n2 == 0)
		return test_result_datum(fcinfo, n1, n2, NULL);
	if ((double) n1 * (double) n2 >= 4611686018427387904.0)	/* 2^62 */
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("samples too large for the Mann-Whitney U statistic"),
				 errdetail("The samples have " INT64_FORMAT " and " INT64_FORMAT " values; the product of the sizes must be below 2^62.",
						   n1, n2)));
	mlm_mwu_rank(a, b, &ranks);
	if (sketch)
	{
		r.statistic = (double) ranks.u1x2 / 2.0;
		r.pvalue = r.log_pvalue = NAN;
		r.method = "sketch";
		return test_result_datum(fcinfo, n1, n2, &r);
	}
	switch (opts->method)
	{
		case MLM_KS_EXACT:
			exact = true;
			break;
		case MLM_KS_ASYMP:
			exact = false;
			break;
		default:
			exact = mlm_mwu_auto_exact(&ranks);
			break;
	}
	if (exact)
	{
		double		work_steps;

		terms = mlm_mwu_exact_terms(&ranks, opts->alternative);
		work_steps = (double) Min(n1, n2) * (double) terms;
		if (Min(n1, n2) > MWU_EXACT_MAX_SMALLER)
		{
			/* 'auto' is exact only up to 8 values: only 'exact' gets here */
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("exact Mann-Whitney p-value not available for samples of sizes " INT64_FORMAT " and " INT64_FORMAT,
							n1, n2),
					 errdetail("The exact method is accurate while the smaller sample has at most %d values.",
							   MWU_EXACT_MAX_SMALLER),
					 errhint("Use method \"auto\" or \"asymptotic\".")));
		}
		if (terms > MWU_EXACT_MAX_TERMS || work_steps > MWU_EXACT_MAX_WORK)
		{
			/* 'auto' falls back to the normal approximation; 'exact' was asked for */
			if (opts->method != MLM_KS_EXACT)
				exact = false;
			else
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("exact Mann-Whitney p-value too expensive for samples of sizes " INT64_FORMAT " and " INT64_FORMAT,
								n1, n2),
						 errdetail("The exact method needs %.3g steps and " INT64_FORMAT " terms, limited to %.0e steps and " INT64_FORMAT " terms.",
								   work_steps, terms, MWU_EXACT_MAX_WORK, MWU_EXACT_MAX_TERMS),
						 errhint("Use method \"auto\" or \"asymptotic\".")));
		}
	}
	if (exact)
		work = huge_alloc(CurrentMemoryContext, (Size) terms * sizeof(long double));
	mlm_mwu_test(&ranks, opts->alternative, exact, work, &r);
	if (work != NULL)
		pfree(work);
	return test_result_datum(fcinfo, n1, n2, &r);
}

/*
 * mlm_mwu_state_final(mlmon.sample_state) returns mlmon.test_result: the
 * reference is the rows' or a reference profile's (sketched: no p-value).
 */
Datum
mlm_mwu_state_final(PG_FUNCTION_ARGS)
{
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;
	bool		sketch;
	SampleState *st = sample_final_pair(fcinfo, &a, &b, &hdr, &sketch);

	if (st == NULL)
		PG_RETURN_NULL();
	return mwu_result_datum(fcinfo, &a, &b, &st->opts, sketch);
}
