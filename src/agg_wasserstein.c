/*
 * agg_wasserstein.c: final functions of mlmon.wasserstein and
 * mlmon.wasserstein_normed (two samples, or values against a profile).
 */
#include "sample_state.h"

#include "core/wasserstein.h"
#include "drift_numeric.h"
#include "profile.h"

PG_FUNCTION_INFO_V1(mlm_wasserstein_final);
PG_FUNCTION_INFO_V1(mlm_wasserstein_normed_final);
PG_FUNCTION_INFO_V1(mlm_wasserstein_state_final);
PG_FUNCTION_INFO_V1(mlm_wasserstein_normed_state_final);

/* SciPy's wasserstein_distance of the state's samples. */
static Datum
wasserstein_final(FunctionCallInfo fcinfo, bool real_state)
{
	SampleState *st = sample_final_sorted(fcinfo, real_state);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	PG_RETURN_FLOAT8(mlm_wasserstein(&a, &b));
}

/* W1 / max(std(reference), 0.001) of the state's samples. */
static Datum
wasserstein_normed_final(FunctionCallInfo fcinfo, bool real_state)
{
	SampleState *st = sample_final_sorted(fcinfo, real_state);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;
	double		w;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	w = mlm_wasserstein(&a, &b);
	PG_RETURN_FLOAT8(w / Max(reference_std(&a, hdr), NORM_MIN_STD));
}

/* mlm_wasserstein_state_final(mlmon.sample_state) returns float8 */
Datum
mlm_wasserstein_state_final(PG_FUNCTION_ARGS)
{
	return wasserstein_final(fcinfo, true);
}

/* mlm_wasserstein_normed_state_final(mlmon.sample_state) returns float8 */
Datum
mlm_wasserstein_normed_state_final(PG_FUNCTION_ARGS)
{
	return wasserstein_normed_final(fcinfo, true);
}

/* mlm_wasserstein_final(internal) returns float8 (0.2.0's) */
Datum
mlm_wasserstein_final(PG_FUNCTION_ARGS)
{
	return wasserstein_final(fcinfo, false);
}

/* mlm_wasserstein_normed_final(internal) returns float8 (0.2.0's) */
Datum
mlm_wasserstein_normed_final(PG_FUNCTION_ARGS)
{
	return wasserstein_normed_final(fcinfo, false);
}
