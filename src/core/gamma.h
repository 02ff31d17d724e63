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

#endif							/* MLM_CORE_GAMMA_H */
