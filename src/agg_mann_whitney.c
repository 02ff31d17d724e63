/*
 * agg_mann_whitney.c: the final function of mlmon.mann_whitney, over
 * mlmon.sample_state (the finite values of both samples).  The test itself
 * is src/core/mannwhitney.c.
 */
#include "sample_state.h"

#include "core/mannwhitney.h"
#include "huge_alloc.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_mwu_state_final);

/*
 * Largest min(n1, n2) * T (T: the terms of the null distribution summed) for
 * which an exact Mann-Whitney p-value is computed: 1e9 steps take about
 * 15 seconds (the loop does not check for interrupts).
 */
#define MWU_EXACT_MAX_WORK 1e9
/* Largest T: 2^25 long doubles are 512 MB of scratch space. */
#define MWU_EXACT_MAX_TERMS ((int64) 1 << 25)

/*
 * The state of a final function with both samples sorted; NULL when the
 * aggregate saw no rows.  *n1 and *n2 are the sample sizes.
 */
static SampleState *
location_state(FunctionCallInfo fcinfo, int64 *n1, int64 *n2)
{
	SampleState *st = sample_final_state(fcinfo, true);

	if (st == NULL)
		return NULL;
	*n1 = sample_size(&st->ref);
	*n2 = sample_size(&st->cur);
	if (*n1 > 0 && *n2 > 0)
		sample_sort_all(st);
	return st;
}

/* mlm_mwu_state_final(mlmon.sample_state) returns mlmon.test_result */
Datum
mlm_mwu_state_final(PG_FUNCTION_ARGS)
{
	int64		n1,
				n2;
	SampleState *st = location_state(fcinfo, &n1, &n2);
	mlm_mwu_ranks ranks;
	mlm_test_outcome r;
	bool		exact;
	int64		terms = 0;
	long double *work = NULL;

	if (st == NULL)
		PG_RETURN_NULL();
	if (n1 == 0 || n2 == 0)
		PG_RETURN_DATUM(test_result_datum(fcinfo, n1, n2, NULL));
	mlm_mwu_rank(st->ref.values, n1, st->cur.values, n2, &ranks);
	switch (st->opts.method)
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

		terms = mlm_mwu_exact_terms(&ranks, st->opts.alternative);
		work_steps = (double) Min(n1, n2) * (double) terms;
		if (terms > MWU_EXACT_MAX_TERMS || work_steps > MWU_EXACT_MAX_WORK)
		{
			/* 'auto' falls back to the normal approximation; 'exact' was asked for */
			if (st->opts.method != MLM_KS_EXACT)
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
	mlm_mwu_test(&ranks, st->opts.alternative, exact, work, &r);
	if (work != NULL)
		pfree(work);
	PG_RETURN_DATUM(test_result_datum(fcinfo, n1, n2, &r));
}
