/*
 * cvm.c: the two-sample Cramer-von Mises test (SciPy 1.10's
 * cramervonmises_2samp).
 *
 * The statistic is T = U / (mnN) - (4mn - 1) / (6N) with U from midranks.
 * Twice a midrank is an integer, so 4U is an integer, kept in 128 bits,
 * and T is formed from one exact numerator: SciPy's floating-point form
 * loses about four digits to cancellation at 5000 x 5000.
 *
 * The exact p-value counts the lattice paths from (0,0) to (n,m) whose sum
 * of (a v - b u)^2 over their nodes (a = lcm/m, b = lcm/n) reaches SciPy's
 * threshold zeta, over all C(N, m) paths (Xiao, Gordon and Yakovlev's
 * algorithm, as SciPy runs it).  Sums only grow along a path, so every sum
 * at or above zeta is kept as zeta itself: each node holds a sorted list of
 * (sum, count) pairs below zeta plus that one bucket.  Counts are doubles
 * (exact up to 2^53 paths, C(40, 20) for the sizes 'auto' chooses).
 * Memory comes from the host (core/env.h), which may cancel between columns.
 *
 * The asymptotic p-value is SciPy's: the statistic normalized by its mean
 * and variance (Anderson 1962) into the limiting distribution
 * (cvm_dist.c); ln p comes from that distribution's exact tail.
 *
 * The ranks walk two weighted sorted samples (wsample.h): a run of t tied
 * values of one sample adds its squared rank deviations in closed form, so
 * a profile's counts are never expanded and a raw sample and a profile of
 * the same values give the same integer 4U.  |3 (4U) - 2k(4k-1)| <= 2 N^4
 * fits 128 bits while N <= 2^31 (MLM_CVM_MAX_VALUES).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "cvm.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cvm_dist.h"
#include "env.h"
#include "ks_exact.h"

typedef __int128 i128;

/*
 * sum_{k=0}^{t-1} (c - 2k)^2 = t c^2 - 2 c t (t - 1) + 2 t (t - 1) (2t - 1) / 3:
 * the squared doubled rank deviations of t tied values of one sample.
 */
static inline i128
tied_deviations(int64_t c, int64_t t)
{
	i128		tt = t;

	if (t == 1)					/* most runs, with continuous values */
		return (i128) c * c;
	return tt * c * c - 2 * (i128) c * tt * (tt - 1) + 4 * (tt * (tt - 1) * (2 * tt - 1) / 6);
}

i128
mlm_cvm_u4(const mlm_wsample *x, const mlm_wsample *y)
{
	int64_t		i = 0,
				j = 0;			/* entries consumed */
	int64_t		ci = 0,
				cj = 0;			/* values consumed */
	i128		sx = 0,
				sy = 0;

	while (i < x->m || j < y->m)
	{
		double		v = (j >= y->m || (i < x->m && x->v[i] <= y->v[j])) ? x->v[i] : y->v[j];
		int64_t		tx = mlm_ws_take(x, &i, v),
					ty = mlm_ws_take(y, &j, v),
					twice_rank;

		/* positions ci+cj+1 .. ci+cj+t share the midrank (ci+cj) + (t+1)/2 */
		twice_rank = 2 * (ci + cj) + tx + ty + 1;
		/* the k-th tied value of x is x's (ci+k+1)-th: d = twice_rank - 2 (ci+k+1) */
		if (tx > 0)
			sx += tied_deviations(twice_rank - 2 * (ci + 1), tx);
		if (ty > 0)
			sy += tied_deviations(twice_rank - 2 * (cj + 1), ty);
		ci += tx;
		cj += ty;
	}
	return sx * x->n + sy * y->n;
}

/* floor(a / b) for b > 0 */
static i128
floor_div(i128 a, i128 b)
{
	i128		q = a / b;

	if ((a % b != 0) && (a < 0))
		q--;
	return q;
}

/* A node's distribution: sums in ascending order with their path counts. */
typedef struct Dist
{
	int64_t    *key;
	double	   *cnt;
	int64_t		len;
	int64_t		cap;
} Dist;

static void
dist_free(Dist *d)
{
	if (d->key)
		mlm_core_env->release(d->key);
	if (d->cnt)
		mlm_core_env->release(d->cnt);
	d->key = NULL;
	d->cnt = NULL;
	d->cap = 0;
}

/* Room for cap entries in d (the host's memory, core/env.h); false when none is left. */
static bool
dist_reserve(Dist *d, int64_t cap)
{
	int64_t    *key;
	double	   *cnt;

	if (d->cap >= cap)
		return true;
	cap = cap < 2 * d->cap ? 2 * d->cap : cap;
	key = mlm_core_env->alloc((size_t) cap * sizeof(int64_t));
	cnt = mlm_core_env->alloc((size_t) cap * sizeof(double));
	if (key == NULL || cnt == NULL)
	{
		if (key)
			mlm_core_env->release(key);
		if (cnt)
			mlm_core_env->release(cnt);
		return false;
	}
	if (d->len > 0)
	{
		memcpy(key, d->key, (size_t) d->len * sizeof(int64_t));
		memcpy(cnt, d->cnt, (size_t) d->len * sizeof(double));
	}
	dist_free(d);
	d->key = key;
	d->cnt = cnt;
	d->cap = cap;
	return true;
}

