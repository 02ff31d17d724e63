/*
 * normal_log.c: the natural log of the standard normal upper tail, finite
 * and accurate where the tail underflows.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 *
 * For z >= 0 the upper tail is half the two-sided one, whose log
 * normal.c computes in every region (log1p near 1, the erfc form, and the
 * asymptotic erfcx form where the tail underflows); for z < -1 the tail is
 * near 1 and log1p of its small complement keeps it accurate; in between,
 * the log of the erfc form.
 */
#include <math.h>

#include "normal.h"
#include "normal_log.h"

double
mlm_norm_log_sf(double z)
{
	if (isnan(z))
		return z;
	if (z >= 0.0)
		return mlm_norm_two_sided_logp(z) - M_LN2;
	if (z < -1.0)
		return log1p(-mlm_norm_sf(-z));	/* 1 - Phi(z) = 1 - (1 - Phi(-z)) */
	return log(mlm_norm_sf(z));
}
