/*
 * wasserstein.h: first Wasserstein distance between two samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_WASSERSTEIN_H
#define MLM_WASSERSTEIN_H

#include <stdint.h>

/* scipy.stats.wasserstein_distance(u, v) for sorted u[0..n1), v[0..n2), n1, n2 > 0. */
double		mlm_wasserstein_sorted(const double *u, int64_t n1, const double *v, int64_t n2);

/* Population standard deviation (ddof 0, numpy.std) of x[0..n), n > 0. */
double		mlm_std_population(const double *x, int64_t n);

#endif
