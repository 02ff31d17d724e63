/*
 * incbeta.h: the regularized incomplete beta function in log form, and the
 * Student t tail built on it.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_INCBETA_H
#define MLM_CORE_INCBETA_H

/*
 * ln I_x(a, b), the natural log of the regularized incomplete beta function,
 * for a, b > 0 and x in [0, 1] given together with y = 1 - x (so a caller
 * that knows 1 - x without cancellation passes it).  Finite wherever
 * I_x(a, b) > 0, however small; -inf for x = 0; NaN for invalid input.
 */
double		mlm_log_incbeta(double a, double b, double x, double y);

/*
 * Two-sided Student t tail P(|T| > |t|) with df degrees of freedom,
 * I_{df/(df+t^2)}(df/2, 1/2), as its natural log (*logp) and value (the
 * return value, which may underflow to 0 where *logp stays finite).
 * t = +-inf gives 0 (log -inf); t = 0 gives 1; NaN input or df <= 0 NaN.
 */
double		mlm_t_two_sided_p(double t, double df, double *logp);

#endif							/* MLM_CORE_INCBETA_H */
