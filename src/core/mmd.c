/*
 * mmd.c: Evidently's empirical maximum mean discrepancy test, reproducible
 * (the definition is in mmd.h): the kernel scale by an exact selection of
 * the median squared difference, the pooled kernel over the distinct
 * values, and the relabellings by Fisher-Yates shuffles from SplitMix64.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "mmd.h"

#include <math.h>
#include <string.h>

#include "env.h"
#include "splitmix64.h"
#include "summation.h"

/* The distinct values of a sample with their counts (arrays of sample->m). */
static int64_t
distinct_of(const mlm_wsample *s, double *v, int64_t *w)
{
	int64_t		pos = 0,
				k = 0;

	while (pos < s->m)
	{
		int64_t		c = 0;

		v[k] = mlm_ws_next(s, &pos, &c);
		w[k++] = c;
	}
	return k;
}

static inline double
sqdiff(double hi, double lo)
{
	double		d = hi - lo;

	return d * d;
}

/*
 * Number of the n^2 ordered pairs (diagonal included) of the sample
 * (k distinct ascending values v, counts w, cum[i] = w[0] + ... + w[i-1])
 * whose squared difference is <= x (x >= 0).  The squared difference of
 * v[l] and v[j] grows with l and falls with j (rounding is monotone), so the
 * first j within x only moves forward as l grows.
 */
static uint64_t
count_upto(const double *v, const int64_t *w, const uint64_t *cum, int64_t k, double x)
{
	uint64_t	c = 0;
	int64_t		j = 0,
				l;

	for (l = 0; l < k; l++)
	{
		uint64_t	wl = (uint64_t) w[l];

		while (j < l && sqdiff(v[l], v[j]) > x)
			j++;
		c += wl * wl + 2 * wl * (cum[l] - cum[j]);
	}
	return c;
}

static inline double
double_of_bits(uint64_t b)
{
	double		x;

	memcpy(&x, &b, sizeof x);
	return x;
}

static inline uint64_t
bits_of_double(double x)
{
	uint64_t	b;

	memcpy(&b, &x, sizeof b);
	return b;
}

/*
 * numpy's percentile(50, 'nearest') of the n^2 squared differences: the
 * element of 0-based rank round-half-even((n^2 - 1)/2) = (n^2 - 1)/2 (n odd)
 * or n^2/2 (n even: (n^2 - 1)/2 ends in .5 and n^2/2 is the even
 * neighbour).  The smallest non-negative double x with count_upto(x) > rank
 * is that element: a binary search over the ordered bit patterns of the
 * doubles in [0, largest squared difference] (at most 63 counts).
 */
static double
median_sqdiff(const double *v, const int64_t *w, uint64_t *cum, int64_t k)
{
	uint64_t	n = 0,
				rank,
				lo,
				hi;
	int64_t		i;

	for (i = 0; i < k; i++)
	{
		cum[i] = n;
		n += (uint64_t) w[i];
	}
	cum[k] = n;
	rank = (n % 2 == 1) ? (n * n - 1) / 2 : n * n / 2;
	lo = bits_of_double(0.0);
	hi = bits_of_double(sqdiff(v[k - 1], v[0]));
	while (lo < hi)
	{
		uint64_t	mid = lo + (hi - lo) / 2;

		if (count_upto(v, w, cum, k, double_of_bits(mid)) > rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	return double_of_bits(lo);
}

double
mlm_mmd_median_sqdiff(const mlm_wsample *ref)
{
	double	   *v = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) ref->m);
	int64_t    *w = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) ref->m);
	uint64_t   *cum = (uint64_t *) mlm_core_env->alloc(sizeof(uint64_t) * (size_t) (ref->m + 1));
	double		med = NAN;

	if (v != NULL && w != NULL && cum != NULL)
		med = median_sqdiff(v, w, cum, distinct_of(ref, v, w));
	mlm_core_env->release(v);
	mlm_core_env->release(w);
	mlm_core_env->release(cum);
	return med;
}

/* The pooled problem: distinct values, counts, kernel triangle, rows. */
typedef struct mmd_pool
{
	int64_t		d;				/* distinct pooled values */
	int64_t		n,
				m;				/* reference and current rows */
	double	   *u;				/* the distinct values, ascending */
	int64_t    *tot;			/* pooled count of each */
	int64_t    *refc;			/* reference count of each (observed split) */
	double	   *kern;			/* k(u[i], u[j]), i < j, row after row */
	double	   *r,
			   *s;				/* a split's reference and current counts */
	int64_t    *cnt;			/* a relabelling's reference counts */
	int32_t    *canon;			/* the rows (as indexes into u), canonical order */
	int32_t    *work;			/* a relabelling's shuffle */
} mmd_pool;

