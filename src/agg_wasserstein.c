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

	if (st == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mlm_wasserstein_sorted(st->ref.values, st->ref.n,
											st->cur.values, st->cur.n));
}

/* mlm_wasserstein_normed_final(internal) returns float8: W1 / max(std(reference), 0.001). */
Datum
mlm_wasserstein_normed_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo);
	double		w,
				sd;

	if (st == NULL)
		PG_RETURN_NULL();
	w = mlm_wasserstein_sorted(st->ref.values, st->ref.n, st->cur.values, st->cur.n);
	sd = mlm_std_population(st->ref.values, st->ref.n);
	PG_RETURN_FLOAT8(w / Max(sd, NORM_MIN_STD));
}