/* out = merge(a, b) + add, sums at or above zeta collected at zeta. */
static bool
dist_merge_shift(const Dist *a, const Dist *b, int64_t add, int64_t zeta, Dist *out)
{
	int64_t		i = 0,
				j = 0,
				len = 0;

	out->len = 0;
	if (!dist_reserve(out, a->len + b->len + 1))
		return false;
	while (i < a->len || j < b->len)
	{
		int64_t		k;
		double		c;

		if (j >= b->len || (i < a->len && a->key[i] < b->key[j]))
		{
			k = a->key[i];
			c = a->cnt[i++];
		}
		else if (i >= a->len || b->key[j] < a->key[i])
		{
			k = b->key[j];
			c = b->cnt[j++];
		}
		else
		{
			k = a->key[i];
			c = a->cnt[i++] + b->cnt[j++];
		}
		k += add;
		if (k > zeta)
			k = zeta;
		if (len > 0 && out->key[len - 1] == k)
			out->cnt[len - 1] += c;
		else
		{
			out->key[len] = k;
			out->cnt[len++] = c;
		}
	}
	out->len = len;
	return true;
}

double
mlm_cvm_exact_p(i128 u4, int64_t m, int64_t n)
{
	int64_t		g = mlm_gcd(m, n);
	int64_t		lcm = m / g * n;
	int64_t		a = lcm / m,
				b = lcm / n;
	i128		mn = (i128) m * n;
	i128		zeta128;
	int64_t		zeta;
	Dist	   *col;
	Dist		tmp = {NULL, NULL, 0, 0};
	Dist		empty = {NULL, NULL, 0, 0};
	int64_t		u,
				v;
	double		hit = 0.0,
				total = 0.0;
	bool		ok;

	/* SciPy: zeta = lcm^2 (m+n) (6U - mn(4mn-1)) // (6 m^2 n^2), U = u4/4 */
	zeta128 = floor_div((i128) lcm * lcm * (m + n) * (3 * u4 - 2 * mn * (4 * mn - 1)),
						12 * mn * mn);
	if (zeta128 <= 0)
		return 1.0;
	zeta = (int64_t) zeta128;

	col = mlm_core_env->alloc((size_t) (m + 1) * sizeof(Dist));
	if (col == NULL)
		return NAN;
	memset(col, 0, (size_t) (m + 1) * sizeof(Dist));
	ok = dist_reserve(&col[0], 1);
	if (ok)
	{
		col[0].key[0] = 0;
		col[0].cnt[0] = 1.0;
		col[0].len = 1;
	}
	for (u = 0; ok && u <= n; u++)
	{
		const Dist *prev = &empty;	/* the new column's node below (u, v) */

		for (v = 0; v <= m; v++)
		{
			int64_t		d = a * v - b * u;
			Dist		swap;

			if (!dist_merge_shift(prev, &col[v], d * d, zeta, &tmp))
			{
				ok = false;
				break;
			}
			/* tmp becomes col[v]; col[v]'s arrays are reused as the next tmp */
			swap = col[v];
			col[v] = tmp;
			tmp = swap;
			prev = &col[v];
		}
		mlm_core_env->check_cancel();
	}
	for (v = 0; ok && v < col[m].len; v++)
	{
		total += col[m].cnt[v];
		if (col[m].key[v] >= zeta)
			hit += col[m].cnt[v];
	}
	for (v = 0; v <= m; v++)
		dist_free(&col[v]);
	mlm_core_env->release(col);
	dist_free(&tmp);
	if (!ok)
		return NAN;
	return hit / total;
}

int
mlm_cvm_test(const mlm_wsample *x, const mlm_wsample *y, mlm_cvm_method method, mlm_test_outcome *out)
{
	int64_t		m = x->n,
				n = y->n;
	i128		u4;
	i128		k = (i128) m * n;
	int64_t		N = m + n;
	double		t;

	out->statistic = out->pvalue = out->log_pvalue = NAN;
	out->method = NULL;
	if (m < 2 || n < 2)
		return MLM_CVM_TOO_SMALL;
	if (N > MLM_CVM_MAX_VALUES)
		return MLM_CVM_TOO_MANY;
	if (method == MLM_CVM_AUTO)
		method = (m > 20 || n > 20) ? MLM_CVM_ASYMP : MLM_CVM_EXACT;
	if (method == MLM_CVM_EXACT &&
		(double) m * (double) n * (double) (m / mlm_gcd(m, n)) * (double) n > MLM_CVM_EXACT_MAX_WORK)
		return MLM_CVM_EXACT_TOO_LARGE;

	u4 = mlm_cvm_u4(x, y);
	/* T = (6U - k(4k-1)) / (6kN) = (3 u4 - 2k(4k-1)) / (12 k N) */
	t = (double) (3 * u4 - 2 * k * (4 * k - 1)) / ((double) (12 * k) * (double) N);
	out->statistic = t;
	if (method == MLM_CVM_EXACT)
	{
		double		p = mlm_cvm_exact_p(u4, m, n);

		if (isnan(p))
			return MLM_CVM_NO_MEMORY;
		out->pvalue = p;
		out->log_pvalue = log(p);
		out->method = "exact";
	}
	else
	{
		double		et = (1.0 + 1.0 / N) / 6.0;
		i128		vnum = (i128) (N + 1) * (4 * k * N - 3 * ((i128) m * m + (i128) n * n) - 2 * k);
		double		vt = (double) vnum / ((double) (45 * 4) * (double) N * (double) N * (double) k);
		double		tn = 1.0 / 6.0 + (t - et) / sqrt(45.0 * vt);

		out->method = "asymp";
		if (tn < 0.003)
		{
			out->pvalue = 1.0;
			out->log_pvalue = 0.0;
		}
		else
		{
			out->pvalue = fmax(0.0, 1.0 - mlm_cvm_cdf_scipy(tn));
			out->log_pvalue = mlm_cvm_log_sf(tn);
		}
	}
	return MLM_CVM_OK;
}
