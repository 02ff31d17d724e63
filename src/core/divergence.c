/*
 * divergence.c: PSI and Jensen-Shannon from bin counts.
 *
 * Both follow the reference implementations operation by operation
 * (Evidently's psi_stat_test, SciPy's jensenshannon and rel_entr, NumPy's
 * pairwise sums), so identical bins give identical digits.
 */
#include "divergence.h"

#include <math.h>

#include "summation.h"

/* Evidently's fill value for empty bins of one side's proportions p[0..k). */
static double
empty_bin_fill(const double *p, int64_t k)
{
	double		mn = INFINITY;
	int64_t		i;

	for (i = 0; i < k; i++)
		if (p[i] != 0.0 && p[i] < mn)
			mn = p[i];
	return (mn <= 0.0001) ? mn / 1e6 : 0.0001;
}

double
mlm_psi_counts(const int64_t *ref, const int64_t *cur, int64_t k,
			   int64_t n_ref, int64_t n_cur, double *scratch)
{
	double	   *r = scratch;
	double	   *c = scratch + k;
	double	   *terms = scratch + 2 * k;
	double		fill_r,
				fill_c;
	int64_t		i;

	for (i = 0; i < k; i++)
	{
		r[i] = (double) ref[i] / (double) n_ref;
		c[i] = (double) cur[i] / (double) n_cur;
	}
	fill_r = empty_bin_fill(r, k);
	fill_c = empty_bin_fill(c, k);
	for (i = 0; i < k; i++)
	{
		if (r[i] == 0.0)
			r[i] = fill_r;
		if (c[i] == 0.0)
			c[i] = fill_c;
		terms[i] = (r[i] - c[i]) * log(r[i] / c[i]);
	}
	return mlm_pairwise_sum(terms, k);
}

/* scipy.special.rel_entr(x, y): x ln(x/y), 0 for x = 0, +inf when only y is 0. */
static double
rel_entr(double x, double y)
{
	if (x > 0.0 && y > 0.0)
		return x * log(x / y);
	if (x == 0.0 && y >= 0.0)
		return 0.0;
	return INFINITY;
}

double
mlm_js_counts(const int64_t *ref, const int64_t *cur, int64_t k,
			  int64_t n_ref, int64_t n_cur, double *scratch)
{
	double	   *p = scratch;
	double	   *q = scratch + k;
	double	   *left = scratch + 2 * k;
	double	   *right = scratch + 3 * k;
	double		sp,
				sq,
				js;
	int64_t		i;

	for (i = 0; i < k; i++)
	{
		p[i] = (double) ref[i] / (double) n_ref;
		q[i] = (double) cur[i] / (double) n_cur;
	}
	/* SciPy normalises its inputs again by their sums. */
	sp = mlm_pairwise_sum(p, k);
	sq = mlm_pairwise_sum(q, k);
	for (i = 0; i < k; i++)
	{
		double		m;

		p[i] = p[i] / sp;
		q[i] = q[i] / sq;
		m = (p[i] + q[i]) / 2.0;
		left[i] = rel_entr(p[i], m);
		right[i] = rel_entr(q[i], m);
	}
	js = mlm_pairwise_sum(left, k) + mlm_pairwise_sum(right, k);
	/* Rounding can leave js a hair below 0, where SciPy returns NaN: clamp. */
	if (js < 0.0)
		js = 0.0;
	return sqrt(js / 2.0);
}
