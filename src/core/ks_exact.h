/*
 * ks_exact.h - p-values of the two-sample Kolmogorov-Smirnov test (mlmon numerics core)
 *
 * Plain C, no PostgreSQL headers, no global state.  Mirrors SciPy 1.10
 * scipy.stats.ks_2samp: the exact attempt (_attempt_exact_2kssamp), including
 * the cases where SciPy's attempt fails and it falls back to the asymptotic
 * formula, and that asymptotic formula.  The choice between the two (SciPy's
 * "auto" rule, max(n1, n2) <= 10000, and the lcm >= 2^31 check) is left to
 * the caller.
 *
 * Portions Copyright (c) the mlmon authors; PostgreSQL licence.
 */
#ifndef MLM_KS_EXACT_H
#define MLM_KS_EXACT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum
{
	MLM_TWO_SIDED = 0,
	MLM_LESS = 1,
	MLM_GREATER = 2
} mlm_alternative;

/* Exact p-value of the two-sample KS test for sample sizes n1, n2 and statistic D = h / lcm(n1, n2), as scipy 1.10 _attempt_exact_2kssamp computes it
   (two-sided n1==n2: Horner form of the alternating series; two-sided n1!=n2: Viehmann's 1-p lattice recursion, O(n1*n2) time, O(n2) memory, no floor (a case gives 5.5e-65);
   one-sided n1==n2: product formula; one-sided n1!=n2: Hodges path counting / binom(n1+n2,n1)).
   Returns true and sets *p on success; returns false where SciPy's exact attempt fails (floating overflow/invalid, num_paths > binom or binom infinite, p outside [0,1]) so the caller falls back to the asymptotic method like SciPy.  h == 0 gives p = 1.
   Also returns false (leaving *p alone) for invalid arguments (n1 < 1, n2 < 1, h < 0, h > lcm, lcm overflowing int64) and when scratch memory cannot be allocated.
   MLM_LESS and MLM_GREATER give the same value for a given h, as in SciPy. */
bool		mlm_ks2_exact_pvalue(int64_t n1, int64_t n2, int64_t h, mlm_alternative alt, double *p);

/* Greatest common divisor of two positive integers (Euclid). */
int64_t		mlm_gcd(int64_t a, int64_t b);

/* Asymptotic p-value as scipy 1.10: two-sided kstwo.sf(d, round_half_even(n1*n2/(n1+n2))); one-sided Hodges' exp(-2z^2 - 2z(m+2n)/(3 sqrt(mn(m+n)))), z = sqrt(en) d, m = max(n1,n2). Clipped to [0,1].
   NaN for n1 < 1 or n2 < 1, and (as SciPy, whose kstwo rejects n = 0) two-sided with n1 == n2 == 1. */
double		mlm_ks2_asymp_pvalue(int64_t n1, int64_t n2, double d, mlm_alternative alt);

/* Natural log of mlm_ks2_exact_pvalue's p-value p for the same arguments: log(p) where p >= 1e-300, else computed in log space (finite where p underflows to 0).  NaN for NaN p or when scratch memory is unavailable. */
double		mlm_ks2_exact_logp(int64_t n1, int64_t n2, int64_t h, mlm_alternative alt, double p);

/* Natural log of mlm_ks2_asymp_pvalue's p-value for the same arguments, finite where that p-value underflows to 0 (-inf only where it is exactly 0: two-sided d >= 1).  NaN where the p-value is NaN. */
double		mlm_ks2_asymp_logp(int64_t n1, int64_t n2, double d, mlm_alternative alt);

#endif							/* MLM_KS_EXACT_H */
