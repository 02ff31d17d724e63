/*
 * binning.h: turning two sorted samples into bin counts for PSI and
 * Jensen-Shannon.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_BINNING_H
#define MLM_BINNING_H

#include <stdint.h>

#include "wsample.h"

/* Most bins Evidently's Sturges rule can produce (ceil(log2(2^63) + 1) = 64, with margin). */
#define MLM_STURGES_MAX_BINS 70
/* Evidently bins a numeric column by value when its reference has at most this many distinct values. */
#define MLM_EVIDENTLY_MAX_DISTINCT 20

/*
 * numpy.quantile(x, q) (default 'linear' method) of a non-empty sample,
 * 0 <= q <= 1; where neighbours lie more than DBL_MAX apart (NumPy gives NaN)
 * the interpolation avoids the overflow.
 */
double		mlm_quantile_linear(const mlm_wsample *x, double q);

/*
 * Interior edges of `bins` reference-quantile bins: the distinct values of
 * quantile(ref, k / bins), k = 1 .. bins-1, ascending, written to edges
 * (room for bins-1).  Returns how many there are.
 */
int			mlm_quantile_edges(const mlm_wsample *ref, int bins, double *edges);

/*
 * Counts of x in the m+1 bins (-inf, e0), [e0, e1), ..., [e(m-1), +inf)
 * given ascending interior edges e[0..m).
 */
void		mlm_count_open_bins(const mlm_wsample *x, const double *edges, int m, int64_t *counts);

/* The bin of x among those: the number of edges at or below it. */
static inline int
mlm_open_bin_of(const double *edges, int m, double x)
{
	int			lo = 0,
				hi = m;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (edges[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * numpy.histogram_bin_edges(pooled, bins='sturges') for samples a and b
 * (not both empty): writes nbins+1 edges and returns nbins
 * (<= MLM_STURGES_MAX_BINS), or -1 when the values span more than DBL_MAX.
 */
int			mlm_sturges_edges(const mlm_wsample *a, const mlm_wsample *b, double *edges);

/*
 * numpy.histogram(x, edges)[0]: bins [e_i, e_(i+1)), the last one closed;
 * values outside [e_0, e_nbins] are not counted.
 */
void		mlm_count_histogram(const mlm_wsample *x, const double *edges, int nbins, int64_t *counts);

/* Number of distinct values of a sample. */
int64_t		mlm_count_distinct(const mlm_wsample *x);

/*
 * One bin per distinct pooled value of a and b: counts of each value in a
 * and in b, ascending by value.  ca and cb need room for the number of
 * distinct pooled values; returns that number.
 */
int64_t		mlm_value_counts(const mlm_wsample *a, const mlm_wsample *b, int64_t *ca, int64_t *cb);

#endif
