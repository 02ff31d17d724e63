/*
 * ks_exact.c - p-values of the two-sample Kolmogorov-Smirnov test (mlmon numerics core)
 *
 * With g = gcd(n1, n2) and L = lcm(n1, n2), the statistic is D = h / L for
 * an integer h, and the null distribution is that of a uniformly random
 * monotone lattice path from (0, 0) to (n1, n2).  The four exact cases follow
 * SciPy 1.10's _attempt_exact_2kssamp, including where its attempt gives up
 * (so the caller falls back to the asymptotic formula at the same inputs):
 *   two-sided, n1 == n2:  alternating reflection series, Horner form;
 *   two-sided, n1 != n2:  1 - P(inside) by Viehmann's probability recursion;
 *   one-sided, n1 == n2:  C(2n, n-h) / C(2n, n) as a product;
 *   one-sided, n1 != n2:  Hodges' count of boundary-crossing paths.
 * The first three are evaluated with SciPy's operation order in double; the
 * last in long double (its SciPy form loses up to ~1e-12 to cancellation),
 * failing exactly where SciPy's double evaluation overflows.
 *
 * No global state; scratch memory from the host (core/env.h): allocation
 * failure -> false.  The lattice loops give the host a chance to cancel.
 *
 * Portions Copyright (c) the mlmon authors; PostgreSQL licence.
 */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdbool.h>
#include <float.h>
#include <string.h>

#include "ks_exact.h"
#include "env.h"
#include "kolmogorov.h"

#define KS2_HALF_LOG_2PI	0.918938533204672741780329736405617639861L
/* log(DBL_MAX): a binomial above this is infinite in double */
#define KS2_LOG_DBL_MAX		709.782712893383996732223339L
#define KS2_LN2				0.693147180559945309417232121458176568

