/*
 * drift_numeric.c: what the numeric drift statistics share, whether they
 * read two samples or values against a profile (drift_numeric.h): the bins
 * of PSI and Jensen-Shannon and the reference's spread that normalises the
 * Wasserstein distance.
 */
#include "postgres.h"

#include <math.h>

#include "core/binning.h"
#include "core/wasserstein.h"
#include "drift_numeric.h"

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

/* The reference's population standard deviation: from the sample, or the sketch's moments. */
double
reference_std(const mlm_wsample *a, const mlm_profile_hdr *hdr)
{
	if (hdr != NULL && hdr->mode == MLM_PROFILE_SKETCH)
		return sqrt(hdr->m2 / (double) hdr->count);
	return mlm_std_population(a);
}
