/*
 * incbeta.c: the regularized incomplete beta function I_x(a, b) in log
 * form, and the Student t tail.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 *
 * I_x(a, b) = x^a y^b / (a B(a, b)) * CF, y = 1 - x, where CF is the
 * continued fraction of DLMF 8.17.22, evaluated by the modified Lentz
 * method; it converges fast for x < (a + 1) / (a + b + 2), and on the
 * other side I_x(a, b) = 1 - I_y(b, a) (DLMF 8.17.4).  Everything before
 * the continued fraction is summed as logarithms, so ln I stays finite and
 * accurate where I underflows (a t statistic of 1e3 on large samples gives
 * p near 1e-200000).  ln B(a, b) for a large argument is written so that the
 * big terms of ln Gamma cancel analytically (log1p of the ratio), not in
 * floating point: ln Gamma(big) - ln Gamma(big + small) from Stirling's
 * series (DLMF 5.11.1).
 */
#include <float.h>
#include <math.h>

#include "incbeta.h"

#define CF_MAX_ITER 100000
#define CF_TINY 1e-300
#define LN_SQRT_2PI 0.91893853320467274178

/* Stirling's correction ln Gamma(z) - ((z - 1/2) ln z - z + ln sqrt(2 pi)) for z >= 20 (DLMF 5.11.1). */
static double
stirling_tail(double z)
{
	double		r = 1.0 / z;
	double		r2 = r * r;

	return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188)))));
}

/* ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), a, b > 0. */
static double
log_beta(double a, double b)
{
	double		big = fmax(a, b);
	double		small = fmin(a, b);

	if (big < 20.0)
		return lgamma(a) + lgamma(b) - lgamma(a + b);
	/* ln Gamma(big) - ln Gamma(big + small), the (z - 1/2) ln z terms cancelled through log1p */
	return lgamma(small) - (big - 0.5) * log1p(small / big) - small * log(big + small) + small +
		stirling_tail(big) - stirling_tail(big + small);
}

/* The continued fraction of I_x(a, b) (DLMF 8.17.22), modified Lentz. */
static double
incbeta_cf(double a, double b, double x)
{
	double		c = 1.0;
	double		d = 1.0 - (a + b) * x / (a + 1.0);
	double		h;
	int			m;

	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= CF_MAX_ITER; m++)
	{
		double		m2 = 2.0 * m;
		double		aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
		double		del;

		d = 1.0 + aa * d;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < DBL_EPSILON)
			break;
	}
	return h;
}

/* ln I_x(a, b) from the continued fraction, for x below the switch point; lnx = ln x, lny = ln y. */
static double
log_incbeta_direct(double a, double b, double x, double lnx, double lny)
{
	if (x == 0.0 && isinf(lnx))
		return -INFINITY;
	return a * lnx + b * lny - log_beta(a, b) - log(a) + log(incbeta_cf(a, b, x));
}

/* ln I_x(a, b) given x, y = 1 - x and their logs. */
static double
log_incbeta_parts(double a, double b, double x, double y, double lnx, double lny)
{
	if (isnan(a) || isnan(b) || isnan(x) || isnan(y) || a <= 0.0 || b <= 0.0 || x < 0.0 || y < 0.0)
		return NAN;
	if (x == 0.0 && isinf(lnx))
		return -INFINITY;
	if (y == 0.0 && isinf(lny))
		return 0.0;
	if (x <= (a + 1.0) / (a + b + 2.0))
		return log_incbeta_direct(a, b, x, lnx, lny);
	/* I_x(a, b) = 1 - I_y(b, a): here I_y(b, a) is not close to 1 */
	return log1p(-exp(log_incbeta_direct(b, a, y, lny, lnx)));
}

double
mlm_log_incbeta(double a, double b, double x, double y)
{
	return log_incbeta_parts(a, b, x, y, log(x), log(y));
}

double
mlm_t_two_sided_p(double t, double df, double *logp)
{
	double		r,
				lnx,
				lny;

	if (isnan(t) || isnan(df) || df <= 0.0)
	{
		*logp = NAN;
		return NAN;
	}
	if (isinf(t))
	{
		*logp = -INFINITY;
		return 0.0;
	}
	if (t == 0.0)
	{
		*logp = 0.0;
		return 1.0;
	}
	/* x = df / (df + t^2) = 1 / (1 + r), y = r / (1 + r), r = t^2 / df, without forming 1 - x */
	r = (t / df) * t;
	if (isinf(r))
	{
		/* t^2 overflows: ln x = ln df - 2 ln |t|, ln y = 0 */
		lnx = log(df) - 2.0 * log(fabs(t));
		*logp = log_incbeta_parts(0.5 * df, 0.5, exp(lnx), 1.0, lnx, 0.0);
	}
	else
	{
		lnx = -log1p(r);
		lny = log(r) - log1p(r);
		*logp = log_incbeta_parts(0.5 * df, 0.5, 1.0 / (1.0 + r), r / (1.0 + r), lnx, lny);
	}
	return exp(*logp);
}
