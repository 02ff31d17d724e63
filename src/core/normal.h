/*
 * normal.h - standard normal tail probabilities.
 *
 * Part of the mlmon numerics core: plain C99, no PostgreSQL headers.
 * Portions Copyright (c) the mlmon authors; distributed under the
 * PostgreSQL licence.
 */
#ifndef MLM_CORE_NORMAL_H
#define MLM_CORE_NORMAL_H

/* Two-sided normal tail 2*(1 - Phi(|z|)) computed as erfc(|z|/sqrt 2) so tiny values do not round to 0 (e.g. z=35.777 -> 2.5091580967637145e-280). */
double mlm_norm_two_sided_p(double z);

/* Upper normal tail 1 - Phi(z) = erfc(z/sqrt2)/2 (scipy.special.ndtr(-z)). */
double mlm_norm_sf(double z);

/* Natural log of mlm_norm_two_sided_p(z), finite where it underflows to 0 (asymptotic expansion of log erfc); -inf for infinite z. */
double mlm_norm_two_sided_logp(double z);

/* Scaled complementary error function e^(y^2) erfc(y) for y >= 20 (asymptotic series, error below 1e-16 relative). */
double mlm_erfcx_large(double y);

#endif							/* MLM_CORE_NORMAL_H */
