/*
 * agg_ks.c: final function of mlmon.ks_2samp on two samples (the forms
 * against a reference profile count on its grid: profile_window.c).
 */
#include "sample_state.h"

#include "ks_result.h"

PG_FUNCTION_INFO_V1(mlm_ks_final);
PG_FUNCTION_INFO_V1(mlm_ks_state_final);

/*
 * The test of the state: NULL without values; NULL statistic, p-value and
 * method when one sample is empty.
 */
static Datum
ks_final(FunctionCallInfo fcinfo, bool real_state)
{
	SampleState *st = sample_final_state(fcinfo, real_state);
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	if (st->ref.n == 0 && st->cur.n == 0)
		PG_RETURN_NULL();
	a = SAMPLE_WS(&st->ref);
	b = SAMPLE_WS(&st->cur);
	return ks_result_datum(fcinfo, &a, &b, &st->opts, 0.0);
}

/* mlm_ks_state_final(mlmon.sample_state) returns mlmon.ks_result */
Datum
mlm_ks_state_final(PG_FUNCTION_ARGS)
{
	return ks_final(fcinfo, true);
}

/* mlm_ks_final(internal) returns mlmon.ks_result (0.2.0's) */
Datum
mlm_ks_final(PG_FUNCTION_ARGS)
{
	return ks_final(fcinfo, false);
}
