/*
 * chi2_logsf.c: ln chi2.sf(x, k) = ln Q(a, y), a = k/2, y = x/2.
 *
 * Three regions, so that the log is accurate to a few ulps of its own size
 * everywhere:
 *   - Q > 1/2: ln(1 - P) with P = mlm_gammainc (log1p keeps the digits a
 *     plain ln Q would lose when Q is close to 1);
 *   - 1e-300 <= Q <= 1/2: ln Q of mlm_chi2_sf (relative error of Q becomes
 *     absolute error of ln Q, which is at most ~1e-14 / 690 relative);
 *   - Q < 1e-300 (or underflowed to 0): Legendre's continued fraction for
 *     Q in log form, ln Q = a ln y - y - lgamma(a) + ln CF.  Down there y
 *     is far above a, where the fraction converges in a few terms.
 */
#include "chi2_logsf.h"

#include <math.h>

#include "gamma.h"

/* Below this Q, the log comes from the continued fraction. */
#define LOG_REGION_Q 1e-300
#define CF_TINY 1e-300
#define CF_EPS 1e-16
#define CF_MAX_ITER 1000000

/* ln Q(a, y) from the continued fraction (modified Lentz), y > a roughly. */
static double
log_upper_fraction(double a, double y)
{
	double		b = y + 1.0 - a;
	double		c = 1.0 / CF_TINY;
	double		d = 1.0 / b;
	double		h = d;
	int			i;

	for (i = 1; i < CF_MAX_ITER; i++)
	{
		double		an = -(double) i * ((double) i - a);
		double		del;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = b + an / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < CF_EPS)
			break;
	}
	return a * log(y) - y - lgamma(a) + log(h);
}

double
mlm_chi2_logsf(double x, double k)
{
	double		q;

	if (isnan(x) || isnan(k) || k <= 0.0)
		return (double) NAN;
	if (x <= 0.0)
		return 0.0;
	if (isinf(x))
		return -(double) INFINITY;
	q = mlm_chi2_sf(x, k);
	if (q > 0.5)
		return log1p(-mlm_gammainc(0.5 * k, 0.5 * x));
	if (q >= LOG_REGION_Q)
		return log(q);
	return log_upper_fraction(0.5 * k, 0.5 * x);
}
