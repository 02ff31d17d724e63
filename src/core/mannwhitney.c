/*
 * mannwhitney.c: the Mann-Whitney U test (scipy.stats.mannwhitneyu of
 * SciPy 1.10, use_continuity=True).
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 *
 * U1 = R1 - n1 (n1 + 1) / 2, R1 the sum of the reference values' midranks
 * in the pooled sample, kept doubled as an integer.  The p-value is the
 * upper tail P(U >= u) of the statistic SciPy uses: U1 for 'greater',
 * U2 = n1 n2 - U1 for 'less', max(U1, U2) doubled and clipped at 1 for
 * 'two-sided'.
 *
 * Exact: under the null hypothesis the number of arrangements with U = k is
 * the coefficient of q^k in the Gaussian binomial [m + n, m]_q =
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), m = min(n1, n2).  The product is
 * built one factor pair at a time (multiply by 1 - q^(n+i), divide by
 * 1 - q^i, then scale by i / (n + i), so the array stays a probability
 * mass function and never overflows); after each pair it is [n+i, i]_q,
 * with no negative coefficient.  Both operations commute with truncation
 * at q^T, so only the T terms of the tail actually summed are kept: the
 * distribution is symmetric (P(U >= u) = P(U <= mn - u)), and the shorter
 * of P(U <= mn - u) and 1 - P(U <= u - 1) is summed.  That is O(m T) time
 * and O(T) memory, T <= mn / 2 + 1, where SciPy's memoised recursion needs
 * O(m n T) memory (it runs out at sizes (7, 5000)).  Long double keeps
 * the scaled terms from underflowing for every size the caller allows.
 * As in SciPy, a statistic that is not an integer (ties) is truncated.
 *
 * The ranks walk two weighted sorted samples (wsample.h): a raw sample and
 * a profile's distinct values with counts give the same sums, and a count
 * is never expanded.  2 R1 and the tie term sum(t^3 - t) are integers,
 * summed exactly in 128 bits (SciPy sums the tie term in int64), so both
 * stay exact for groups of any size; U1 fits 64 bits while n1 n2 < 2^62.
 *
 * Asymptotic: z = (U - n1 n2 / 2 - 1/2) / s,
 * s = sqrt(n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))), p = sf(z);
 * its log comes from normal_log.c's log tails, finite where p underflows.
 */
#include <math.h>

#include "env.h"
#include "mannwhitney.h"
#include "normal_log.h"
#include "normal.h"

void
mlm_mwu_rank(const mlm_wsample *x, const mlm_wsample *y, mlm_mwu_ranks *r)
{
	int64_t		i = 0,
				j = 0,
				pos = 0;
	__int128	r1x2 = 0,
				tie = 0;

	r->n1 = x->n;
	r->n2 = y->n;
	r->has_ties = 0;
	while (i < x->m || j < y->m)
	{
		double		v = (j >= y->m || (i < x->m && x->v[i] <= y->v[j])) ? x->v[i] : y->v[j];
		int64_t		a = mlm_ws_take(x, &i, v),
					b = mlm_ws_take(y, &j, v),
					t = a + b;

		/* the group holds ranks pos+1 .. pos+t: midrank (2 pos + t + 1) / 2 */
		r1x2 += (__int128) a * (2 * pos + t + 1);
		if (t > 1)
		{
			r->has_ties = 1;
			tie += (__int128) t * t * t - t;
		}
		pos += t;
	}
	r->u1x2 = (int64_t) (r1x2 - (__int128) x->n * (x->n + 1));
	r->tie_term = (double) tie;
}

int
mlm_mwu_auto_exact(const mlm_mwu_ranks *r)
{
	return (r->n1 <= 8 || r->n2 <= 8) && !r->has_ties;
}

/* 2 U of the statistic the p-value is the upper tail of. */
static int64_t
tail_statistic_x2(const mlm_mwu_ranks *r, mlm_alternative alt)
{
	int64_t		u2x2 = 2 * r->n1 * r->n2 - r->u1x2;

	switch (alt)
	{
		case MLM_GREATER:
			return r->u1x2;
		case MLM_LESS:
			return u2x2;
		default:
			return r->u1x2 > u2x2 ? r->u1x2 : u2x2;
	}
}

