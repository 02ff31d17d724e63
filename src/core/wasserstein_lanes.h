/*
 * wasserstein_lanes.h: the Wasserstein distance and the population standard
 * deviation of several sorted samples at once, bit-identical to
 * mlm_wasserstein_sorted and mlm_std_population (wasserstein.h) on each.
 *
 * mlm_wasserstein_sorted walks one merge of two sorted arrays: every step
 * waits for the previous one (the next load depends on which side advanced,
 * the sum on the previous sum), and which side advances is a coin toss the
 * branch predictor loses.  Here MLM_LANES samples of the same sizes (the
 * components of an embedding) are walked together, one value a step in each,
 * without branches: the lanes' chains overlap, and a step costs a fraction
 * of a step of one merge.  The floating-point operations of each lane are
 * those of the one-sample functions in the same order, plus additions of
 * +0.0 where those consume a run of equal values at once; adding +0.0 to a
 * Neumaier sum of finite values changes no bit, so the results are
 * bit-identical.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_WASSERSTEIN_LANES_H
#define MLM_CORE_WASSERSTEIN_LANES_H

#include <stdint.h>

#ifndef MLM_LANES
#define MLM_LANES 4
#endif

/*
 * out[l] = mlm_wasserstein_sorted(a[l], na, b[l], nb, qa, qb) for l < lanes
 * (1 <= lanes <= MLM_LANES): a[l] holds na >= 1 finite values ascending and
 * a[l][na] = +INFINITY (a sentinel), likewise b[l] with nb; qa[i] = i / na
 * for i <= na and qb likewise (the CDF values, as mlm_wasserstein_sorted
 * takes them).
 */
void		mlm_wasserstein_sorted_lanes(const double *const *a, int64_t na,
										 const double *const *b, int64_t nb,
										 const double *qa, const double *qb,
										 int lanes, double *out);

/*
 * out[l] = mlm_std_population of the n >= 1 finite values x[l] ascending
 * (x[l][n] = +INFINITY, a sentinel), for l < lanes <= MLM_LANES.
 */
void		mlm_std_population_sorted_lanes(const double *const *x, int64_t n, int lanes,
											double *out);

#endif							/* MLM_CORE_WASSERSTEIN_LANES_H */
