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

/* mlm_wasserstein_final(internal) returns float8: SciPy's wasserstein_distance. */
Datum
mlm_wasserstein_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	PG_RETURN_FLOAT8(mlm_wasserstein(&a, &b));
}

/* mlm_wasserstein_normed_final(internal) returns float8: W1 / max(std(reference), 0.001). */
Datum
mlm_wasserstein_normed_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo);
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
