/*
 * normal_log.h: natural logs of the standard normal tails, finite and
 * accurate where the tails underflow.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_NORMAL_LOG_H
#define MLM_CORE_NORMAL_LOG_H

/* ln(1 - Phi(z)) (scipy.special.log_ndtr(-z)); NaN gives NaN, +inf -inf, -inf 0. */
double		mlm_norm_log_sf(double z);

/* The log of the two-sided tail is normal.h's mlm_norm_two_sided_logp. */

#endif							/* MLM_CORE_NORMAL_LOG_H */
