/*
 * embedding.c: the distances between mean embeddings and their bootstrap
 * threshold (see embedding.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* qsort_r */
#endif
#include "embedding.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "splitmix64.h"
#include "summation.h"

static const char *const dist_names[] = {"euclidean", "cosine", "cityblock", "chebyshev"};

int
mlm_emb_dist_of(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, dist_names[i]) == 0)
			return i;
	return -1;
}

const char *
mlm_emb_dist_name(int kind)
{
	return (kind >= 0 && kind < 4) ? dist_names[kind] : "?";
}

double
mlm_emb_distance(int kind, const double *u, const double *v, int64_t d)
{
	mlm_ksum	a = {0.0, 0.0},
				b = {0.0, 0.0},
				c = {0.0, 0.0};
	double		m = 0.0;

	switch (kind)
	{
		case MLM_EMB_EUCLIDEAN:
			for (int64_t i = 0; i < d; i++)
			{
				double		t = u[i] - v[i];

				mlm_ksum_add(&a, t * t);
			}
			return sqrt(mlm_ksum_value(&a));
		case MLM_EMB_CITYBLOCK:
			for (int64_t i = 0; i < d; i++)
				mlm_ksum_add(&a, fabs(u[i] - v[i]));
			return mlm_ksum_value(&a);
		case MLM_EMB_CHEBYSHEV:
			for (int64_t i = 0; i < d; i++)
			{
				double		t = fabs(u[i] - v[i]);

				if (t > m || isnan(t))
					m = t;
			}
			return m;
		case MLM_EMB_COSINE:
			{
				double		r;

				/* SciPy: 1 - (u.v) / sqrt((u.u)(v.v)), clipped to [0, 2] */
				for (int64_t i = 0; i < d; i++)
				{
					mlm_ksum_add(&a, u[i] * v[i]);
					mlm_ksum_add(&b, u[i] * u[i]);
					mlm_ksum_add(&c, v[i] * v[i]);
				}
				r = 1.0 - mlm_ksum_value(&a) / sqrt(mlm_ksum_value(&b) * mlm_ksum_value(&c));
				if (r < 0.0)
					r = 0.0;
				else if (r > 2.0)
					r = 2.0;
				return r;
			}
	}
	return NAN;
}

static int
cmp_double(const void *pa, const void *pb)
{
	double		a = *(const double *) pa,
				b = *(const double *) pb;

	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

double
mlm_percentile_linear(double *x, int n, double q)
{
	double		pos,
				t,
				lo,
				hi,
				diff;
	int			k;

	qsort(x, (size_t) n, sizeof(double), cmp_double);
	for (int i = 0; i < n; i++)
		if (isnan(x[i]))
			return NAN;
	/*
	 * As numpy 1.24 forms it: percentile(x, 100 q) divides by 100, and the
	 * virtual index of 'linear' is (n - 1) q.
	 */
	q = (100.0 * q) / 100.0;
	pos = (double) (n - 1) * q;
	/* q outside [0, 1] (callers check; a NaN fails both tests) never reaches the cast */
	if (!(pos < (double) (n - 1)))
		return x[n - 1];
	if (!(pos > 0.0))
		return x[0];
	k = (int) floor(pos);
	t = pos - (double) k;
	lo = x[k];
	hi = x[k + 1];
	diff = hi - lo;
	/* numpy's _lerp: from the nearer end */
	return t >= 0.5 ? hi - diff * (1.0 - t) : lo + diff * t;
}

/* Lexicographic order of rows (components from the first). */
static int
cmp_rows(const void *pa, const void *pb, void *arg)
{
	const mlm_emb_rows *r = arg;
	const double *a = r->rows + *(const int64_t *) pa * r->d;
	const double *b = r->rows + *(const int64_t *) pb * r->d;

	for (int64_t j = 0; j < r->d; j++)
		if (a[j] != b[j])
			return a[j] < b[j] ? -1 : 1;
	return 0;
}

void
mlm_emb_rows_order(const double *rows, int64_t n, int64_t d, int64_t *order)
{
	mlm_emb_rows r = {rows, d};

	for (int64_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, (size_t) n, sizeof(int64_t), cmp_rows, &r);
}

/* The mean of `size` rows drawn with replacement from the n rows in order, into mean. */
static void
draw_mean(mlm_splitmix64 *g, const double *rows, const int64_t *order, int64_t n, int64_t d, int64_t size,
		  double *mean, double *comp)
{
	for (int64_t j = 0; j < d; j++)
		mean[j] = comp[j] = 0.0;
	for (int64_t i = 0; i < size; i++)
	{
		const double *r = rows + order[mlm_splitmix64_below(g, (uint64_t) n)] * d;

		for (int64_t j = 0; j < d; j++)
		{
			mlm_ksum	k = {mean[j], comp[j]};

			mlm_ksum_add(&k, r[j]);
			mean[j] = k.s;
			comp[j] = k.c;
		}
	}
	for (int64_t j = 0; j < d; j++)
		mean[j] = (mean[j] + comp[j]) / (double) size;
}

double
mlm_emb_distance_bootstrap(int kind, const double *rows, const int64_t *order, int64_t n_ref, int64_t n_cur, int64_t d,
						   double q, int replicates, uint64_t seed, double *scratch,
						   void (*check_cancel) (void))
{
	mlm_splitmix64 g;
	int64_t		total = n_ref + n_cur;
	int64_t		size_r = (int64_t) (((unsigned __int128) n_ref * (unsigned __int128) n_ref) / (unsigned __int128) total);
	int64_t		size_c = (int64_t) (((unsigned __int128) n_ref * (unsigned __int128) n_cur) / (unsigned __int128) total);
	double	   *a = scratch,
			   *b = scratch + d,
			   *comp = scratch + 2 * d;
	double	   *res = scratch + 3 * d;

	if (size_r < 1)
		size_r = 1;
	if (size_c < 1)
		size_c = 1;
	mlm_splitmix64_init(&g, seed);
	for (int i = 0; i < replicates; i++)
	{
		if (check_cancel)
			check_cancel();
		draw_mean(&g, rows, order, n_ref, d, size_r, a, comp);
		draw_mean(&g, rows, order, n_ref, d, size_c, b, comp);
		res[i] = mlm_emb_distance(kind, a, b, d);
	}
	return mlm_percentile_linear(res, replicates, q);
}
