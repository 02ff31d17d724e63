/*
 * summation.h: floating-point sums that reproduce NumPy's, and a
 * compensated running sum.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SUMMATION_H
#define MLM_SUMMATION_H

#include <math.h>
#include <stdint.h>

/* numpy.sum of a contiguous float64 array: 0 + pairwise sum (blocks of 128, 8 accumulators). */
double		mlm_pairwise_sum(const double *x, int64_t n);

/* Neumaier's compensated running sum: exact to within a few ulps whatever n is. */
typedef struct mlm_ksum
{
	double		s;
	double		c;
} mlm_ksum;

static inline void
mlm_ksum_add(mlm_ksum *k, double x)
{
	double		t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static inline double
mlm_ksum_value(const mlm_ksum *k)
{
	return k->s + k->c;
}

#endif