int64_t
mlm_gcd(int64_t a, int64_t b)
{
	while (b != 0)
	{
		int64_t		r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* floor(a / b) for b > 0 (Python's // on integers). */
static int64_t
ks2_floordiv(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if ((a % b != 0) && (a < 0))
		q -= 1;
	return q;
}

/*
 * P(D_{n,n} >= h/n) = 2 sum_{k>=1} (-1)^(k-1) C(2n, n-kh) / C(2n, n), the
 * reflection-principle series of Gnedenko & Korolyuk (1951), with each ratio
 * of binomials written as a product of h factors and the alternating sum
 * nested (Horner) to avoid cancellation, in SciPy's operation order.
 */
static double
ks2_equal_two_sided(int64_t n, int64_t h)
{
	double		P = 0.0;
	int64_t		k,
				j;

	for (k = n / h; k >= 0; k--)
	{
		double		ratio = 1.0;

		for (j = 0; j < h; j++)
			ratio = ((double) (n - k * h - j) * ratio) / (double) (n + k * h + j + 1);
		P = ratio * (1.0 - P);
	}
	return 2.0 * P;
}

/*
 * P(D_{m,n} >= h/L) for m != n by the "inside" lattice recursion written for
 * the complement probability, Viehmann, "Numerically more stable computation
 * of the p-values for the two-sample Kolmogorov-Smirnov test",
 * arXiv:2102.08037 (2021), following Hodges (1958).  Column by column over
 * x = 1..m (m the larger size) only the band |n x - m y| < h g of y is kept;
 * U(x, y) = (x U(x-1, y) + y U(x, y-1)) / (x + y) is the probability that a
 * random path to (x, y) has already left the band, and is 1 outside it.
 * O(m n) time, O(n) memory; no lower floor is applied to the result.
 * Returns false if scratch memory is unavailable.
 */
static bool
ks2_unequal_two_sided(int64_t m, int64_t n, int64_t g, int64_t h, double *p)
{
	int64_t		mg,
				ng,
				lo,
				hi,
				width,
				prev_lo,
				prev_width,
				x,
				i;
	double	   *U;

	if (m < n)
	{
		int64_t		s = m;

		m = n;
		n = s;
	}
	mg = m / g;
	ng = n / g;

	U = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (n + 2));
	if (U == NULL)
		return false;
	/* U[i] holds the value at y = lo + i; entries past the band stay 1 */
	for (i = 0; i < n + 2; i++)
		U[i] = 1.0;

	/* column x = 0: inside the band (not yet out) for y < ceil(h / mg) */
	lo = 0;
	hi = (int64_t) ceil((double) h / (double) mg);
	if (hi > n + 1)
		hi = n + 1;
	width = hi - lo;
	for (i = 0; i < width; i++)
		U[i] = 0.0;

	for (x = 1; x <= m; x++)
	{
		double		left;

		if (x % MLM_CANCEL_INTERVAL == 0)
			mlm_core_env->check_cancel();
		prev_lo = lo;
		prev_width = width;
		lo = (int64_t) floor((double) (ng * x - h) / (double) mg) + 1;
		if (lo < 0)
			lo = 0;
		if (lo > n)
			lo = n;
		hi = (int64_t) ceil((double) (ng * x + h) / (double) mg);
		if (hi > n + 1)
			hi = n + 1;
		if (hi <= lo)
		{
			/* the band is empty: every path leaves it */
			mlm_core_env->release(U);
			*p = 1.0;
			return true;
		}
		/* value just below the band: 0 at y = -1 (x axis start), else 1 */
		left = (lo == 0) ? 0.0 : 1.0;
		for (i = 0; i < hi - lo; i++)
		{
			int64_t		y = lo + i;

			left = (U[i + lo - prev_lo] * (double) x + left * (double) y) / (double) (x + y);
			U[i] = left;
		}
		width = hi - lo;
		for (i = width; i < prev_width; i++)
			U[i] = 1.0;
	}
	*p = U[width - 1];
	mlm_core_env->release(U);
	return true;
}

/* P(D+_{n,n} >= h/n) = C(2n, n-h) / C(2n, n) as prod_{j<h} (n-j)/(n+j+1) (Gnedenko & Korolyuk 1951). */
static double
ks2_equal_one_sided(int64_t n, int64_t h)
{
	double		prod = 1.0;
	int64_t		j;

	for (j = 0; j < h; j++)
		prod *= (double) (n - j) / ((double) (n + j) + 1.0);
	return prod;
}

/* Stirling-series remainder log(k!) - [(k+1/2) log k - k + log(2pi)/2], k >= 31 (Abramowitz & Stegun 6.1.41). */
static long double
ks2_stirling_tail(long double k)
{
	long double r = 1.0L / k;
	long double r2 = r * r;

	return r * (1.0L / 12.0L + r2 * (-1.0L / 360.0L + r2 * (1.0L / 1260.0L +
			r2 * (-1.0L / 1680.0L + r2 * (1.0L / 1188.0L + r2 * (-691.0L / 360360.0L +
			r2 * (1.0L / 156.0L + r2 * (-3617.0L / 122400.0L))))))));
}

/*
 * log C(a, b) in long double, 0 <= b <= a: a short product when
 * min(b, a-b) <= 30, otherwise Stirling's series arranged so that no large
 * terms cancel (b log(a/b) + (a-b) log1p(b/(a-b)) + ...).
 */
static long double
ks2_log_binom(int64_t a, int64_t b)
{
	int64_t		s = (b < a - b) ? b : a - b;

	if (s < 0)
		return NAN;
	if (s <= 30)
	{
		long double v = 1.0L;
		int64_t		i;

		for (i = 1; i <= s; i++)
			v = v * (long double) (a - s + i) / (long double) i;
		return logl(v);
	}
	else
	{
		long double la = (long double) a,
					ls = (long double) s,
					lr = (long double) (a - s);

		return ls * logl(la / ls) + lr * log1pl(ls / lr) +
			0.5L * logl(la / (ls * lr)) - KS2_HALF_LOG_2PI +
			ks2_stirling_tail(la) - ks2_stirling_tail(ls) - ks2_stirling_tail(lr);
	}
}

/* C(a, b) in long double (ample exponent range for the sizes used here). */
static long double
ks2_binom(int64_t a, int64_t b)
{
	return expl(ks2_log_binom(a, b));
}

/*
 * P(D+_{m,n} >= h/L) for m != n: the number of lattice paths that reach the
 * line m y = n x - h g, counted by first passage as in Hodges, "The
 * significance probability of the Smirnov two-sample test", Arkiv for
 * Matematik 3(43) (1958), divided by C(m+n, n).  Evaluated in long double;
 * returns false where SciPy's double evaluation overflows (C(m+n, n) or a
 * partial count beyond DBL_MAX), when the count exceeds C(m+n, n), and when
 * scratch memory is unavailable.
 */
static bool
ks2_unequal_one_sided(int64_t m, int64_t n, int64_t g, int64_t h, double *p)
{
	int64_t		mg,
				ng,
				nx,
				i,
				j;
	int64_t    *xs;
	long double *B;
	long double total,
				count;
	double		total_d,
				count_d;

	if (m < n)
	{
		int64_t		s = m;

		m = n;
		n = s;
	}
	mg = m / g;
	ng = n / g;

	/* SciPy's C(m+n, n) is infinite here: its attempt fails */
	if (ks2_log_binom(m + n, n) > KS2_LOG_DBL_MAX)
		return false;
	total = ks2_binom(m + n, n);
	total_d = (double) total;
	if (!isfinite(total_d))
		return false;

	/* first-passage points (xs[j], j), j = 0..nx-1, on the boundary */
	nx = n + ks2_floordiv(mg - h, mg);
	if (nx <= 0)
	{
		*p = 1.0;
		return true;
	}
	xs = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) nx);
	B = (long double *) mlm_core_env->alloc(sizeof(long double) * (size_t) nx);
	if (xs == NULL || B == NULL)
	{
		mlm_core_env->release(xs);
		mlm_core_env->release(B);
		return false;
	}
	for (j = 0; j < nx; j++)
		xs[j] = (h + mg * j + ng - 1) / ng;

	/* B[j]: paths to (xs[j], j) not touching the boundary before */
	B[0] = 1.0L;
	for (j = 1; j < nx; j++)
	{
		long double b = ks2_binom(xs[j] + j, j);

		if (j % MLM_CANCEL_INTERVAL == 0)
			mlm_core_env->check_cancel();
		if (!isfinite((double) b))
			goto overflow;
		for (i = 0; i < j; i++)
		{
			long double part = ks2_binom(xs[j] - xs[i] + j - i, j - i) * B[i];

			if (!isfinite((double) part))
				goto overflow;
			b -= part;
		}
		B[j] = b;
	}
	/* extend each first passage to (m, n) */
	count = 0.0L;
	for (j = 0; j < nx; j++)
	{
		long double term = B[j] * ks2_binom((m - xs[j]) + (n - j), n - j);

		if (!isfinite((double) term))
			goto overflow;
		count += term;
	}
	mlm_core_env->release(xs);
	mlm_core_env->release(B);

	count_d = (double) count;
	if (!isfinite(count_d) || count_d > total_d)
		return false;
	*p = (double) (count / total);
	return true;

overflow:
	mlm_core_env->release(xs);
	mlm_core_env->release(B);
	return false;
}

