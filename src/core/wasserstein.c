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

#include <math.h>

/* Neumaier's compensated running sum. */
typedef struct ksum
{
	double		s;
	double		c;
} ksum;

static inline void
ksum_add(ksum *k, double x)
{
	double		t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

double
mlm_wasserstein_sorted(const double *u, int64_t n1, const double *v, int64_t n2)
{
	int64_t		i = 0,
				j = 0;
	ksum		sum = {0.0, 0.0};
	double		prev = 0.0;
	double		gap = 0.0;
	int			first = 1;

	while (i < n1 || j < n2)
	{
		double		z;

		if (j >= n2 || (i < n1 && u[i] <= v[j]))
			z = u[i];
		else
			z = v[j];
		if (!first)
			ksum_add(&sum, gap * (z - prev));
		while (i < n1 && u[i] == z)
			i++;
		while (j < n2 && v[j] == z)
			j++;
		gap = fabs((double) i / (double) n1 - (double) j / (double) n2);
		prev = z;
		first = 0;
	}
	return sum.s + sum.c;
}

double
mlm_std_population(const double *x, int64_t n)
{
	ksum		s = {0.0, 0.0};
	ksum		ss = {0.0, 0.0};
	double		mean;
	int64_t		i;

	for (i = 0; i < n; i++)
		ksum_add(&s, x[i]);
	mean = (s.s + s.c) / (double) n;
	for (i = 0; i < n; i++)
	{
		double		dv = x[i] - mean;

		ksum_add(&ss, dv * dv);
	}
	return sqrt((ss.s + ss.c) / (double) n);
}
