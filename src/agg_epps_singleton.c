/*
 * agg_epps_singleton.c: mlmon.epps_singleton, the Epps-Singleton
 * two-sample test (scipy.stats.epps_singleton_2samp), as an aggregate over
 * the numeric two-sample state mlmon.sample_state (rows, or values against
 * a reference profile) and as a function of two profiles.  The numerics
 * are in core/epps_singleton.c.
 */
#include "sample_state.h"

#include <math.h>

#include "core/epps_singleton.h"
#include "profile.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_epps_singleton_state_final);
PG_FUNCTION_INFO_V1(mlm_epps_singleton_profiles);

/*
 * The result row for samples a and b.  sketched: a comes from a sketched
 * profile, so the statistic is the sketch's and there is no p-value
 * (method "sketch").  Fewer than 5 values in a sample, a zero pooled IQR or
 * an overflowing t / sigma give NULL statistic, p-value and method (SciPy
 * raises an error there).
 */
static Datum
epps_singleton_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b, bool sketched)
{
	mlm_test_outcome r;

	if (mlm_epps_singleton(a, b, &r) != MLM_ES_OK)
		return test_result_datum(fcinfo, a->n, b->n, NULL);
	if (sketched)
	{
		r.pvalue = r.log_pvalue = NAN;
		r.method = "sketch";
	}
	return test_result_datum(fcinfo, a->n, b->n, &r);
}

/*
 * mlm_epps_singleton_state_final(mlmon.sample_state) returns
 * mlmon.test_result: NULL without values; the reference is the rows'
 * (is_current false) or the reference profile's.
 */
Datum
mlm_epps_singleton_state_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_state(fcinfo, true);
	const mlm_profile_hdr *hdr = NULL;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	if (sample_reference_size(st) == 0 && st->cur.n == 0)
		PG_RETURN_NULL();
	a = sample_reference_size(st) == 0 ? mlm_ws_array(NULL, 0) : sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	return epps_singleton_datum(fcinfo, &a, &b, hdr != NULL && hdr->mode == MLM_PROFILE_SKETCH);
}

/*
 * mlm_epps_singleton_profiles(reference profile, current profile) returns
 * mlmon.test_result: NULL when both are empty; exact profiles give the
 * result of the aggregate on their rows.
 */
Datum
mlm_epps_singleton_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;

	profile_arg(fcinfo, 0, &ref);
	profile_arg(fcinfo, 1, &cur);
	profile_require_kind(&ref, MLM_PROFILE_NUMERIC, "reference");
	profile_require_kind(&cur, MLM_PROFILE_NUMERIC, "current");
	if (ref.view.h->count == 0 && cur.view.h->count == 0)
		PG_RETURN_NULL();
	a = ref.view.h->count == 0 ? mlm_ws_array(NULL, 0) : profile_view_sample(&ref.view);
	b = cur.view.h->count == 0 ? mlm_ws_array(NULL, 0) : profile_view_sample(&cur.view);
	return epps_singleton_datum(fcinfo, &a, &b,
								ref.view.h->mode == MLM_PROFILE_SKETCH || cur.view.h->mode == MLM_PROFILE_SKETCH);
}