/* Exact two-sample KS p-value for D = h / lcm(n1, n2); algorithm per case as in SciPy 1.10 (see the functions above). */
bool
mlm_ks2_exact_pvalue(int64_t n1, int64_t n2, int64_t h, mlm_alternative alt, double *p)
{
	int64_t		g,
				lcm;
	double		prob;

	if (p == NULL || n1 < 1 || n2 < 1 || h < 0)
		return false;
	g = mlm_gcd(n1, n2);
	if (n1 / g > INT64_MAX / n2)
		return false;
	lcm = (n1 / g) * n2;
	if (h > lcm)
		return false;
	if (h == 0)
	{
		*p = 1.0;
		return true;
	}

	if (alt == MLM_TWO_SIDED)
	{
		if (n1 == n2)
			prob = ks2_equal_two_sided(n1, h);
		else if (!ks2_unequal_two_sided(n1, n2, g, h, &prob))
			return false;
	}
	else
	{
		if (n1 == n2)
			prob = ks2_equal_one_sided(n1, h);
		else if (!ks2_unequal_one_sided(n1, n2, g, h, &prob))
			return false;
	}
	if (!(prob >= 0.0 && prob <= 1.0))
		return false;
	*p = prob;
	return true;
}

/*
 * Round half to even, independent of the floating-point rounding mode.
 */
static double
ks2_round_half_even(double x)
{
	double		r = floor(x);
	double		diff = x - r;

	if (diff > 0.5)
		return r + 1.0;
	if (diff < 0.5)
		return r;
	return (fmod(r, 2.0) == 0.0) ? r : r + 1.0;
}

/*
 * Asymptotic two-sample p-value as in SciPy 1.10: two-sided uses the
 * one-sample distribution with the effective size n1 n2 / (n1 + n2) (Smirnov
 * 1939, evaluated by mlm_kstwo_sf); one-sided uses Hodges' (1958) corrected
 * exponential approximation, eq. 5.3.
 */
