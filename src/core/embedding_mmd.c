/*
 * embedding_mmd.c: Evidently's mmd embedding drift method on two samples of
 * rows (see embedding_mmd.h).
 */
#include "embedding_mmd.h"

#include <math.h>
#include <string.h>

#include "embedding.h"
#include "splitmix64.h"
#include "summation.h"

/*
 * Put the k-th smallest of x[0..n) at x[k], smaller-or-equal values before
 * it and larger-or-equal after (Hoare's selection, median-of-three pivot;
 * finite values).
 */
static void
select_kth(double *x, int64_t n, int64_t k)
{
	int64_t		lo = 0,
				hi = n - 1;

	while (hi > lo)
	{
		double		a = x[lo],
					b = x[lo + (hi - lo) / 2],
					c = x[hi];
		double		p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		int64_t		i = lo,
					j = hi;

		while (i <= j)
		{
			while (x[i] < p)
				i++;
			while (x[j] > p)
				j--;
			if (i <= j)
			{
				double		t = x[i];

				x[i] = x[j];
				x[j] = t;
				i++;
				j--;
			}
		}
		/* x[lo..j] <= p, x[i..hi] >= p, x(j..i) == p */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* The two middle values of x[0..n) (the same one twice when n is odd); x reordered. */
static void
middle_two(double *x, int64_t n, double *a, double *b)
{
	int64_t		h = n / 2;

	select_kth(x, n, h);
	*b = x[h];
	if (n % 2 == 1)
	{
		*a = *b;
		return;
	}
	*a = x[0];
	for (int64_t i = 1; i < h; i++)
		if (x[i] > *a)
			*a = x[i];
}

double
mlm_median(double *x, int64_t n)
{
	double		a,
				b;

	middle_two(x, n, &a, &b);
	return n % 2 == 1 ? b : (a + b) / 2.0;
}

/* numpy.median of the square roots of d2[0..n) (sqrt is monotone: select on d2). */
static double
median_of_sqrt(double *d2, int64_t n)
{
	double		a,
				b;

	middle_two(d2, n, &a, &b);
	return n % 2 == 1 ? sqrt(b) : (sqrt(a) + sqrt(b)) / 2.0;
}

double
mlm_emb_sqdist(const double *a, const double *b, int64_t d)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0;
	int64_t		i = 0;

	/* four running sums: independent chains (all terms are >= 0, so no cancellation) */
	for (; i + 4 <= d; i += 4)
	{
		double		t0 = a[i] - b[i],
					t1 = a[i + 1] - b[i + 1],
					t2 = a[i + 2] - b[i + 2],
					t3 = a[i + 3] - b[i + 3];

		s0 += t0 * t0;
		s1 += t1 * t1;
		s2 += t2 * t2;
		s3 += t3 * t3;
	}
	for (; i < d; i++)
	{
		double		t = a[i] - b[i];

		s0 += t * t;
	}
	return (s0 + s1) + (s2 + s3);
}

/* The rbf kernel at squared distance d2 (gamma may be +infinity: its limit). */
static inline double
kern(double gamma, double d2)
{
	return d2 == 0.0 ? 1.0 : exp(-gamma * d2);
}

/* Sum of k over the pairs i < j of rows r[0..m). */
static double
half_pairs_sum(const double *const *r, int64_t m, int64_t d, double gamma, void (*check_cancel) (void))
{
	mlm_ksum	s = {0.0, 0.0};

	for (int64_t i = 0; i < m; i++)
	{
		if (check_cancel)
			check_cancel();
		for (int64_t j = i + 1; j < m; j++)
			mlm_ksum_add(&s, kern(gamma, mlm_emb_sqdist(r[i], r[j], d)));
	}
	return mlm_ksum_value(&s);
}

void
mlm_emb_mmd(const double *const *x, int64_t m, const double *const *y, int64_t n, int64_t d,
			double *scratch, void (*check_cancel) (void), double *mmd2u, double *sigma2)
{
	double	   *c = scratch,
			   *s = scratch + m * n;
	double		med,
				gamma,
				sxx,
				syy;
	mlm_ksum	sxy = {0.0, 0.0};

	for (int64_t i = 0; i < m; i++)
	{
		if (check_cancel)
			check_cancel();
		for (int64_t j = 0; j < n; j++)
			c[i * n + j] = mlm_emb_sqdist(x[i], y[j], d);
	}
	memcpy(s, c, (size_t) (m * n) * sizeof(double));
	med = median_of_sqrt(s, m * n);
	*sigma2 = med * med;
	gamma = 1.0 / *sigma2;
	for (int64_t i = 0; i < m * n; i++)
		mlm_ksum_add(&sxy, kern(gamma, c[i]));
	sxx = 2.0 * half_pairs_sum(x, m, d, gamma, check_cancel);
	syy = 2.0 * half_pairs_sum(y, n, d, gamma, check_cancel);
	*mmd2u = 1.0 / ((double) m * ((double) m - 1.0)) * sxx
		+ 1.0 / ((double) n * ((double) n - 1.0)) * syy
		- 2.0 / ((double) m * (double) n) * mlm_ksum_value(&sxy);
}

double
mlm_emb_mmd_bootstrap(const double *const *x, int64_t m, int64_t n, int64_t d, double q,
					  int replicates, uint64_t seed, double *scratch,
					  void (*check_cancel) (void))
{
	double	   *k = scratch,
			   *s = scratch + m * m,
			   *cx = scratch + 2 * m * m,
			   *cy = cx + m,
			   *res = cy + m;
	int64_t		sx = (int64_t) (((unsigned __int128) m * (unsigned __int128) m) / (unsigned __int128) (m + n));
	int64_t		sy = (int64_t) (((unsigned __int128) m * (unsigned __int128) n) / (unsigned __int128) (m + n));
	double		med,
				gamma;
	mlm_splitmix64 g;

	if (sx < 1)
		sx = 1;
	if (sy < 1)
		sy = 1;
	if (sx < 2 || sy < 2)
		return NAN;
	for (int64_t i = 0; i < m; i++)
	{
		if (check_cancel)
			check_cancel();
		k[i * m + i] = 0.0;
		for (int64_t j = i + 1; j < m; j++)
			k[i * m + j] = k[j * m + i] = mlm_emb_sqdist(x[i], x[j], d);
	}
	memcpy(s, k, (size_t) (m * m) * sizeof(double));
	med = median_of_sqrt(s, m * m);
	gamma = 1.0 / (med * med);
	/* the upper triangle becomes the kernel (the lower one is not read again) */
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = i + 1; j < m; j++)
			k[i * m + j] = kern(gamma, k[i * m + j]);
	mlm_splitmix64_init(&g, seed);
	for (int r = 0; r < replicates; r++)
	{
		mlm_ksum	xx = {0.0, 0.0},
					yy = {0.0, 0.0},
					xy = {0.0, 0.0};

		if (check_cancel)
			check_cancel();
		for (int64_t i = 0; i < m; i++)
			cx[i] = cy[i] = 0.0;
		for (int64_t i = 0; i < sx; i++)
			cx[mlm_splitmix64_below(&g, (uint64_t) m)] += 1.0;
		for (int64_t i = 0; i < sy; i++)
			cy[mlm_splitmix64_below(&g, (uint64_t) m)] += 1.0;
		for (int64_t i = 0; i < m; i++)
		{
			const double *ki = k + i * m;
			double		ax = cx[i],
						ay = cy[i];

			/* a row drawn c times pairs with itself c (c - 1) times, k = 1 */
			mlm_ksum_add(&xx, ax * (ax - 1.0));
			mlm_ksum_add(&yy, ay * (ay - 1.0));
			mlm_ksum_add(&xy, ax * ay);
			if (ax == 0.0 && ay == 0.0)
				continue;
			for (int64_t j = i + 1; j < m; j++)
			{
				double		kij = ki[j];

				if (cx[j] == 0.0 && cy[j] == 0.0)
					continue;
				mlm_ksum_add(&xx, 2.0 * ax * cx[j] * kij);
				mlm_ksum_add(&yy, 2.0 * ay * cy[j] * kij);
				mlm_ksum_add(&xy, (ax * cy[j] + cx[j] * ay) * kij);
			}
		}
		res[r] = 1.0 / ((double) sx * ((double) sx - 1.0)) * mlm_ksum_value(&xx)
			+ 1.0 / ((double) sy * ((double) sy - 1.0)) * mlm_ksum_value(&yy)
			- 2.0 / ((double) sx * (double) sy) * mlm_ksum_value(&xy);
	}
	return mlm_percentile_linear(res, replicates, q);
}
