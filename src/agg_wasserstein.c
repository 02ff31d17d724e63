/*
 * agg_wasserstein.c: final functions of mlmon.wasserstein and
 * mlmon.wasserstein_normed.
 */
#include "sample_state.h"

#include "core/wasserstein.h"

PG_FUNCTION_INFO_V1(mlm_wasserstein_final);
PG_FUNCTION_INFO_V1(mlm_wasserstein_normed_final);

/* Evidently's floor on the reference standard deviation. */
#define NORM_MIN_STD 0.001

/* mlm_wasserstein_final(internal) returns float8: SciPy's wasserstein_distance. */
Datum
mlm_wasserstein_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo);
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = SAMPLE_WS(&st->ref);
	b = SAMPLE_WS(&st->cur);
	PG_RETURN_FLOAT8(mlm_wasserstein(&a, &b));
}

/* mlm_wasserstein_normed_final(internal) returns float8: W1 / max(std(reference), 0.001). */
Datum
mlm_wasserstein_normed_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo);
	mlm_wsample a,
				b;
	double		w,
				sd;

	if (st == NULL)
		PG_RETURN_NULL();
	a = SAMPLE_WS(&st->ref);
	b = SAMPLE_WS(&st->cur);
	w = mlm_wasserstein(&a, &b);
	sd = mlm_std_population(&a);
	PG_RETURN_FLOAT8(w / Max(sd, NORM_MIN_STD));
}
