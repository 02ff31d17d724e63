/*
 * chi2_logsf.h: the natural log of the chi-square survival function,
 * finite where the survival function itself underflows to 0.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_CHI2_LOGSF_H
#define MLM_CORE_CHI2_LOGSF_H

/*
 * ln Q(k/2, x/2) = ln chi2.sf(x, k): 0 for x <= 0, -inf for x = +inf,
 * NaN for NaN arguments or k <= 0.
 */
double		mlm_chi2_logsf(double x, double k);

#endif							/* MLM_CORE_CHI2_LOGSF_H */
