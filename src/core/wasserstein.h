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
 * Population standard deviation (ddof 0) of a non-empty sample, summed over
 * its distinct values in ascending order with compensated sums.
 */
double		mlm_std_population(const mlm_wsample *x);

#endif