/* Index of entry (i, i+1) of the kernel triangle: row i holds j = i+1 .. d-1. */
static inline int64_t
kernel_row(const mmd_pool *p, int64_t i)
{
	return (i * (2 * p->d - i - 1)) / 2;
}

/* Terms summed plainly before a block's sum joins a row's compensated sum. */
#define MMD_BLOCK 32

/*
 * MMD^2 of the split with reference counts rc[i] of u[i]: over the distinct
 * values in ascending order, so the result depends on the counts only.
 * Row i's sums a = sum_{j>i} r_j k_ij and b = sum_{j>i} s_j k_ij add blocks
 * of MMD_BLOCK plain terms to Neumaier sums (mlm_ksum), as do the totals
 * over the rows: the error stays a few ulps of the terms whatever D is.
 */
static double
mmd_of_counts(const mmd_pool *p, const int64_t *rc)
{
	mlm_ksum	pxx = {0.0, 0.0},
				pyy = {0.0, 0.0},
				pxy = {0.0, 0.0};
	int64_t		ixx = 0,
				iyy = 0,
				ixy = 0;
	double		sxx,
				syy,
				sxy;
	int64_t		i,
				j;

	for (i = 0; i < p->d; i++)
	{
		p->r[i] = (double) rc[i];
		p->s[i] = (double) (p->tot[i] - rc[i]);
	}
	for (i = 0; i < p->d; i++)
	{
		const double *row = p->kern + kernel_row(p, i);
		int64_t		ri = rc[i],
					si = p->tot[i] - rc[i];
		mlm_ksum	ka = {0.0, 0.0},
					kb = {0.0, 0.0};
		double		a,
					b;

		for (j = i + 1; j < p->d; j += MMD_BLOCK)
		{
			int64_t		end = j + MMD_BLOCK < p->d ? j + MMD_BLOCK : p->d,
						l;
			double		ba = 0.0,
						bb = 0.0;

			for (l = j; l < end; l++)
			{
				ba += p->r[l] * row[l - i - 1];
				bb += p->s[l] * row[l - i - 1];
			}
			mlm_ksum_add(&ka, ba);
			mlm_ksum_add(&kb, bb);
		}
		a = mlm_ksum_value(&ka);
		b = mlm_ksum_value(&kb);
		mlm_ksum_add(&pxx, p->r[i] * a);
		mlm_ksum_add(&pyy, p->s[i] * b);
		mlm_ksum_add(&pxy, p->r[i] * b);
		mlm_ksum_add(&pxy, p->s[i] * a);
		/* pairs of distinct rows of equal value: k = 1 */
		ixx += ri * (ri - 1);
		iyy += si * (si - 1);
		ixy += ri * si;
		if ((i & 63) == 63)
			mlm_core_env->check_cancel();
	}
	sxx = 2.0 * mlm_ksum_value(&pxx) + (double) ixx;
	syy = 2.0 * mlm_ksum_value(&pyy) + (double) iyy;
	sxy = mlm_ksum_value(&pxy) + (double) ixy;
	return sxx / ((double) p->n * (double) (p->n - 1))
		+ syy / ((double) p->m * (double) (p->m - 1))
		- 2.0 * (sxy / ((double) p->n * (double) p->m));
}

/* One relabelling: shuffle a fresh copy of the canonical rows, count the first n. */
static double
relabel(mmd_pool *p, mlm_splitmix64 *g)
{
	int64_t		total = p->n + p->m,
				i;

	memcpy(p->work, p->canon, sizeof(int32_t) * (size_t) total);
	for (i = total - 1; i >= 1; i--)
	{
		int64_t		j = (int64_t) mlm_splitmix64_below(g, (uint64_t) (i + 1));
		int32_t		t = p->work[i];

		p->work[i] = p->work[j];
		p->work[j] = t;
		if ((i & 0xffff) == 0)
			mlm_core_env->check_cancel();
	}
	memset(p->cnt, 0, sizeof(int64_t) * (size_t) p->d);
	for (i = 0; i < p->n; i++)
		p->cnt[p->work[i]]++;
	return mmd_of_counts(p, p->cnt);
}

/* Fill u, tot, refc from the two samples' distinct values (merge); returns their number. */
static int64_t
pool_values(mmd_pool *p, const double *rv, const int64_t *rw, int64_t rk,
			const double *cv, const int64_t *cw, int64_t ck)
{
	int64_t		i = 0,
				j = 0,
				d = 0;

	while (i < rk || j < ck)
	{
		double		x = (j >= ck || (i < rk && rv[i] <= cv[j])) ? rv[i] : cv[j];
		int64_t		a = (i < rk && rv[i] == x) ? rw[i++] : 0;
		int64_t		b = (j < ck && cv[j] == x) ? cw[j++] : 0;

		p->u[d] = x;
		p->refc[d] = a;
		p->tot[d] = a + b;
		d++;
	}
	return d;
}

