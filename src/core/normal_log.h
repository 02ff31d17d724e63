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

/* ln(2 (1 - Phi(|z|))), the log of mlm_norm_two_sided_p; NaN gives NaN, +-inf -inf. */
double		mlm_norm_log_two_sided_p(double z);

#endif							/* MLM_CORE_NORMAL_LOG_H */
