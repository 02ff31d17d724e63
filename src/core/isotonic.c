/*
 * isotonic.c: pool-adjacent-violators for a non-decreasing fit, and its
 * interpolation.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "isotonic.h"

int64_t
mlm_isotonic_fit(const double *neg, int64_t nneg, const double *pos, int64_t npos,
				 double *xs, double *ys, double *w, int64_t *len)
{
	int64_t		i = 0,
				j = 0,
				m = 0,
				nb = 0,
				b,
				p,
				out;

	/* unique scores: positives (ys) and rows (w) at each */
	while (i < nneg || j < npos)
	{
		double		x = (j >= npos || (i < nneg && neg[i] <= pos[j])) ? neg[i] : pos[j];
		int64_t		c0 = 0,
					c1 = 0;

		while (i < nneg && neg[i] == x)
			c0++, i++;
		while (j < npos && pos[j] == x)
			c1++, j++;
		xs[m] = x;
		ys[m] = (double) c1;
		w[m] = (double) (c0 + c1);
		m++;
	}

	/*
	 * Blocks overwrite the points in place (block nb is written after point
	 * nb >= nb was read): positives in ys, rows in w, points in len.  A block
	 * whose share is not above the next one's absorbs it, as scikit-learn
	 * pools ties.
	 */
	for (i = 0; i < m; i++)
	{
		double		s = ys[i],
					n = w[i];

		ys[nb] = s;
		w[nb] = n;
		len[nb] = 1;
		nb++;
		while (nb >= 2 && ys[nb - 2] / w[nb - 2] >= ys[nb - 1] / w[nb - 1])
		{
			ys[nb - 2] += ys[nb - 1];
			w[nb - 2] += w[nb - 1];
			len[nb - 2] += len[nb - 1];
			nb--;
		}
	}
	for (b = 0; b < nb; b++)
		w[b] = ys[b] / w[b];

	/* knots: the first and last score of every block, at the block's share */
	out = 0;
	p = 0;
	for (b = 0; b < nb; b++)
	{
		double		first = xs[p],
					last = xs[p + len[b] - 1];

		xs[out] = first;
		ys[out] = w[b];
		out++;
		if (len[b] > 1)
		{
			xs[out] = last;
			ys[out] = w[b];
			out++;
		}
		p += len[b];
	}
	return out;
}

double
mlm_isotonic_predict(const double *xs, const double *ys, int64_t n, double x)
{
	int64_t		lo = 0,
				hi = n - 1;

	if (x <= xs[0])
		return ys[0];
	if (x >= xs[n - 1])
		return ys[n - 1];
	/* xs[lo] < x < xs[hi]: find the segment */
	while (hi - lo > 1)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (xs[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	if (xs[lo] == x)
		return ys[lo];
	/* numpy.interp's order of operations */
	return (ys[hi] - ys[lo]) / (xs[hi] - xs[lo]) * (x - xs[lo]) + ys[lo];
}
