/*
 * wasserstein.h: first Wasserstein distance between two samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_WASSERSTEIN_H
#define MLM_WASSERSTEIN_H

#include <stdint.h>

#include "wsample.h"

/* scipy.stats.wasserstein_distance(u, v) for non-empty samples u and v. */
double		mlm_wasserstein(const mlm_wsample *u, const mlm_wsample *v);

/*
 * mlm_wasserstein of two raw sorted samples a[0..na) and b[0..nb) (na, nb
 * >= 1), bit-identical to it; qa and qb, if not NULL, hold the CDF values
 * qa[i] = (double) i / (double) na (i = 0..na) and likewise qb, which
 * spares two divisions a step when many samples of the same sizes are
 * compared (the embedding ratio: one pair per component).
 */
double		mlm_wasserstein_sorted(const double *a, int64_t na, const double *b, int64_t nb,
								   const double *qa, const double *qb);

/*
 * Population standard deviation (ddof 0) of a non-empty sample, summed over
 * its distinct values in ascending order with compensated sums.
 */
double		mlm_std_population(const mlm_wsample *x);

#endif
