/*
 * agg_anderson_darling.c: final function of mlmon.anderson_darling, the
 * two-sample Anderson-Darling test (scipy.stats.anderson_ksamp, midrank),
 * over the numeric two-sample state mlmon.sample_state.
 */
#include "sample_state.h"

#include <math.h>

#include "catalogue_numeric.h"
#include "core/anderson_ksamp.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_anderson_darling_state_final);

Datum
anderson_darling_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b, bool sketch)
{
	mlm_test_outcome r;
	int			rc;

	if (a->n == 0 && b->n == 0)
		PG_RETURN_NULL();
	rc = mlm_anderson_ksamp(a, b, &r);
	if (rc == MLM_AD_OK && sketch)
	{
		r.pvalue = r.log_pvalue = NAN;
		r.method = "sketch";
	}
	return test_result_datum(fcinfo, a->n, b->n, rc == MLM_AD_OK ? &r : NULL);
}

/*
 * mlm_anderson_darling_state_final(mlmon.sample_state) returns
 * mlmon.test_result: NULL without values; NULL statistic, p-value and
 * method when a sample is empty, there are fewer than 4 values or a
 * single distinct value (SciPy raises an error or returns NaN there).
 * The reference is the rows' or a reference profile's (sketched: no
 * p-value).
 */
Datum
mlm_anderson_darling_state_final(PG_FUNCTION_ARGS)
{
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;
	bool		sketch;
	SampleState *st = sample_final_pair(fcinfo, &a, &b, &hdr, &sketch);

	if (st == NULL)
		PG_RETURN_NULL();
	return anderson_darling_datum(fcinfo, &a, &b, sketch);
}
