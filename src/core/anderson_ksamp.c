/*
 * anderson_ksamp.c: the two-sample Anderson-Darling test, midrank form
 * (Scholz and Stephens 1987, eq. 7), as SciPy 1.10's anderson_ksamp.
 *
 * For two samples the terms of the two samples at a distinct value z_j are
 * equal up to the factor 1/n_i (N M_2j - B_j n_2 = -(N M_1j - B_j n_1)),
 * so A2akN = (N-1)/N^2 (1/m + 1/n) sum_j l_j num_j^2 / den_j with the
 * integers num_j = 2 (N M_1j - B_j m) and den_j = 4 (B_j (N - B_j) - N l_j / 4)
 * (M and B are half-integers).  Each term is positive and rounded a couple
 * of times, and the sum is compensated.  sigma_N^2 follows SciPy's formula
 * with compensated harmonic sums.
 *
 * The p-value is SciPy's interpolation: a least-squares quadratic through
 * (critical value, ln significance level) for the 7 tabulated levels,
 * solved here by Householder QR (numpy.polyfit's least squares), applied
 * to the statistic inside the table's range; 0.25 below it and 0.001
 * above it, as SciPy 1.10 returns (with a warning) there.
 *
 * The distinct values are walked in two weighted sorted samples (wsample.h),
 * so a profile's counts are never expanded and a raw sample and a profile
 * of the same values give the same terms.  sigma_N's harmonic sums take
 * O(N) steps (N the number of values, not of distinct values: about 3 ns
 * each), with a chance to cancel every million.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "anderson_ksamp.h"

#include <math.h>
#include <stddef.h>

#include "env.h"
#include "summation.h"

#define AD_LEVELS 7

static const double ad_b0[AD_LEVELS] = {0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085};
static const double ad_b1[AD_LEVELS] = {-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615};
static const double ad_b2[AD_LEVELS] = {-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154};
static const double ad_sig[AD_LEVELS] = {0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001};

/*
 * Least-squares fit of y ~ c0 x^2 + c1 x + c2 over n points (n <= 8) by
 * Householder QR of the Vandermonde matrix.
 */
static void
quadratic_fit(const double *x, const double *y, int n, double c[3])
{
	double		a[AD_LEVELS][3];
	double		b[AD_LEVELS];
	int			i,
				j,
				k;

	for (i = 0; i < n; i++)
	{
		a[i][0] = x[i] * x[i];
		a[i][1] = x[i];
		a[i][2] = 1.0;
		b[i] = y[i];
	}
	for (k = 0; k < 3; k++)
	{
		double		norm = 0.0,
					alpha,
					vtv;
		double		v[AD_LEVELS];

		for (i = k; i < n; i++)
			norm += a[i][k] * a[i][k];
		norm = sqrt(norm);
		alpha = a[k][k] > 0 ? -norm : norm;
		for (i = 0; i < n; i++)
			v[i] = i < k ? 0.0 : a[i][k];
		v[k] -= alpha;
		vtv = 0.0;
		for (i = k; i < n; i++)
			vtv += v[i] * v[i];
		if (vtv == 0.0)
			continue;
		for (j = k; j < 3; j++)
		{
			double		s = 0.0;

			for (i = k; i < n; i++)
				s += v[i] * a[i][j];
			s = 2.0 * s / vtv;
			for (i = k; i < n; i++)
				a[i][j] -= s * v[i];
		}
		{
			double		s = 0.0;

			for (i = k; i < n; i++)
				s += v[i] * b[i];
			s = 2.0 * s / vtv;
			for (i = k; i < n; i++)
				b[i] -= s * v[i];
		}
	}
	for (k = 2; k >= 0; k--)
	{
		double		s = b[k];

		for (j = k + 1; j < 3; j++)
			s -= a[k][j] * c[j];
		c[k] = s / a[k][k];
	}
}

/* ln p of SciPy's interpolation at statistic a2 (k = 2 samples: m = 1). */
static double
ad_log_significance(double a2, double *p)
{
	double		crit[AD_LEVELS];
	double		lsig[AD_LEVELS];
	double		cmin = INFINITY,
				cmax = -INFINITY,
				c[3],
				lp;
	int			i;

	for (i = 0; i < AD_LEVELS; i++)
	{
		/* b0 + b1 / sqrt(m) + b2 / m with m = 1, in SciPy's order */
		crit[i] = ad_b0[i] + ad_b1[i] / 1.0 + ad_b2[i] / 1.0;
		lsig[i] = log(ad_sig[i]);
		cmin = fmin(cmin, crit[i]);
		cmax = fmax(cmax, crit[i]);
	}
	if (a2 < cmin)
	{
		*p = ad_sig[0];
		return lsig[0];
	}
	if (a2 > cmax)
	{
		*p = ad_sig[AD_LEVELS - 1];
		return lsig[AD_LEVELS - 1];
	}
	quadratic_fit(crit, lsig, AD_LEVELS, c);
	lp = (c[0] * a2 + c[1]) * a2 + c[2];
	*p = exp(lp);
	return lp;
}

