/*
 * agg_binned.c: final functions of the binned numeric statistics,
 * mlmon.psi(float8, ...) and mlmon.jensen_shannon(float8, ...).
 */
#include "sample_state.h"

#include "core/binning.h"
#include "core/divergence.h"
#include "drift_numeric.h"
#include "profile.h"

PG_FUNCTION_INFO_V1(mlm_psi_numeric_final);
PG_FUNCTION_INFO_V1(mlm_js_numeric_final);

/* Bin the sorted samples a (reference) and b (current) as opts say. */
void
bin_samples(const mlm_wsample *a, const mlm_wsample *b, const StatOptions *opts, BinCounts *bc)
{
	if (opts->binning == BINNING_QUANTILE)
	{
		double	   *edges = palloc(sizeof(double) * opts->bins);
		int			m = mlm_quantile_edges(a, opts->bins, edges);

		bc->k = m + 1;
		bc->ref = palloc(sizeof(int64) * bc->k);
		bc->cur = palloc(sizeof(int64) * bc->k);
		mlm_count_open_bins(a, edges, m, bc->ref);
		mlm_count_open_bins(b, edges, m, bc->cur);
		pfree(edges);
	}
	else if (mlm_count_distinct(a) > MLM_EVIDENTLY_MAX_DISTINCT)
	{
		double		edges[MLM_STURGES_MAX_BINS + 1];
		int			nb = mlm_sturges_edges(a, b, edges);

		if (nb < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("values too far apart for equal-width bins"),
					 errdetail("The samples span more than the largest float8."),
					 errhint("Use the \"quantile\" binning.")));

		bc->k = nb;
		bc->ref = palloc(sizeof(int64) * nb);
		bc->cur = palloc(sizeof(int64) * nb);
		mlm_count_histogram(a, edges, nb, bc->ref);
		mlm_count_histogram(b, edges, nb, bc->cur);
	}
	else
	{
		Size		room = (Size) mlm_count_distinct(a) + (Size) mlm_count_distinct(b);

		bc->ref = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * room);
		bc->cur = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * room);
		bc->k = mlm_value_counts(a, b, bc->ref, bc->cur);
	}
}

/* A divergence of the binned samples; NULL when either sample is empty. */
static Datum
binned_divergence(FunctionCallInfo fcinfo, mlm_divergence_fn divergence)
{
	SampleState *st = sample_final_sorted(fcinfo);
	BinCounts	bc;
	double	   *scratch;
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	bin_samples(&a, &b, &st->opts, &bc);
	scratch = MemoryContextAllocHuge(CurrentMemoryContext,
									 sizeof(double) * MLM_DIVERGENCE_SCRATCH(bc.k));
	PG_RETURN_FLOAT8(divergence(bc.ref, bc.cur, bc.k, a.n, b.n, scratch));
}

/* mlm_psi_numeric_final(internal) returns float8. */
Datum
mlm_psi_numeric_final(PG_FUNCTION_ARGS)
{
	return binned_divergence(fcinfo, mlm_psi_counts);
}

/* mlm_js_numeric_final(internal) returns float8. */
Datum
mlm_js_numeric_final(PG_FUNCTION_ARGS)
{
	return binned_divergence(fcinfo, mlm_js_counts);
}
