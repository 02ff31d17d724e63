/*
 * epps_singleton.c: the Epps-Singleton test as SciPy 1.10 computes it.
 *
 * With t = (0.4, 0.8), sigma = IQR(pooled) / 2 (np.percentile, linear) and
 * ts = t / sigma, every value x maps to
 *     g(x) = (cos(ts1 x), cos(ts2 x), sin(ts1 x), sin(ts2 x)).
 * For each sample the mean of g and its covariance (divisor n) are
 * formed; est_cov = (N/n1) cov1 + (N/n2) cov2, N = n1 + n2;
 * W = N d' pinv(est_cov) d, d the difference of the means; when
 * max(n1, n2) < 25, W *= 1 / (1 + N^-0.45 + 10.1 (n1^-1.7 + n2^-1.7));
 * p = chi2.sf(W, r), r = matrix_rank(pinv(est_cov)).
 *
 * With k <= 4 distinct pooled values the covariance has rank k - 1 exactly
 * (k points g(x) span k - 1 dimensions), and only the k - 1 largest
 * eigenvalues are inverted.  SciPy inverts whatever rounding leaves above
 * pinv's cutoff 1e-15 max|lambda|: with thousands of values np.cov's
 * rounding noise can pass it, and SciPy then counts an extra degree of
 * freedom and adds the noise's share to W.  Here the sums are compensated
 * and the rank bounded, so such samples get the exact rank.
 *
 * The means and the centred cross-products (two passes, as np.cov centres
 * before multiplying) are added with Neumaier's compensated summation,
 * each run of equal values once with its count; the sums are then exact to
 * a few ulps whatever the sample size.
 */
#include "epps_singleton.h"

#include <math.h>
#include <stddef.h>

#include "gamma.h"
#include "summation.h"
#include "symeig.h"

#define NT 2					/* t = (0.4, 0.8) */
#define NG (2 * NT)				/* g(x): cos then sin */

static const double es_t[NT] = {0.4, 0.8};

