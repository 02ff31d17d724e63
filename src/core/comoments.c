/*
 * comoments.c: the running count, means and co-moment matrix of vectors.
 *
 * Welford's update, per row: d = x - mean (old), mean += d / n, and
 * C[i][j] += d[i] (x[j] - mean[j] (new)), which equals (n - 1) / n d[i] d[j]
 * without the rounding of that factor; the merge of two blocks is Chan,
 * Golub and LeVeque's.  Both work on deviations from the running means, so
 * a large common offset in the data costs no accuracy (unlike sums of
 * squares), and the result agrees with a two-pass computation to a few
 * ulps times log n.
 */
#include "comoments.h"

void
mlm_comoments_add(int p, double *n, double *mean, double *c,
				  const double *x, double *delta)
{
	double		nn = *n + 1.0;
	int			i,
				j;
	long		k = 0;

	double	   *e = delta + p;

	for (i = 0; i < p; i++)
	{
		delta[i] = x[i] - mean[i];
		mean[i] += delta[i] / nn;
	}
	/* x - mean (new) once, not once per row of C: the same numbers */
	for (j = 0; j < p; j++)
		e[j] = x[j] - mean[j];
	for (i = 0; i < p; i++)
	{
		double		di = delta[i];
		double	   *ci = c + k;
		const double *ei = e + i;
		int			m = p - i;

		for (j = 0; j < m; j++)
			ci[j] += di * ei[j];
		k += m;
	}
	*n = nn;
}

void
mlm_comoments_merge(int p, double *na, double *meana, double *ca,
					double nb, const double *meanb, const double *cb,
					double *delta)
{
	double		n = *na + nb,
				f;
	int			i,
				j;
	long		k = 0;

	if (nb == 0.0)
		return;
	f = *na * nb / n;
	for (i = 0; i < p; i++)
	{
		delta[i] = meanb[i] - meana[i];
		meana[i] += delta[i] * (nb / n);
	}
	for (i = 0; i < p; i++)
		for (j = i; j < p; j++, k++)
			ca[k] += cb[k] + delta[i] * delta[j] * f;
	*na = n;
}
