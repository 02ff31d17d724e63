/*
 * agg_distance.c: final functions of Evidently's distance drift tests on
 * two samples: mlmon.energy_distance, mlmon.hellinger and mlmon.kl_div, on
 * numbers (mlmon.sample_state) and on categories (mlmon.category_state).
 * The numerics are in core/energy.c, core/hellinger.c and
 * core/divergence.c; KL's bins are PSI's Evidently binning (bin_samples).
 * Every one returns NULL when either sample is empty, as psi does.  The
 * reference may be a profile's distribution (sample_reference; a sketch's
 * weighted sample gives an approximate distance); hellinger_numeric and
 * kl_numeric serve the (profile, profile) forms too.
 */
#include "sample_state.h"

#include <math.h>

#include "catalogue_numeric.h"
#include "category_state.h"
#include "core/binning.h"
#include "core/divergence.h"
#include "core/energy.h"
#include "core/hellinger.h"
#include "drift_categorical.h"
#include "drift_numeric.h"

PG_FUNCTION_INFO_V1(mlm_energy_distance_state_final);
PG_FUNCTION_INFO_V1(mlm_hellinger_numeric_state_final);
PG_FUNCTION_INFO_V1(mlm_kl_numeric_state_final);
PG_FUNCTION_INFO_V1(mlm_hellinger_categorical_state_final);
PG_FUNCTION_INFO_V1(mlm_kl_categorical_state_final);

/* Equal-width bins need the values to span at most the largest float8. */
static inline void
CheckEqualWidthRange(const mlm_wsample *a, const mlm_wsample *b)
{
	double		lo = Min(a->v[0], b->v[0]);
	double		hi = Max(a->v[a->m - 1], b->v[b->m - 1]);

	if (!isfinite(hi - lo))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("values too far apart for equal-width bins"),
				 errdetail("The samples span more than the largest float8.")));
}

/* A divergence of the bin counts, with its scratch space. */
static double
divergence_of(const int64 *ref, const int64 *cur, int64 k, int64 n_ref, int64 n_cur,
			  mlm_divergence_fn divergence)
{
	double	   *scratch = MemoryContextAllocHuge(CurrentMemoryContext,
												 sizeof(double) * MLM_DIVERGENCE_SCRATCH(k));

	return divergence(ref, cur, k, n_ref, n_cur, scratch);
}

/* mlm_energy_distance_state_final(mlmon.sample_state) returns float8 */
Datum
mlm_energy_distance_state_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo, true);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	PG_RETURN_FLOAT8(mlm_energy_distance(&a, &b));
}

double
hellinger_numeric(const mlm_wsample *a, const mlm_wsample *b)
{
	double		edges[MLM_STURGES_MAX_BINS + 1];
	int64		ref[MLM_STURGES_MAX_BINS];
	int64		cur[MLM_STURGES_MAX_BINS];
	int			nb;

	CheckEqualWidthRange(a, b);
	nb = mlm_hellinger_edges(a, b, edges);
	if (nb < 0)
		elog(ERROR, "equal-width bins over an out-of-range span");
	mlm_count_histogram(a, edges, nb, ref);
	mlm_count_histogram(b, edges, nb, cur);
	return divergence_of(ref, cur, nb, a->n, b->n, mlm_hellinger_counts);
}

double
kl_numeric(const mlm_wsample *a, const mlm_wsample *b, const StatOptions *opts)
{
	StatOptions o = *opts;
	BinCounts	bc;

	if (mlm_count_distinct(a) > MLM_EVIDENTLY_MAX_DISTINCT)
		CheckEqualWidthRange(a, b);
	o.binning = BINNING_EVIDENTLY;
	bin_samples(a, b, &o, &bc);
	return divergence_of(bc.ref, bc.cur, bc.k, a->n, b->n, mlm_kl_counts);
}

/*
 * mlm_hellinger_numeric_state_final(mlmon.sample_state) returns float8:
 * Sturges bins over the distinct values of both samples.
 */
Datum
mlm_hellinger_numeric_state_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo, true);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	PG_RETURN_FLOAT8(hellinger_numeric(&a, &b));
}

/*
 * mlm_kl_numeric_state_final(mlmon.sample_state) returns float8:
 * Evidently's get_binned_data (PSI's 'evidently' binning), then KL.
 */
Datum
mlm_kl_numeric_state_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_sorted(fcinfo, true);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	PG_RETURN_FLOAT8(kl_numeric(&a, &b, &st->opts));
}

/* mlm_hellinger_categorical_state_final(mlmon.category_state) returns float8 */
Datum
mlm_hellinger_categorical_state_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, true, &cc))
		PG_RETURN_NULL();
	return categorical_divergence_datum(fcinfo, &cc, mlm_hellinger_counts);
}

/* mlm_kl_categorical_state_final(mlmon.category_state) returns float8 */
Datum
mlm_kl_categorical_state_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, true, &cc))
		PG_RETURN_NULL();
	return categorical_divergence_datum(fcinfo, &cc, mlm_kl_counts);
}
