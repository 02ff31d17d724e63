/*
 * kolmogorov.h - one-sample Kolmogorov-Smirnov distributions (mlmon numerics core)
 *
 * Plain C, no PostgreSQL headers.  All functions are pure (no global state)
 * and safe to call concurrently.  Results are meant to agree with SciPy 1.10
 * (scipy.stats.kstwo, scipy.special.smirnov, scipy.special.kolmogorov),
 * including SciPy's choice of algorithm per (n, x) region, because some of
 * those regions are served by approximations.
 *
 * Portions Copyright (c) the mlmon authors; PostgreSQL licence.
 */
#ifndef MLM_KOLMOGOROV_H
#define MLM_KOLMOGOROV_H

#include <stdint.h>

/* P(D_n >= d) for the two-sided one-sample Kolmogorov statistic: scipy.stats.kstwo.sf(d, n) (Simard & L'Ecuyer 2011 branch structure: Ruben-Gambino edges, 2*smirnov for x>=0.5 / large n x^2, Durbin matrix (Marsaglia-Tsang-Wang), Pomeranz, Pelz-Good).
 * NaN for n < 1 or NaN d; 1 for d <= 0.5/n; 0 for d >= 1.  Returns NaN if scratch memory cannot be allocated. */
double mlm_kstwo_sf(double d, int64_t n);

/* P(D+_n >= d), exact one-sided Smirnov: scipy.special.smirnov(n, d), including SciPy's approximation for n > 1e6.
 * NaN for n < 1, NaN d, d outside [0, 1], or n > INT32_MAX (SciPy's C int argument). */
double mlm_smirnov_sf(int64_t n, double d);

/* Limiting Kolmogorov survival function: scipy.special.kolmogorov(x) (= kstwobign.sf). */
double mlm_kolmogorov_sf(double x);

/* Natural log of mlm_smirnov_sf(n, d), finite where it underflows to 0 (the lower sum carried with a separate binary exponent, and SciPy's n > 1e6 form as its exponent); -inf at d == 1. */
double mlm_smirnov_logsf(int64_t n, double d);

/* Natural log of mlm_kstwo_sf(d, n), finite where it underflows to 0 (also for n d^2 >= 370, where the sf is flushed to 0): log 2 + mlm_smirnov_logsf or log 2 + n log(1-d) in the branches that can underflow; -inf at d >= 1. */
double mlm_kstwo_logsf(double d, int64_t n);

#endif							/* MLM_KOLMOGOROV_H */
