/*
 * cvm_dist.h: the limiting distribution of the Cramer-von Mises statistic
 * (the one-sample omega^2 of infinite sample size), as SciPy 1.10 evaluates
 * it for cramervonmises_2samp's asymptotic p-value, and its upper tail in
 * log form, accurate where that p-value is tiny or underflows.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CVM_DIST_H
#define MLM_CVM_DIST_H

/* exp(-q) * K_{1/4}(q), q > 0: the modified Bessel function of the second kind, scaled. */
double		mlm_bessel_k14_scaled(double q);

/*
 * SciPy 1.10's _cdf_cvm_inf(x): Csorgo and Faraway's series, terms added
 * until the first one below 1e-7 (included).  x > 0.
 */
double		mlm_cvm_cdf_scipy(double x);

/*
 * ln P(omega^2 > x) of the limiting distribution, to about 1e-13 relative
 * for every x > 0 (finite however small the tail): the full series where
 * the tail is large, Smirnov's integral form elsewhere.
 */
double		mlm_cvm_log_sf(double x);

#endif							/* MLM_CVM_DIST_H */
