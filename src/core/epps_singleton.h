/*
 * epps_singleton.h: the Epps-Singleton two-sample test on the empirical
 * characteristic function (scipy.stats.epps_singleton_2samp, t = (0.4, 0.8)).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_EPPS_SINGLETON_H
#define MLM_EPPS_SINGLETON_H

#include "test_outcome.h"
#include "wsample.h"

/* Outcomes of mlm_epps_singleton. */
#define MLM_ES_OK 0
#define MLM_ES_TOO_FEW 1		/* a sample has fewer than 5 values (SciPy raises) */
#define MLM_ES_IQR_ZERO 2		/* the pooled interquartile range is 0 (SciPy fails) */
#define MLM_ES_NOT_FINITE 3		/* t / sigma or t x / sigma overflows (SciPy fails) */

/* Fewest values per sample SciPy accepts. */
#define MLM_ES_MIN_N 5

/*
 * scipy.stats.epps_singleton_2samp(x, y): statistic W, the chi-square p
 * with rank(covariance) degrees of freedom and its log, method "asymp".
 * A zero covariance (each sample a single value) gives W = 0 and no
 * p-value (SciPy: NaN).  x and y are sorted samples; runs of equal values
 * are processed once with their count, so a sample and its profile give
 * the same result.
 */
int			mlm_epps_singleton(const mlm_wsample *x, const mlm_wsample *y, mlm_test_outcome *r);

/*
 * np.percentile(pooled, 100 q) (linear interpolation) of the pooled
 * sample x + y, for 0 <= q <= 1; x or y may be empty (n = 0).
 */
double		mlm_pooled_percentile(const mlm_wsample *x, const mlm_wsample *y, double q);

#endif