mlm_mmd_rc
mlm_mmd(const mlm_wsample *ref, const mlm_wsample *cur, int permutations, uint64_t seed,
		mlm_test_outcome *out)
{
	mmd_pool	p;
	double	   *rv,
			   *cv;
	int64_t    *rw,
			   *cw;
	uint64_t   *cum;
	int64_t		rk,
				ck,
				i,
				j,
				pos,
				hits = 0;
	double		scale,
				observed;
	mlm_splitmix64 g;
	mlm_mmd_rc	rc = MLM_MMD_OK;
	int			b;

	if (ref->n < 2 || cur->n < 2)
		return MLM_MMD_TOO_FEW;
	if (ref->n + cur->n > MLM_MMD_MAX_ROWS)
		return MLM_MMD_TOO_MANY_ROWS;
	memset(&p, 0, sizeof p);
	p.n = ref->n;
	p.m = cur->n;

	/* the distinct values of each sample and of both */
	rv = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) ref->m);
	rw = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) ref->m);
	cum = (uint64_t *) mlm_core_env->alloc(sizeof(uint64_t) * (size_t) (ref->m + 1));
	cv = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) cur->m);
	cw = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) cur->m);
	p.u = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (ref->m + cur->m));
	p.tot = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) (ref->m + cur->m));
	p.refc = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) (ref->m + cur->m));
	if (!rv || !rw || !cum || !cv || !cw || !p.u || !p.tot || !p.refc)
	{
		rc = MLM_MMD_NO_MEMORY;
		goto done;
	}
	rk = distinct_of(ref, rv, rw);
	ck = distinct_of(cur, cv, cw);
	p.d = pool_values(&p, rv, rw, rk, cv, cw, ck);
	if (p.d > MLM_MMD_MAX_DISTINCT)
	{
		rc = MLM_MMD_TOO_MANY_DISTINCT;
		goto done;
	}

	/* the kernel scale from the reference alone */
	scale = median_sqdiff(rv, rw, cum, rk);
	if (scale == 0.0)
		scale = 1.0;
	if (!isfinite(scale))
	{
		rc = MLM_MMD_OUT_OF_RANGE;
		goto done;
	}

	p.cnt = (int64_t *) mlm_core_env->alloc(sizeof(int64_t) * (size_t) p.d);
	p.r = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) p.d);
	p.s = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) p.d);
	p.kern = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (p.d * (p.d - 1) / 2 + 1));
	p.canon = (int32_t *) mlm_core_env->alloc(sizeof(int32_t) * (size_t) (p.n + p.m));
	p.work = (int32_t *) mlm_core_env->alloc(sizeof(int32_t) * (size_t) (p.n + p.m));
	if (!p.cnt || !p.r || !p.s || !p.kern || !p.canon || !p.work)
	{
		rc = MLM_MMD_NO_MEMORY;
		goto done;
	}

	/* the pooled kernel over the distinct values */
	for (i = 0; i < p.d; i++)
	{
		double	   *row = p.kern + kernel_row(&p, i);

		for (j = i + 1; j < p.d; j++)
			row[j - i - 1] = exp(-sqdiff(p.u[j], p.u[i]) / scale);
		if ((i & 63) == 63)
			mlm_core_env->check_cancel();
	}

	/* canonical rows: the reference ascending, then the current ascending */
	pos = 0;
	for (i = 0; i < p.d; i++)
		for (j = 0; j < p.refc[i]; j++)
			p.canon[pos++] = (int32_t) i;
	for (i = 0; i < p.d; i++)
		for (j = 0; j < p.tot[i] - p.refc[i]; j++)
			p.canon[pos++] = (int32_t) i;

	observed = mmd_of_counts(&p, p.refc);
	mlm_splitmix64_init(&g, seed);
	for (b = 0; b < permutations; b++)
		if (relabel(&p, &g) >= observed)
			hits++;

	out->statistic = observed;
	out->pvalue = (double) hits / (double) permutations;
	out->log_pvalue = hits > 0 ? log(out->pvalue) : -INFINITY;
	out->method = "permutation";

done:
	mlm_core_env->release(rv);
	mlm_core_env->release(rw);
	mlm_core_env->release(cum);
	mlm_core_env->release(cv);
	mlm_core_env->release(cw);
	mlm_core_env->release(p.u);
	mlm_core_env->release(p.tot);
	mlm_core_env->release(p.refc);
	mlm_core_env->release(p.cnt);
	mlm_core_env->release(p.r);
	mlm_core_env->release(p.s);
	mlm_core_env->release(p.kern);
	mlm_core_env->release(p.canon);
	mlm_core_env->release(p.work);
	return rc;
}