/* numpy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) when t >= 0.5. */
static double
lerp(double a, double b, double t)
{
	double		diff = b - a;

	return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

/*
 * The next distinct value of the pooled sample x + y, from entries *ix of x
 * and *iy of y (both advanced past it); *seen counts the values passed.
 */
static double
pooled_next(const mlm_wsample *x, const mlm_wsample *y, int64_t *ix, int64_t *iy, int64_t *seen)
{
	double		z;

	if (*iy >= y->m || (*ix < x->m && x->v[*ix] <= y->v[*iy]))
		z = x->v[*ix];
	else
		z = y->v[*iy];
	if (*ix < x->m && x->v[*ix] == z)
		mlm_ws_next(x, ix, seen);
	if (*iy < y->m && y->v[*iy] == z)
		mlm_ws_next(y, iy, seen);
	return z;
}

/* The order statistics of the pooled sample at the ascending ranks rank[0..k). */
static void
pooled_order_stats(const mlm_wsample *x, const mlm_wsample *y, const int64_t *rank, int k, double *out)
{
	int64_t		ix = 0,
				iy = 0,
				seen = 0;
	int			j = 0;

	while (j < k && (ix < x->m || iy < y->m))
	{
		double		z = pooled_next(x, y, &ix, &iy, &seen);

		while (j < k && rank[j] < seen)
			out[j++] = z;
	}
}

double
mlm_pooled_percentile(const mlm_wsample *x, const mlm_wsample *y, double q)
{
	int64_t		n = x->n + y->n;
	double		vi = (double) (n - 1) * q;	/* numpy: (n - 1) * quantiles */
	double		lo = floor(vi);
	int64_t		rank[2];
	double		v[2];

	rank[0] = (int64_t) lo;
	rank[1] = vi >= (double) (n - 1) ? rank[0] : rank[0] + 1;
	pooled_order_stats(x, y, rank, 2, v);
	return lerp(v[0], v[1], vi - lo);
}

/*
 * Distinct values of the pooled sample, counted up to `limit`: k distinct
 * values map to k points g(x) whose covariance has rank at most k - 1.
 */
static int
pooled_distinct(const mlm_wsample *x, const mlm_wsample *y, int limit)
{
	int64_t		ix = 0,
				iy = 0,
				seen = 0;
	int			k = 0;

	for (; k < limit && (ix < x->m || iy < y->m); k++)
		(void) pooled_next(x, y, &ix, &iy, &seen);
	return k;
}

/* g(z) for the scaled t's. */
static inline void
g_of(const double *ts, double z, double *g)
{
	int			j;

	for (j = 0; j < NT; j++)
	{
		double		a = ts[j] * z;

		g[j] = cos(a);
		g[NT + j] = sin(a);
	}
}

/*
 * One pass over sample s, each run of equal values once with its count c:
 * without a centre, acc[j] += c g_j(x); with one, the centred
 * cross-products acc[(j, k)] += c (g_j - centre_j)(g_k - centre_k), k >= j,
 * packed row by row.  False when some g is not finite.
 */
static int
g_pass(const mlm_wsample *s, const double *ts, const double *centre, mlm_ksum *acc)
{
	int64_t		pos = 0;

	while (pos < s->m)
	{
		int64_t		cnt = 0;
		double		z = mlm_ws_next(s, &pos, &cnt);
		double		g[NG];
		int			j,
					k,
					c;

		g_of(ts, z, g);
		for (j = 0; j < NG; j++)
			if (!isfinite(g[j]))
				return 0;
		if (centre == NULL)
			for (j = 0; j < NG; j++)
				mlm_ksum_add(&acc[j], (double) cnt * g[j]);
		else
		{
			for (j = 0; j < NG; j++)
				g[j] -= centre[j];
			for (j = 0, c = 0; j < NG; j++)
				for (k = j; k < NG; k++, c++)
					mlm_ksum_add(&acc[c], (double) cnt * (g[j] * g[k]));
		}
	}
	return 1;
}

/*
 * Mean of g over sample s and its covariance with divisor n (row-major
 * NG x NG), np.cov's way: centre first, then multiply; false when some g
 * is not finite.
 */
static int
g_moments(const mlm_wsample *s, const double *ts, double *mean, double *cov)
{
	mlm_ksum	sum[NG] = {{0}};
	mlm_ksum	cross[NG * (NG + 1) / 2] = {{0}};
	int			j,
				k,
				c;

	if (!g_pass(s, ts, NULL, sum))
		return 0;
	for (j = 0; j < NG; j++)
		mean[j] = mlm_ksum_value(&sum[j]) / (double) s->n;
	(void) g_pass(s, ts, mean, cross);
	for (j = 0, c = 0; j < NG; j++)
		for (k = j; k < NG; k++, c++)
			cov[j * NG + k] = cov[k * NG + j] = mlm_ksum_value(&cross[c]) * (1.0 / (double) s->n);
	return 1;
}

int
mlm_epps_singleton(const mlm_wsample *x, const mlm_wsample *y, mlm_test_outcome *r)
{
	int64_t		n1 = x->n,
				n2 = y->n,
				n = n1 + n2;
	double		iqr,
				sigma,
				ts[NT],
				m1[NG],
				m2[NG],
				c1[NG * NG],
				c2[NG * NG],
				est[NG * NG],
				d[NG],
				w;
	int			j,
				rank;

	r->statistic = r->pvalue = r->log_pvalue = NAN;
	r->method = 0;
	if (n1 < MLM_ES_MIN_N || n2 < MLM_ES_MIN_N)
		return MLM_ES_TOO_FEW;
	/* scipy.stats.iqr: np.percentile(pooled, [25, 75]), then the difference */
	iqr = mlm_pooled_percentile(x, y, 0.75) - mlm_pooled_percentile(x, y, 0.25);
	if (iqr == 0.0)
		return MLM_ES_IQR_ZERO;
	sigma = iqr / 2;
	for (j = 0; j < NT; j++)
		ts[j] = es_t[j] / sigma;
	if (!isfinite(ts[0]) || !isfinite(ts[1]) ||
		!g_moments(x, ts, m1, c1) || !g_moments(y, ts, m2, c2))
		return MLM_ES_NOT_FINITE;
	for (j = 0; j < NG * NG; j++)
		est[j] = ((double) n / (double) n1) * c1[j] + ((double) n / (double) n2) * c2[j];
	for (j = 0; j < NG; j++)
		d[j] = m1[j] - m2[j];
	w = mlm_pinv_quadratic(NG, est, d, pooled_distinct(x, y, NG + 1) - 1, &rank);
	if (isnan(w))
		return MLM_ES_NOT_FINITE;
	w *= (double) n;
	if ((n1 > n2 ? n1 : n2) < 25)
		w *= 1.0 / (1.0 + pow((double) n, -0.45) +
					10.1 * (pow((double) n1, -1.7) + pow((double) n2, -1.7)));
	r->statistic = w;
	r->method = "asymp";
	if (rank > 0)
	{
		r->pvalue = mlm_chi2_sf(w, (double) rank);
		r->log_pvalue = mlm_chi2_logsf(w, (double) rank);
	}
	return MLM_ES_OK;
}
