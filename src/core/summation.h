/*
 * summation.h: floating-point sums that reproduce NumPy's.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SUMMATION_H
#define MLM_SUMMATION_H

#include <stdint.h>

/* numpy.sum of a contiguous float64 array: 0 + pairwise sum (blocks of 128, 8 accumulators). */
double		mlm_pairwise_sum(const double *x, int64_t n);

#endif
