/*
 * summation.c: NumPy's pairwise summation, so that sums over bins agree with
 * SciPy and Evidently to the last bit when the terms are the same.
 *
 * NumPy adds short runs (< 8) left to right, runs up to 128 with eight
 * interleaved accumulators combined as a balanced tree, and longer runs by
 * splitting in two at a multiple of 8.  Its error grows as O(log n) eps.
 */
#include "summation.h"

#define PW_BLOCK 128

/* Pairwise sum of x[0..n) in NumPy's order. */
static double
pairwise(const double *x, int64_t n)
{
	if (n < 8)
	{
		double		r = 0.0;
		int64_t		i;

		for (i = 0; i < n; i++)
			r += x[i];
		return r;
	}
	else if (n <= PW_BLOCK)
	{
		double		r[8];
		double		res;
		int64_t		i;
		int			j;

		for (j = 0; j < 8; j++)
			r[j] = x[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (j = 0; j < 8; j++)
				r[j] += x[i + j];
		res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += x[i];
		return res;
	}
	else
	{
		int64_t		n2 = n / 2;

		n2 -= n2 % 8;
		return pairwise(x, n2) + pairwise(x + n2, n - n2);
	}
}

double
mlm_pairwise_sum(const double *x, int64_t n)
{
	return 0.0 + pairwise(x, n);
}
