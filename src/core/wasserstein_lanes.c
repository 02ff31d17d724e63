/*
 * wasserstein_lanes.c: W1 and the population std of MLM_LANES sorted
 * samples at once (wasserstein_lanes.h).
 *
 * Every lane does, value after value, what the one-sample loops do run
 * after run:
 * - the merge takes the smaller head (the first sample's on a tie, as
 *   x <= y does there), adds gap * (z - prev) and recomputes the gap from
 *   the positions reached.  Inside a run of equal values z - prev is 0 and
 *   the term +0.0; the gap after the run's last value is the one the
 *   one-sample loop computes after consuming the run, so the terms between
 *   distinct values are the same products of the same operands;
 * - the std adds count * value at the last value of each run of equal
 *   values and +0.0 elsewhere.  mlm_ws_next gives the run's first value;
 *   the last one is equal to it, or is the other zero when the run mixes
 *   -0.0 and 0.0: then count * value is a zero either way (adding either
 *   leaves the sum unchanged) and value - mean squared is the same.
 * Adding +0.0 to a Neumaier sum leaves it unchanged: t = s + 0 = s, and the
 * correction gains (s - t) + 0 = +0.0.  The sentinels (+INFINITY after the
 * last value) make "the other sample is exhausted" and "the run ends at the
 * last value" ordinary comparisons.
 *
 * The Neumaier step is written with a select rather than a branch (both
 * candidates are computed, one kept): the same value as mlm_ksum_add.
 */
#include "wasserstein_lanes.h"

#include <math.h>
#include <stddef.h>

#define L MLM_LANES

/* mlm_ksum_add without a branch: the same result. */
#define KSUM_ADD(s, c, x) \
	do { \
		double		t_ = (s) + (x); \
		double		big_ = (s) - t_ + (x); \
		double		small_ = (x) - t_ + (s); \
		(c) += fabs(s) >= fabs(x) ? big_ : small_; \
		(s) = t_; \
	} while (0)

void
mlm_wasserstein_sorted_lanes(const double *const *a, int64_t na,
							 const double *const *b, int64_t nb,
							 const double *qa, const double *qb,
							 int lanes, double *out)
{
	const double *pa[L],
			   *pb[L];
	int64_t		iu[L],
				iv[L];
	double		s[L],
				c[L],
				gap[L],
				prev[L];
	int64_t		steps = na + nb;

	/* unused lanes repeat lane 0 (their results are dropped) */
	for (int l = 0; l < L; l++)
	{
		int			k = l < lanes ? l : 0;
		double		x,
					y;
		int			ta;

		pa[l] = a[k];
		pb[l] = b[k];
		x = pa[l][0];
		y = pb[l][0];
		ta = x <= y;
		iu[l] = ta;
		iv[l] = 1 - ta;
		gap[l] = fabs(qa[iu[l]] - qb[iv[l]]);
		prev[l] = ta ? x : y;
		s[l] = 0.0;
		c[l] = 0.0;
	}
	for (int64_t step = 1; step < steps; step++)
	{
#pragma GCC unroll 8
		for (int l = 0; l < L; l++)
		{
			double		x = pa[l][iu[l]],
						y = pb[l][iv[l]];
			int			ta = x <= y;
			double		z = ta ? x : y;
			double		term = gap[l] * (z - prev[l]);

			KSUM_ADD(s[l], c[l], term);
			iu[l] += ta;
			iv[l] += 1 - ta;
			gap[l] = fabs(qa[iu[l]] - qb[iv[l]]);
			prev[l] = z;
		}
	}
	for (int l = 0; l < lanes; l++)
		out[l] = s[l] + c[l];
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/*
 * Lane l's Neumaier sum, over the runs of equal values of p[l][0..n), of
 * count * value (mean NULL) or of count * (value - mean[l])^2, into out[l].
 * Inlined where mean is a constant, so that neither pass tests it.
 */
static ALWAYS_INLINE void
run_sums(const double *const *p, int64_t n, const double *mean, double *out)
{
	double		s[L] = {0},
				c[L] = {0};
	int64_t		start[L] = {0};

	for (int64_t i = 0; i < n; i++)
	{
#pragma GCC unroll 8
		for (int l = 0; l < L; l++)
		{
			double		v = p[l][i];
			int			last = p[l][i + 1] != v;
			double		dv = mean ? v - mean[l] : 0.0;
			double		x = mean ? dv * dv : v;
			double		add = last ? (double) (i + 1 - start[l]) * x : 0.0;

			KSUM_ADD(s[l], c[l], add);
			start[l] = last ? i + 1 : start[l];
		}
	}
	for (int l = 0; l < L; l++)
		out[l] = s[l] + c[l];
}

void
mlm_std_population_sorted_lanes(const double *const *x, int64_t n, int lanes, double *out)
{
	const double *p[L];
	double		sum[L],
				mean[L];

	for (int l = 0; l < L; l++)
		p[l] = x[l < lanes ? l : 0];
	/* the mean, then the sum of squares about it */
	run_sums(p, n, NULL, sum);
	for (int l = 0; l < L; l++)
		mean[l] = sum[l] / (double) n;
	run_sums(p, n, mean, sum);
	for (int l = 0; l < lanes; l++)
		out[l] = sqrt(sum[l] / (double) n);
}