double
mlm_ks2_asymp_pvalue(int64_t n1, int64_t n2, double d, mlm_alternative alt)
{
	double		m,
				n,
				en,
				prob;

	if (n1 < 1 || n2 < 1)
		return NAN;
	m = (double) (n1 > n2 ? n1 : n2);
	n = (double) (n1 > n2 ? n2 : n1);
	en = m * n / (m + n);
	if (alt == MLM_TWO_SIDED)
	{
		double		ne = ks2_round_half_even(en);

		if (ne < 1.0)
			return NAN;			/* SciPy's kstwo has no n = 0 */
		prob = mlm_kstwo_sf(d, (int64_t) ne);
	}
	else
	{
		double		z = sqrt(en) * d;
		double		expt = -2.0 * (z * z) - 2.0 * z * (m + 2.0 * n) / sqrt(m * n * (m + n)) / 3.0;

		prob = exp(expt);
	}
	if (isnan(prob))
		return prob;
	if (prob < 0.0)
		return 0.0;
	if (prob > 1.0)
		return 1.0;
	return prob;
}

/* ------------------------------------------------------------------------ */
/* Natural logs of the p-values, finite where the p-value underflows        */
/* ------------------------------------------------------------------------ */

/*
 * Above this a p-value (every one of them good to ~1e-14 relative, and a
 * normal double) gives its log as log(p), to ~1e-14 absolute; below it each
 * case is evaluated in log space.
 */
#define KS2_LOG_DIRECT_MIN 1e-300

/* log(exp(a) + exp(b)), either may be -inf. */
static double
ks2_log_add(double a, double b)
{
	double		hi = a > b ? a : b,
				lo = a > b ? b : a;

	if (lo == -INFINITY)
		return hi;
	return hi + log1p(exp(lo - hi));
}

/*
 * log of the product prod_{j<h} (n-j)/(n+j+1) = C(2n, n-h) / C(2n, n) (the
 * ratio r_0 of ks2_equal_two_sided, the whole of ks2_equal_one_sided), as a
 * long double sum of log1p(-(2j+1)/(n+j+1)): every term is negative, so the
 * sum's relative error stays at a few long double ulps times log2(h).
 */
static double
ks2_log_equal_ratio(int64_t n, int64_t h)
{
	long double s = 0.0L;
	int64_t		j;

	for (j = 0; j < h; j++)
		s += log1pl(-(long double) (2 * j + 1) / (long double) (n + j + 1));
	return (double) s;
}

/*
 * log P(D_{n,n} >= h/n) where the Horner form underflows: with r_k the
 * ratio of the k-th term, P/2 = r_0 (1 - P_1), P_1 = r_1 (1 - P_2), ...;
 * P_1 <= r_1 < r_0^4 (the ratio of C(2n, n-2h) to C(2n, n-h) is below r_0),
 * so in double P_1 is an ordinary number (or 0) and log1p(-P_1) exact.
 */
static double
ks2_log_equal_two_sided(int64_t n, int64_t h)
{
	double		P1 = 0.0;
	int64_t		k,
				j;

	for (k = n / h; k >= 1; k--)
	{
		double		ratio = 1.0;

		for (j = 0; j < h; j++)
			ratio = ((double) (n - k * h - j) * ratio) / (double) (n + k * h + j + 1);
		P1 = ratio * (1.0 - P1);
	}
	return KS2_LN2 + ks2_log_equal_ratio(n, h) + log1p(-P1);
}

/*
 * ks2_unequal_two_sided in log space: L = log U, the same band and the same
 * recursion, U(x,y) = (x U(x-1,y) + y U(x,y-1)) / (x+y) becoming
 * L = logaddexp(log x + L(x-1,y), log y + L(x,y-1)) - log(x+y).  Every
 * value stays representable however small the p-value (1 / C(n1+n2, n1) at
 * D = 1, 1e-6000 at 10000 x 9999).  Each step rounds ~2 ulps of |L|, so
 * after the n1+n2 steps of a path the relative error of log p is ~1e-12.
 * About 40 ns per cell (an exp and a log1p): only used where the p-value
 * itself is below KS2_LOG_DIRECT_MIN.  Returns false if scratch memory is
 * unavailable.
 */
