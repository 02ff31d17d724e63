/*
 * cvm_dist.c: the limiting distribution of the Cramer-von Mises statistic.
 *
 * The p-value SciPy 1.10 reports is 1 - (Csorgo and Faraway's series, cut at
 * the first term below 1e-7), so mlmon evaluates the same series with the
 * same cut: each term needs exp(-q) K_{1/4}(q), computed here from the
 * integral exp(-q) K_nu(q) = int_0^inf exp(-q (1 + cosh t)) cosh(nu t) dt
 * by the trapezoidal rule, which converges geometrically for this entire,
 * doubly-exponentially decaying integrand (step scaled to its width).
 *
 * That p-value is 1 minus a number near 1: it keeps about 1e-16 absolute
 * accuracy, so it is 0 or meaningless in relative terms far in the tail.
 * The log tail comes from Smirnov's form
 *   P(omega^2 > x) = (1/pi) sum_k (-1)^(k+1)
 *       int_{((2k-1) pi)^2}^{(2k pi)^2} sqrt(-sqrt(y) / sin sqrt(y)) exp(-x y / 2) / y dy,
 * which with y = (a_k + u)^2, a_k = (2k-1) pi, is
 *   (2/pi) sum_k (-1)^(k+1) int_0^pi exp(-x (a_k + u)^2 / 2) / sqrt((a_k + u) sin u) du.
 * Its leading factor exp(-x pi^2 / 2) is taken out in log form, so the
 * rest is of order one; each integral, with its inverse-square-root
 * endpoint singularities, is computed by tanh-sinh quadrature.  Where the
 * tail is large (x < 0.2) 1 minus the full series is as accurate and is
 * used instead.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "cvm_dist.h"

#include <math.h>

#define SCIPY_TERM_CUT 1e-7
#define SMIRNOV_FROM 0.2

double
mlm_bessel_k14_scaled(double q)
{
	/*
	 * exp(-q (1 + cosh t)) = exp(-2q) exp(-2q sinh^2(t/2)): the first factor
	 * has an exact argument, the second one of order one where it matters.
	 * The integrand is ~ exp(-q t^2 / 2) near 0 for large q: the step is a
	 * fraction of its width.
	 */
	double		h = q > 1.0 ? fmin(0.2, 0.5 / sqrt(q)) : 0.2;
	double		sum = 0.5;
	int			j;

	for (j = 1; j < 100000; j++)
	{
		double		t = j * h;
		double		sh = sinh(0.5 * t);
		double		e = 2.0 * q * sh * sh;
		double		f = exp(-e) * cosh(0.25 * t);

		sum += f;
		if (f <= sum * 1e-18 && e - 0.25 * t > 40.0)
			break;
	}
	return exp(-2.0 * q) * sum * h;
}

/* The k-th term of Csorgo and Faraway's series at x, as SciPy writes it; r = Gamma(k+1/2)/Gamma(k+1). */
static double
cvm_term(double x, int k, double r)
{
	double		u = r / (pow(M_PI, 1.5) * sqrt(x));
	double		y = 4.0 * k + 1.0;
	double		q = y * y / (16.0 * x);

	return u * sqrt(y) * mlm_bessel_k14_scaled(q);
}

double
mlm_cvm_cdf_scipy(double x)
{
	double		tot = 0.0;
	double		r = sqrt(M_PI);		/* Gamma(1/2) / Gamma(1) */
	int			k;

	for (k = 0; k < 100000; k++)
	{
		double		z = cvm_term(x, k, r);

		tot += z;
		if (!(fabs(z) >= SCIPY_TERM_CUT))
			break;
		r *= (k + 0.5) / (k + 1.0);
	}
	return tot;
}

/* The full series (terms until they no longer change the sum). */
static double
cvm_cdf_full(double x)
{
	double		tot = 0.0;
	double		r = sqrt(M_PI);
	int			k;

	for (k = 0; k < 100000; k++)
	{
		double		z = cvm_term(x, k, r);

		tot += z;
		if (z <= tot * 1e-18)
			break;
		r *= (k + 0.5) / (k + 1.0);
	}
	return tot;
}

/*
 * int_0^pi exp(-x ((a + u)^2 - pi^2) / 2) / sqrt((a + u) sin u) du by
 * tanh-sinh quadrature: u = pi / (1 + exp(-2w)), w = (pi/2) sinh t.
 */
static double
smirnov_integral(double x, double a)
{
	const double h = 1.0 / 64.0;
	const double tmax = 4.0;
	double		sum = 0.0;
	int			j;
	int			nj = (int) (tmax / h);

	for (j = -nj; j <= nj; j++)
	{
		double		t = j * h;
		double		w = M_PI_2 * sinh(t);
		double		u,
					v,			/* pi - u */
					su,
					dudt,
					f;

		/* u and pi - u each from the side where it is small, so sin u keeps its digits */
		if (w < 0)
		{
			double		e = exp(2.0 * w);

			u = M_PI * e / (1.0 + e);
			v = M_PI / (1.0 + e);
		}
		else
		{
			double		e = exp(-2.0 * w);

			u = M_PI / (1.0 + e);
			v = M_PI * e / (1.0 + e);
		}
		su = u < v ? sin(u) : sin(v);
		if (su <= 0.0)
			continue;
		/* du/dt = (du/dw) (dw/dt) = (2 u v / pi) (pi/2) cosh t */
		dudt = u * v * cosh(t);
		f = exp(-0.5 * x * ((a + u) * (a + u) - M_PI * M_PI)) / sqrt((a + u) * su);
		sum += f * dudt;
	}
	return sum * h;
}

double
mlm_cvm_log_sf(double x)
{
	double		s = 0.0;
	int			k;

	if (x < SMIRNOV_FROM)
		return log1p(-cvm_cdf_full(x));
	for (k = 1; k < 50; k++)
	{
		double		a = (2.0 * k - 1.0) * M_PI;
		double		lead = -0.5 * x * (a * a - M_PI * M_PI);	/* relative size of the k-th part */
		double		part;

		if (k > 1 && lead < -50.0)
			break;
		part = smirnov_integral(x, a);
		s += (k % 2 == 1) ? part : -part;
	}
	return -0.5 * x * M_PI * M_PI + log(2.0 / M_PI * s);
}
