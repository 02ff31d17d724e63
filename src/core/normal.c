/*
 * normal.c - standard normal tail probabilities via erfc.
 *
 * Part of the mlmon numerics core: plain C99, no PostgreSQL headers.
 * Portions Copyright (c) the mlmon authors; distributed under the
 * PostgreSQL licence.
 *
 * 1 - Phi(z) = erfc(z / sqrt 2) / 2 (DLMF 7.2.2).  Rounding z / sqrt 2 to a
 * double perturbs the argument by up to half an ulp, and erfc(y) amplifies a
 * relative argument error by 2 y^2 (about 1300 at z = 36), which would cost
 * ~1e-13 in the far tail.  So the rounding error of y is recovered exactly
 * (sqrt(1/2) is carried as a double-double, the product error via fma) and
 * removed to first order: erfc(y + d) = erfc(y) - d 2/sqrt(pi) e^(-y^2).
 */
#include <math.h>

#include "normal.h"

/* sqrt(1/2) as a double-double. */
#define SQRT_HALF_HI 0.7071067811865476
#define SQRT_HALF_LO (-4.833646656726457e-17)
/* 2 / sqrt(pi). */
#define TWO_OVER_SQRT_PI 1.1283791670955126

/* erfc(z / sqrt 2) for finite z, with the argument rounding error corrected to first order (erfc' = -2/sqrt(pi) e^(-y^2), DLMF 7.10.1). */
static double
erfc_z_over_sqrt2(double z)
{
	double		y = z * SQRT_HALF_HI;
	double		d = fma(z, SQRT_HALF_HI, -y) + z * SQRT_HALF_LO;	/* z/sqrt2 - y */

	return erfc(y) - d * TWO_OVER_SQRT_PI * exp(-y * y);
}

/* Two-sided normal tail 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2) (DLMF 7.2.2); NaN gives NaN. */
double
mlm_norm_two_sided_p(double z)
{
	if (isnan(z))
		return z;
	if (isinf(z))
		return 0.0;
	return erfc_z_over_sqrt2(fabs(z));
}

/* Upper normal tail 1 - Phi(z) = erfc(z / sqrt 2) / 2 (DLMF 7.2.2), as scipy.special.ndtr(-z); NaN gives NaN. */
double
mlm_norm_sf(double z)
{
	if (isnan(z))
		return z;
	if (isinf(z))
		return (z > 0.0) ? 0.0 : 1.0;
	return 0.5 * erfc_z_over_sqrt2(z);
}

/* log(pi) / 2. */
#define HALF_LOG_PI 0.57236494292470008707
/* Above this a tail gives its log as log(tail); below, the asymptotic form. */
#define LOG_DIRECT_MIN 1e-300

/*
 * erfcx(y) = e^(y^2) erfc(y) for y >= 20 by its asymptotic series
 * 1/(y sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2y^2)^k (DLMF 7.12.1), summed
 * until a term drops below 1e-17 of the sum (k <= 9 at y = 20; the
 * smallest term is near k = y^2, far beyond).  The error is below the first
 * omitted term.
 */
double
mlm_erfcx_large(double y)
{
	double		r = 1.0 / (2.0 * y * y);
	double		term = 1.0;
	double		sum = 1.0;
	int			k;

	for (k = 1; k < 60; k++)
	{
		term *= -(double) (2 * k - 1) * r;
		sum += term;
		if (fabs(term) < 1e-17 * sum)
			break;
	}
	return sum / (y * 1.7724538509055160273);
}

/*
 * log(2 (1 - Phi(|z|))) = log erfc(|z| / sqrt 2): log1p(-erf(|z| / sqrt 2))
 * where p > 1/2 (accurate relative to itself as z -> 0; the rounding of
 * |z| / sqrt 2 costs 1 ulp there), log of mlm_norm_two_sided_p where that
 * is at least 1e-300; beyond (|z| > 37)
 * -z^2/2 + log erfcx(|z| / sqrt 2), finite for any finite z (-inf for
 * infinite z, NaN for NaN).  The argument rounding that matters for erfc
 * itself costs only ~1e-16 relative here.
 */
double
mlm_norm_two_sided_logp(double z)
{
	double		p = mlm_norm_two_sided_p(z),
				az,
				y;

	if (isnan(p))
		return p;
	if (p > 0.5)
		return log1p(-erf(fabs(z) * SQRT_HALF_HI));	/* relative accuracy as p -> 1 (z -> 0) */
	if (p >= LOG_DIRECT_MIN)
		return log(p);
	if (isinf(z))
		return -INFINITY;
	az = fabs(z);
	y = az * SQRT_HALF_HI;
	return -0.5 * az * az + log(mlm_erfcx_large(y));
}
