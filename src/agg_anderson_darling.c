/*
 * agg_anderson_darling.c: final function of mlmon.anderson_darling, the
 * two-sample Anderson-Darling test (scipy.stats.anderson_ksamp, midrank),
 * over the numeric two-sample state mlmon.sample_state.
 */
#include "sample_state.h"

#include "core/anderson_ksamp.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_anderson_darling_state_final);

/*
 * mlm_anderson_darling_state_final(mlmon.sample_state) returns
 * mlmon.test_result: NULL without values; NULL statistic, p-value and
 * method when a sample is empty, there are fewer than 4 values or a
 * single distinct value (SciPy raises an error or returns NaN there).
 */
Datum
mlm_anderson_darling_state_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_state(fcinfo, true);
	mlm_test_outcome r;
	int			rc;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	if (st->ref.n == 0 && st->cur.n == 0)
		PG_RETURN_NULL();
	rc = mlm_anderson_ksamp(st->ref.values, st->ref.n, st->cur.values, st->cur.n, &r);
	return test_result_datum(fcinfo, st->ref.n, st->cur.n, rc == MLM_AD_OK ? &r : NULL);
}