int
mlm_anderson_ksamp(const mlm_wsample *x, const mlm_wsample *y, mlm_test_outcome *out)
{
	int64_t		m = x->n,
				n = y->n;
	int64_t		N = m + n;
	int64_t		i = 0,
				j = 0,			/* entries consumed */
				ci = 0,
				cj = 0,			/* values consumed */
				distinct = 0;
	int			small = N < ((int64_t) 1 << 31);
	mlm_ksum	sum = {0, 0};
	mlm_ksum	hs = {0, 0};
	mlm_ksum	gs = {0, 0};
	double		a2kn,
				H,
				h,
				g,
				a,
				b,
				c,
				d,
				sigmasq,
				dN = (double) N,
				a2;
	int64_t		kk;

	out->statistic = out->pvalue = out->log_pvalue = NAN;
	out->method = NULL;
	if (m < 1 || n < 1 || N < 4)
		return MLM_AD_UNDEFINED;

	/* walk the distinct values of the pooled sample */
	while (i < x->m || j < y->m)
	{
		double		v = (j >= y->m || (i < x->m && x->v[i] <= y->v[j])) ? x->v[i] : y->v[j];
		int64_t		tx = mlm_ws_take(x, &i, v),
					ty = mlm_ws_take(y, &j, v),
					lj = tx + ty,
					left = ci + cj;
		double		num,
					den;

		/* 2 B_j = 2 left + l_j; 2 M_1j = 2 (ci + tx) - tx = 2 ci + tx: 64 bits hold it below 2^31 values */
		if (small)
			num = (double) (N * (2 * ci + tx) - (2 * left + lj) * m);
		else
			num = (double) ((__int128) N * (2 * ci + tx) - (__int128) (2 * left + lj) * m);
		den = (double) (2 * left + lj) * (double) (2 * N - 2 * left - lj) - (double) N * (double) lj;
		if (den > 0)
			mlm_ksum_add(&sum, (double) lj * (num * num) / den);
		ci += tx;
		cj += ty;
		distinct++;
	}
	if (distinct < 2)
		return MLM_AD_UNDEFINED;
	a2kn = mlm_ksum_value(&sum) * (1.0 / m + 1.0 / n) / dN * (dN - 1.0) / dN;

	/* SciPy: hs_cs = cumsum(1 / arange(N-1, 1, -1)); h = hs_cs[-1] + 1; g = sum(hs_cs / arange(2, N)) */
	for (kk = N - 1; kk >= 2; kk--)
	{
		/* hs_cs[N-1-kk] sums 1/(N-1) .. 1/kk and is divided by arange(2, N)[N-1-kk] = N + 1 - kk */
		mlm_ksum_add(&hs, 1.0 / kk);
		mlm_ksum_add(&gs, mlm_ksum_value(&hs) / (double) (N + 1 - kk));
		/* a profile may stand for billions of values: let a query be cancelled */
		if (kk % ((int64_t) MLM_CANCEL_INTERVAL * 1024) == 0)
			mlm_core_env->check_cancel();
	}
	h = mlm_ksum_value(&hs) + 1.0;
	g = mlm_ksum_value(&gs);
	H = 1.0 / m + 1.0 / n;
	/* k = 2 samples */
	a = (4 * g - 6) * 1 + (10 - 6 * g) * H;
	b = (2 * g - 4) * 4 + 8 * h * 2 + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
	c = (6 * h + 2 * g - 2) * 4 + (4 * h - 4 * g + 6) * 2 + (2 * h - 6) * H + 4 * h;
	d = (2 * h + 6) * 4 - 4 * h * 2;
	sigmasq = (a * dN * dN * dN + b * dN * dN + c * dN + d) / ((dN - 1.0) * (dN - 2.0) * (dN - 3.0));
	a2 = (a2kn - 1.0) / sqrt(sigmasq);

	out->statistic = a2;
	out->log_pvalue = ad_log_significance(a2, &out->pvalue);
	out->method = "midrank";
	return MLM_AD_OK;
}
