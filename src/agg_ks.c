/*
 * agg_ks.c: final function of mlmon.ks_2samp on two samples.
 */
#include "sample_state.h"

#include "ks_result.h"
#include "profile.h"

PG_FUNCTION_INFO_V1(mlm_ks_final);

/*
 * mlm_ks_final(internal) returns mlmon.ks_result: NULL without values; NULL
 * statistic, p-value and method when one sample is empty.
 */
Datum
mlm_ks_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_state(fcinfo);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	if (sample_reference_size(st) == 0 && st->cur.n == 0)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	return ks_result_datum(fcinfo, &a, &b, &st->opts, hdr ? profile_ecdf_error(hdr) : 0.0);
}
