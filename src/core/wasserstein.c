/*
 * wasserstein.c: W1 = integral of |U(z) - V(z)| dz over the pooled sample,
 * U and V the right-continuous empirical CDFs (SciPy's definition).
 *
 * Between consecutive pooled values z_k < z_{k+1} the CDFs are constant, so
 * W1 = sum |U(z_k) - V(z_k)| (z_{k+1} - z_k).  The CDF values are formed as
 * SciPy forms them (count / size) and the terms, all non-negative, are added
 * with Neumaier's compensated summation.
 */
#include "wasserstein.h"

#include "summation.h"

#include <math.h>
#include <stddef.h>

/*
 * Two raw samples (no counts): the generic loop below without its stepping
 * through counts, doing the very same floating-point operations in the same
 * order (so the result is bit-identical): the values consumed are the
 * positions reached, and the CDF values (double) i / n come from the tables
 * when given.  The choice of the next value and the advance past it are
 * branch-free (the two samples interleave at random).
 */
#define CDF(q, i, dn) ((q) ? (q)[i] : (double) (i) / (dn))

double
mlm_wasserstein_sorted(const double *a, int64_t na, const double *b, int64_t nb,
					   const double *qa, const double *qb)
{
	int64_t		iu = 0,
				iv = 0;
	mlm_ksum	sum = {0.0, 0.0};
	double		prev,
				gap;
	double		dna = (double) na,
				dnb = (double) nb;

	/* the first pooled value: no term before it */
	{
		double		z = a[0] <= b[0] ? a[0] : b[0];

		while (iu < na && a[iu] == z)
			iu++;
		while (iv < nb && b[iv] == z)
			iv++;
		gap = fabs(CDF(qa, iu, dna) - CDF(qb, iv, dnb));
		prev = z;
	}
	while (iu < na && iv < nb)
	{
		double		x = a[iu],
					y = b[iv];
		double		z = x <= y ? x : y;

		mlm_ksum_add(&sum, gap * (z - prev));
		iu += (x == z);
		iv += (y == z);
		while (iu < na && a[iu] == z)
			iu++;
		while (iv < nb && b[iv] == z)
			iv++;
		gap = fabs(CDF(qa, iu, dna) - CDF(qb, iv, dnb));
		prev = z;
	}
	/* one sample left: the other's CDF stays at 1 */
	while (iu < na)
	{
		double		z = a[iu];

		mlm_ksum_add(&sum, gap * (z - prev));
		while (iu < na && a[iu] == z)
			iu++;
		gap = fabs(CDF(qa, iu, dna) - CDF(qb, iv, dnb));
		prev = z;
	}
	while (iv < nb)
	{
		double		z = b[iv];

		mlm_ksum_add(&sum, gap * (z - prev));
		while (iv < nb && b[iv] == z)
			iv++;
		gap = fabs(CDF(qa, iu, dna) - CDF(qb, iv, dnb));
		prev = z;
	}
	return sum.s + sum.c;
}

double
mlm_wasserstein(const mlm_wsample *u, const mlm_wsample *v)
{
	int64_t		iu = 0,
				iv = 0;			/* entries consumed */
	int64_t		cu = 0,
				cv = 0;			/* values consumed */
	mlm_ksum	sum = {0.0, 0.0};
	double		prev = 0.0;
	double		gap = 0.0;
	int			first = 1;

	if (u->w == NULL && v->w == NULL && u->m > 0 && v->m > 0)
		return mlm_wasserstein_sorted(u->v, u->m, v->v, v->m, NULL, NULL);
	while (iu < u->m || iv < v->m)
	{
		double		z;

		if (iv >= v->m || (iu < u->m && u->v[iu] <= v->v[iv]))
			z = u->v[iu];
		else
			z = v->v[iv];
		if (!first)
			mlm_ksum_add(&sum, gap * (z - prev));
		if (iu < u->m && u->v[iu] == z)
			mlm_ws_next(u, &iu, &cu);
		if (iv < v->m && v->v[iv] == z)
			mlm_ws_next(v, &iv, &cv);
		gap = fabs((double) cu / (double) u->n - (double) cv / (double) v->n);
		prev = z;
		first = 0;
	}
	return sum.s + sum.c;
}

double
mlm_std_population(const mlm_wsample *x)
{
	mlm_ksum	s = {0.0, 0.0};
	mlm_ksum	ss = {0.0, 0.0};
	double		mean;
	int64_t		pos = 0;

	while (pos < x->m)
	{
		int64_t		c = 0;
		double		v = mlm_ws_next(x, &pos, &c);

		mlm_ksum_add(&s, (double) c * v);
	}
	mean = (s.s + s.c) / (double) x->n;
	pos = 0;
	while (pos < x->m)
	{
		int64_t		c = 0;
		double		dv = mlm_ws_next(x, &pos, &c) - mean;

		mlm_ksum_add(&ss, (double) c * (dv * dv));
	}
	return sqrt((ss.s + ss.c) / (double) x->n);
}
