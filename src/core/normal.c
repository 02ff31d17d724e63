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
