/*
 * gtest.c: the G-test of counts per category (gtest.h).
 *
 * SciPy sums 2 o ln(o/e) term by term; those terms have both signs (they
 * sum o - e = 0 to first order), so for nearly equal distributions its G is
 * mostly rounding error.  Here each term is rewritten with sum o = sum e:
 *
 *     G = 2 sum e phi(o/e),  phi(t) = t ln t - t + 1 >= 0,
 *
 * a sum of non-negative terms with no cancellation.  t = 1 + d with the
 * ratio d = (c n_ref - r n_cur) / (r n_cur) formed in exact 128-bit integer
 * arithmetic, and phi(1 + d) = (1 + d) log1p(d) - d by its series
 * sum_{j>=2} (-d)^j / (j (j - 1)) when |d| is small.  o = 0 gives phi = 1
 * (the term 2e), as the rewrite needs.
 */
#include "gtest.h"

#include <math.h>

#include "gamma.h"

/* Below this |d|, phi(1 + d) comes from its series (it converges like d^j). */
#define PHI_SERIES_MAX 0.125

/* phi(1 + d) = (1 + d) ln(1 + d) - d, d >= -1. */
static double
phi1p(double d)
{
	if (fabs(d) < PHI_SERIES_MAX)
	{
		double		term = d * d;	/* (-d)^j, j = 2 */
		double		sum = 0.0;
		int			j;

		for (j = 2; j < 60; j++)
		{
			double		next = sum + term / ((double) j * (double) (j - 1));

			if (next == sum)
				break;
			sum = next;
			term *= -d;
		}
		return sum;
	}
	if (d == -1.0)
		return 1.0;
	return (1.0 + d) * log1p(d) - d;
}

void
mlm_g_test(const int64_t *ref, const int64_t *cur, int64_t k,
		   int64_t n_ref, int64_t n_cur, mlm_test_outcome *out)
{
	double		sum = 0.0;
	double		comp = 0.0;		/* Kahan compensation */
	int64_t		i;

	out->method = "asymp";
	if (k <= 1)
	{
		out->statistic = 0.0;
		out->pvalue = 1.0;
		out->log_pvalue = 0.0;
		return;
	}
	for (i = 0; i < k; i++)
	{
		__int128	num,
					den;
		double		e,
					term,
					y,
					t;

		if (ref[i] == 0)
		{
			if (cur[i] == 0)
				continue;
			out->statistic = (double) INFINITY;
			out->pvalue = 0.0;
			out->log_pvalue = -(double) INFINITY;
			return;
		}
		den = (__int128) ref[i] * n_cur;
		num = (__int128) cur[i] * n_ref - den;
		e = (double) ref[i] * ((double) n_cur / (double) n_ref);
		term = e * phi1p((double) num / (double) den);
		y = term - comp;
		t = sum + y;
		comp = (t - sum) - y;
		sum = t;
	}
	out->statistic = 2.0 * sum;
	out->pvalue = mlm_chi2_sf(out->statistic, (double) (k - 1));
	out->log_pvalue = mlm_chi2_logsf(out->statistic, (double) (k - 1));
}