static bool
ks2_log_unequal_two_sided(int64_t m, int64_t n, int64_t g, int64_t h, double *logp)
{
	int64_t		mg,
				ng,
				lo,
				hi,
				width,
				prev_lo,
				prev_width,
				x,
				i;
	double	   *L,
			   *lg;

	if (m < n)
	{
		int64_t		s = m;

		m = n;
		n = s;
	}
	mg = m / g;
	ng = n / g;

	L = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (n + 2));
	lg = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (m + n + 1));
	if (L == NULL || lg == NULL)
	{
		mlm_core_env->release(L);
		mlm_core_env->release(lg);
		return false;
	}
	lg[0] = -INFINITY;
	for (i = 1; i <= m + n; i++)
		lg[i] = log((double) i);
	for (i = 0; i < n + 2; i++)
		L[i] = 0.0;

	lo = 0;
	hi = (int64_t) ceil((double) h / (double) mg);
	if (hi > n + 1)
		hi = n + 1;
	width = hi - lo;
	for (i = 0; i < width; i++)
		L[i] = -INFINITY;

	for (x = 1; x <= m; x++)
	{
		double		left;

		if (x % MLM_CANCEL_INTERVAL == 0)
			mlm_core_env->check_cancel();
		prev_lo = lo;
		prev_width = width;
		lo = (int64_t) floor((double) (ng * x - h) / (double) mg) + 1;
		if (lo < 0)
			lo = 0;
		if (lo > n)
			lo = n;
		hi = (int64_t) ceil((double) (ng * x + h) / (double) mg);
		if (hi > n + 1)
			hi = n + 1;
		if (hi <= lo)
		{
			mlm_core_env->release(L);
			mlm_core_env->release(lg);
			*logp = 0.0;
			return true;
		}
		left = (lo == 0) ? -INFINITY : 0.0;
		for (i = 0; i < hi - lo; i++)
		{
			int64_t		y = lo + i;

			left = ks2_log_add(L[i + lo - prev_lo] + lg[x], left + lg[y]) - lg[x + y];
			L[i] = left;
		}
		width = hi - lo;
		for (i = width; i < prev_width; i++)
			L[i] = 0.0;
	}
	*logp = L[width - 1];
	mlm_core_env->release(L);
	mlm_core_env->release(lg);
	return true;
}

/*
 * Natural log of the exact p-value p that mlm_ks2_exact_pvalue returned for
 * the same arguments.  At or above KS2_LOG_DIRECT_MIN it is log(p).  Below:
 *   two-sided, n1 == n2: log 2 + log r_0 + log1p(-P_1), r_0 as a sum of logs;
 *   two-sided, n1 != n2: the lattice recursion in log space;
 *   one-sided, n1 == n2: the product as a sum of logs;
 *   one-sided, n1 != n2: log(p).  This p is count / C(n1+n2, n1) with an
 *     integer count >= 1 and C(n1+n2, n1) <= DBL_MAX (beyond, the exact
 *     attempt fails and the caller uses the asymptotic form), so
 *     p >= 1/DBL_MAX = 5.6e-309 = 2^-1024: at most two bits below the
 *     normal range, the long double quotient rounds to 51 bits or more and
 *     log(p) is good to 1e-15 absolute.
 * NaN if scratch memory is unavailable.
 */
double
mlm_ks2_exact_logp(int64_t n1, int64_t n2, int64_t h, mlm_alternative alt, double p)
{
	double		logp;

	if (isnan(p))
		return p;
	if (p >= KS2_LOG_DIRECT_MIN || h <= 0)
		return log(p);
	if (alt == MLM_TWO_SIDED)
	{
		if (n1 == n2)
			return ks2_log_equal_two_sided(n1, h);
		if (!ks2_log_unequal_two_sided(n1, n2, mlm_gcd(n1, n2), h, &logp))
			return NAN;
		return logp;
	}
	if (n1 == n2)
		return ks2_log_equal_ratio(n1, h);
	return log(p);
}

/*
 * Natural log of mlm_ks2_asymp_pvalue's p-value (same arguments): two-sided
 * log kstwo.sf (mlm_kstwo_logsf, finite far beyond where the p-value is 0);
 * one-sided Hodges' exponent itself, capped at 0 as the p-value at 1.
 */
double
mlm_ks2_asymp_logp(int64_t n1, int64_t n2, double d, mlm_alternative alt)
{
	double		m,
				n,
				en;

	if (n1 < 1 || n2 < 1 || isnan(d))
		return NAN;
	m = (double) (n1 > n2 ? n1 : n2);
	n = (double) (n1 > n2 ? n2 : n1);
	en = m * n / (m + n);
	if (alt == MLM_TWO_SIDED)
	{
		double		ne = ks2_round_half_even(en);

		if (ne < 1.0)
			return NAN;
		return mlm_kstwo_logsf(d, (int64_t) ne);
	}
	else
	{
		double		z = sqrt(en) * d;
		double		expt = -2.0 * (z * z) - 2.0 * z * (m + 2.0 * n) / sqrt(m * n * (m + n)) / 3.0;

		if (isnan(expt))
			return expt;
		return expt < 0.0 ? expt : 0.0;
	}
}
