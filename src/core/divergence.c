/*
 * divergence.c: PSI, Jensen-Shannon, Hellinger and Kullback-Leibler from
 * bin counts.
 *
 * PSI, Jensen-Shannon and Kullback-Leibler follow the reference
 * implementations operation by operation (Evidently's psi_stat_test and
 * kl_div, SciPy's jensenshannon, entropy and rel_entr, NumPy's pairwise
 * sums), so identical bins give identical digits.  Hellinger takes the
 * algebraically equal form that is exact for identical proportions instead
 * of Evidently's sqrt(1 - sum sqrt(pq)).
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

/* Evidently's proportions with empty bins filled (get_binned_data's feel_zeroes). */
static void
filled_proportions(const int64_t *counts, int64_t k, int64_t n, double *p)
{
	double		fill;
	int64_t		i;

	for (i = 0; i < k; i++)
		p[i] = (double) counts[i] / (double) n;
	fill = empty_bin_fill(p, k);
	for (i = 0; i < k; i++)
		if (p[i] == 0.0)
			p[i] = fill;
}

/*
 * r - c for r = a/na and c = b/nb, accurate to an ulp or two even when r
 * and c nearly cancel: the numerator a nb - b na in exact 128-bit integer
 * arithmetic where the compiler has it.
 */
static double
proportion_difference(int64_t a, int64_t na, int64_t b, int64_t nb)
{
#ifdef __SIZEOF_INT128__
	__int128	num = (__int128) a * nb - (__int128) b * na;

	return ((double) num / (double) na) / (double) nb;
#else
	return (double) a / (double) na - (double) b / (double) nb;
#endif
}

double
mlm_hellinger_counts(const int64_t *ref, const int64_t *cur, int64_t k,
					 int64_t n_ref, int64_t n_cur, double *scratch)
{
	mlm_ksum	sum = {0.0, 0.0};
	int64_t		i;

	(void) scratch;
	for (i = 0; i < k; i++)
	{
		double		r,
					c,
					d;

		if (ref[i] == 0 && cur[i] == 0)
			continue;
		r = (double) ref[i] / (double) n_ref;
		c = (double) cur[i] / (double) n_cur;
		/* A bin only one side has adds its proportion exactly. */
		if (ref[i] == 0 || cur[i] == 0)
		{
			mlm_ksum_add(&sum, r + c);
			continue;
		}
		/* sqrt r - sqrt c = (r - c) / (sqrt r + sqrt c), without the cancellation. */
		d = proportion_difference(ref[i], n_ref, cur[i], n_cur) / (sqrt(r) + sqrt(c));
		mlm_ksum_add(&sum, d * d);
	}
	return sqrt(mlm_ksum_value(&sum) / 2.0);
}

double
mlm_kl_counts(const int64_t *ref, const int64_t *cur, int64_t k,
			  int64_t n_ref, int64_t n_cur, double *scratch)
{
	double	   *p = scratch;
	double	   *q = scratch + k;
	double	   *terms = scratch + 2 * k;
	double		sp,
				sq;
	int64_t		i;

	filled_proportions(ref, k, n_ref, p);
	filled_proportions(cur, k, n_cur, q);
	/* scipy.stats.entropy renormalizes both to sum 1 (the fill added mass). */
	sp = mlm_pairwise_sum(p, k);
	sq = mlm_pairwise_sum(q, k);
	for (i = 0; i < k; i++)
		terms[i] = rel_entr(p[i] / sp, q[i] / sq);
	return mlm_pairwise_sum(terms, k);
}
