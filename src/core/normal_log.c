/*
 * normal_log.c: natural logs of the standard normal tails of normal.c.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 *
 * Three regions: where the tail is near 1, log1p of the small complement
 * (relative accuracy as the log goes to 0); where the tail is a normal
 * double above 1e-267, the log of normal.c's erfc form (its relative error
 * of about 1e-16 becomes an absolute one in the log); beyond z = 35, where
 * the tail approaches the end of the double range, the asymptotic series
 * ln(1 - Phi(z)) = -z^2/2 - ln z - ln sqrt(2 pi) + ln(1 - 1/z^2 + 3/z^4 - ...)
 * (DLMF 7.12.1), whose terms at z >= 35 fall below 1e-19 from the 8th on.
 */
#include <math.h>

#include "normal.h"
#include "normal_log.h"

#define NORM_LOG_ASYMP_Z 35.0
#define LN_SQRT_2PI 0.91893853320467274178
#define SQRT_HALF 0.7071067811865476

/* ln(1 - Phi(z)) for z > NORM_LOG_ASYMP_Z by the asymptotic series (12 terms). */
static double
log_sf_asymptotic(double z)
{
	double		r = 1.0 / (z * z);
	double		term = 1.0;
	double		sum = 1.0;
	int			k;

	if (isinf(z))
		return -INFINITY;
	for (k = 1; k <= 12; k++)
	{
		term *= -(2 * k - 1) * r;
		sum += term;
	}
	return -0.5 * z * z - log(z) - LN_SQRT_2PI + log(sum);
}

double
mlm_norm_log_sf(double z)
{
	if (isnan(z))
		return z;
	if (z > NORM_LOG_ASYMP_Z)
		return log_sf_asymptotic(z);
	if (z < -1.0)
		return log1p(-mlm_norm_sf(-z));	/* 1 - Phi(z) = 1 - (1 - Phi(-z)) */
	return log(mlm_norm_sf(z));
}

double
mlm_norm_log_two_sided_p(double z)
{
	double		a;

	if (isnan(z))
		return z;
	a = fabs(z);
	if (a > NORM_LOG_ASYMP_Z)
		return M_LN2 + log_sf_asymptotic(a);
	if (a < 0.5)
		return log1p(-erf(a * SQRT_HALF));
	return log(mlm_norm_two_sided_p(a));
}
