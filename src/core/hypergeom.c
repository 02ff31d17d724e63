/*
 * hypergeom.c: hypergeometric log probabilities (hypergeom.h).
 *
 * A plain lgamma formula, ln C(g, x) + ln C(b, n - x) - ln C(g + b, n),
 * subtracts numbers of size N ln N: at N = 1e9 an ulp of them is 4e-6, so
 * the probability would be off by that much relatively.  Instead, as in
 * C. Loader, "Fast and accurate computation of binomial probabilities"
 * (2000), every binomial probability is written around its saddle point,
 *
 *     ln b(x; m, p) = s(m) - s(x) - s(m - x) - D(x, m p) - D(m - x, m q)
 *                     - ln(2 pi x (m - x) / m) / 2,
 *
 * with s the Stirling-series remainder ln x! - ln(sqrt(2 pi x) (x/e)^x)
 * (tabulated to 15, the asymptotic series above) and
 * D(x, np) = x ln(x/np) + np - x computed without cancellation (its series
 * in v = (x - np)/(x + np) when x is near np).  Every piece is small, so
 * the result is accurate to a few ulps of ln P.  Then, with p = n / N,
 *
 *     P(X = x) = b(x; g, p) b(n - x; b, p) / b(n; N, p).
 */
#include "hypergeom.h"

#include <math.h>

#define LN_2PI 1.8378770664093454836
/* s(n) for n = 0 .. 15 (s(0) is not used). */
static const double stirlerr_table[16] = {
	0.0,
	0.08106146679532725822,
	0.041340695955409294094,
	0.027677925684998339149,
	0.020790672103765093112,
	0.016644691189821192163,
	0.013876128823070747999,
	0.011896709945891770095,
	0.010411265261972096497,
	0.0092554621827127329177,
	0.0083305634333628712565,
	0.007573675487951840795,
	0.0069428401072095298657,
	0.0064089941880042070684,
	0.0059513701127588477356,
	0.005554733551962801371
};

/* The Stirling series' coefficients 1/12, 1/360, 1/1260, 1/1680, 1/1188. */
#define S0 (1.0 / 12.0)
#define S1 (1.0 / 360.0)
#define S2 (1.0 / 1260.0)
#define S3 (1.0 / 1680.0)
#define S4 (1.0 / 1188.0)

/* s(n) = ln n! - ln(sqrt(2 pi n) (n/e)^n), n >= 1. */
static double
stirlerr(double n)
{
	double		nn;

	if (n <= 15.0)
		return stirlerr_table[(int) n];
	nn = n * n;
	if (n > 500.0)
		return (S0 - S1 / nn) / n;
	if (n > 80.0)
		return (S0 - (S1 - S2 / nn) / nn) / n;
	if (n > 35.0)
		return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
	return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

/* D(x, np) = x ln(x / np) + np - x >= 0, x >= 0, np > 0. */
static double
deviance(double x, double np)
{
	if (fabs(x - np) < 0.1 * (x + np))
	{
		double		v = (x - np) / (x + np);
		double		s = (x - np) * v;
		double		ej = 2.0 * x * v;
		int			j;

		v = v * v;
		for (j = 1; j < 1000; j++)
		{
			double		s1;

			ej *= v;
			s1 = s + ej / (double) (2 * j + 1);
			if (s1 == s)
				return s1;
			s = s1;
		}
		return s;
	}
	return x * log(x / np) + np - x;
}

/* ln b(x; m, p) with q = 1 - p given separately (both exact fractions of the caller's). */
static double
log_binom(double x, double m, double p, double q)
{
	if (x < 0.0 || x > m)
		return -(double) INFINITY;
	if (p == 0.0)
		return x == 0.0 ? 0.0 : -(double) INFINITY;
	if (q == 0.0)
		return x == m ? 0.0 : -(double) INFINITY;
	if (x == 0.0)
	{
		if (m == 0.0)
			return 0.0;
		return p < 0.1 ? -deviance(m, m * q) - m * p : m * log(q);
	}
	if (x == m)
		return q < 0.1 ? -deviance(m, m * p) - m * q : m * log(p);
	return stirlerr(m) - stirlerr(x) - stirlerr(m - x) - deviance(x, m * p) - deviance(m - x, m * q)
		- 0.5 * (LN_2PI + log(x) + log1p(-x / m));
}

double
mlm_hypergeom_logpmf(int64_t x, int64_t good, int64_t bad, int64_t n)
{
	int64_t		total = good + bad;
	double		p,
				q;

	if (x < 0 || x > good || n - x < 0 || n - x > bad || n > total)
		return -(double) INFINITY;
	if (n == 0 || n == total)
		return 0.0;
	p = (double) n / (double) total;
	q = (double) (total - n) / (double) total;
	return log_binom((double) x, (double) good, p, q)
		+ log_binom((double) (n - x), (double) bad, p, q)
		- log_binom((double) n, (double) total, p, q);
}
