/*
 * gamma.h - regularized incomplete gamma functions and the chi-square tail.
 *
 * Part of the mlmon numerics core: plain C99, no PostgreSQL headers.
 * Portions Copyright (c) the mlmon authors; distributed under the
 * PostgreSQL licence.
 */
#ifndef MLM_CORE_GAMMA_H
#define MLM_CORE_GAMMA_H

/* Regularized upper incomplete gamma Q(a, x) (scipy.special.gammaincc). */
double mlm_gammaincc(double a, double x);

/* Regularized lower incomplete gamma P(a, x) (scipy.special.gammainc). */
double mlm_gammainc(double a, double x);

/* Chi-square survival function with k degrees of freedom: Q(k/2, x/2) (scipy.stats.chi2.sf); x <= 0 gives 1; k <= 0 or NaN input gives NaN. */
double mlm_chi2_sf(double x, double k);

/* Natural log of Q(a, x), finite where Q underflows to 0 (log prefactor plus continued fraction, or Temme's expansion); -inf for x = +inf. */
double mlm_log_gammaincc(double a, double x);

/* Natural log of mlm_chi2_sf(x, k), finite where the survival function underflows to 0. */
double mlm_chi2_logsf(double x, double k);

#endif							/* MLM_CORE_GAMMA_H */