/* Terms of the null distribution summed for P(U >= k): those of P(U <= mn - k), or of P(U <= k - 1). */
static int64_t
terms_for(int64_t mn, int64_t k)
{
	int64_t		c = mn - k;

	if (c < 0 || k <= 0)
		return 1;
	return (2 * c <= mn) ? c + 1 : k;
}

int64_t
mlm_mwu_exact_terms(const mlm_mwu_ranks *r, mlm_alternative alt)
{
	return terms_for(r->n1 * r->n2, tail_statistic_x2(r, alt) / 2);
}

/* pmf[0..T) of U for samples of sizes m <= n, truncated at T terms. */
static void
null_pmf(int64_t m, int64_t n, int64_t T, long double *c)
{
	int64_t		i,
				k;

	c[0] = 1.0L;
	for (k = 1; k < T; k++)
		c[k] = 0.0L;
	for (i = 1; i <= m; i++)
	{
		int64_t		a = n + i;
		long double scale = (long double) i / (long double) (n + i);

		/* each step is O(T): (7, 5000) stays exact, and a cancel must stop it */
		mlm_core_env->check_cancel();
		for (k = T - 1; k >= a; k--)
			c[k] -= c[k - a];
		for (k = i; k < T; k++)
			c[k] += c[k - i];
		for (k = 0; k < T; k++)
			c[k] *= scale;
	}
}

/* P(U >= k) and its log, exactly (work: terms_for(mn, k) long doubles). */
static void
exact_sf(int64_t n1, int64_t n2, int64_t k, long double *work, double *p, double *logp)
{
	int64_t		mn = n1 * n2;
	int64_t		c = mn - k;
	int64_t		T = terms_for(mn, k);
	long double s = 0.0L;
	int64_t		j;

	if (k <= 0)
	{
		*p = 1.0;
		*logp = 0.0;
		return;
	}
	if (c < 0)
	{
		*p = 0.0;
		*logp = -INFINITY;
		return;
	}
	null_pmf(n1 < n2 ? n1 : n2, n1 < n2 ? n2 : n1, T, work);
	for (j = 0; j < T; j++)
		s += work[j];
	if (2 * c <= mn)
	{
		*p = (double) s;
		*logp = (double) logl(s);
	}
	else
	{
		*p = (double) (1.0L - s);
		*logp = (double) log1pl(-s);
	}
}

void
mlm_mwu_test(const mlm_mwu_ranks *r, mlm_alternative alt, int exact, long double *work,
			 mlm_test_outcome *out)
{
	int64_t		ux2 = tail_statistic_x2(r, alt);
	int			two = (alt != MLM_LESS && alt != MLM_GREATER);
	double		p,
				logp;

	out->statistic = (double) r->u1x2 / 2.0;
	if (exact)
	{
		/* SciPy truncates a statistic made fractional by ties (U.astype(int)) */
		exact_sf(r->n1, r->n2, ux2 / 2, work, &p, &logp);
		if (two)
		{
			p *= 2.0;
			logp += M_LN2;
		}
		out->method = "exact";
	}
	else
	{
		double		n1 = (double) r->n1,
					n2 = (double) r->n2,
					n = n1 + n2;
		double		s = sqrt(n1 * n2 / 12.0 * ((n + 1.0) - r->tie_term / (n * (n - 1.0))));
		double		z = ((double) ux2 / 2.0 - n1 * n2 / 2.0 - 0.5) / s;

		if (isnan(z))			/* all values tied (s = 0) and U at the mean: SciPy's z is -inf */
			z = -INFINITY;
		if (two)
		{
			p = 2.0 * mlm_norm_sf(z);
			logp = (z >= 0.0) ? mlm_norm_two_sided_logp(z) : M_LN2 + mlm_norm_log_sf(z);
		}
		else
		{
			p = mlm_norm_sf(z);
			logp = mlm_norm_log_sf(z);
		}
		out->method = "asymp";
	}
	if (p > 1.0 || logp > 0.0)
	{
		p = 1.0;
		logp = 0.0;
	}
	out->pvalue = p;
	out->log_pvalue = logp;
}
