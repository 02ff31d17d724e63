/*
 * binning.c: bin edges and counts over sorted samples.
 *
 * Two binnings are offered.  The default one bins on the reference sample's
 * quantiles (the credit-scoring definition of PSI): edges at the reference
 * k/bins quantiles, computed exactly as numpy.quantile does, duplicates
 * merged, the outer bins open to infinity.  Evidently's binning reproduces
 * evidently.calculations.stattests.utils.get_binned_data: equal-width
 * Sturges bins over the pooled sample when the reference has more than 20
 * distinct values, otherwise one bin per distinct value.
 */
#include "binning.h"

#include <math.h>

/* Index of the first element of sorted x[0..n) that is >= v (numpy searchsorted 'left'). */
static int64_t
lower_bound(const double *x, int64_t n, double v)
{
	int64_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (x[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first element of sorted x[0..n) that is > v (numpy searchsorted 'right'). */
static int64_t
upper_bound(const double *x, int64_t n, double v)
{
	int64_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (x[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

double
mlm_quantile_linear(const double *x, int64_t n, double q)
{
	double		h = (double) (n - 1) * q;	/* NumPy's virtual index */
	double		lo;
	double		t;
	double		a,
				b,
				diff;
	int64_t		i;

	if (h >= (double) (n - 1))
		return x[n - 1];
	if (h < 0)
		return x[0];
	lo = floor(h);
	i = (int64_t) lo;
	t = h - lo;
	a = x[i];
	b = x[i + 1];
	diff = b - a;
	/* numpy's _lerp: interpolate from the nearer end. */
	if (t >= 0.5)
		return b - diff * (1.0 - t);
	return a + diff * t;
}

int
mlm_quantile_edges(const double *ref, int64_t n, int bins, double *edges)
{
	int			m = 0;
	int			k;

	for (k = 1; k < bins; k++)
	{
		double		e = mlm_quantile_linear(ref, n, (double) k / (double) bins);

		if (m == 0 || e > edges[m - 1])
			edges[m++] = e;
	}
	return m;
}

void
mlm_count_open_bins(const double *x, int64_t n, const double *edges, int m, int64_t *counts)
{
	int64_t		prev = 0;
	int			b;

	for (b = 0; b < m; b++)
	{
		int64_t		pos = lower_bound(x, n, edges[b]);

		counts[b] = pos - prev;
		prev = pos;
	}
	counts[m] = n - prev;
}

int
mlm_sturges_edges(const double *a, int64_t n1, const double *b, int64_t n2, double *edges)
{
	double		first,
				last,
				width,
				step;
	int			nbins,
				k;

	if (n1 == 0)
	{
		first = b[0];
		last = b[n2 - 1];
	}
	else if (n2 == 0)
	{
		first = a[0];
		last = a[n1 - 1];
	}
	else
	{
		first = a[0] < b[0] ? a[0] : b[0];
		last = a[n1 - 1] > b[n2 - 1] ? a[n1 - 1] : b[n2 - 1];
	}

	/* numpy _hist_bin_sturges: width = ptp / (log2(size) + 1), then ceil(range / width) bins. */
	width = (last - first) / (log2((double) (n1 + n2)) + 1.0);
	if (first == last)
	{
		first -= 0.5;
		last += 0.5;
	}
	if (width != 0.0)
		nbins = (int) ceil((last - first) / width);
	else
		nbins = 1;
	if (nbins < 1)
		nbins = 1;
	if (nbins > MLM_STURGES_MAX_BINS)
		nbins = MLM_STURGES_MAX_BINS;

	/* numpy.linspace(first, last, nbins + 1): start + k * step, last edge exact. */
	step = (last - first) / (double) nbins;
	for (k = 0; k < nbins; k++)
		edges[k] = (double) k * step + first;
	edges[nbins] = last;
	return nbins;
}

void
mlm_count_histogram(const double *x, int64_t n, const double *edges, int nbins, int64_t *counts)
{
	int64_t		prev = lower_bound(x, n, edges[0]);
	int			k;

	for (k = 1; k <= nbins; k++)
	{
		int64_t		pos = (k < nbins) ? lower_bound(x, n, edges[k]) : upper_bound(x, n, edges[k]);

		counts[k - 1] = pos - prev;
		prev = pos;
	}
}

int64_t
mlm_count_distinct(const double *x, int64_t n)
{
	int64_t		d = n > 0 ? 1 : 0;
	int64_t		i;

	for (i = 1; i < n; i++)
		if (x[i] != x[i - 1])
			d++;
	return d;
}

int64_t
mlm_value_counts(const double *a, int64_t n1, const double *b, int64_t n2, int64_t *ca, int64_t *cb)
{
	int64_t		i = 0,
				j = 0,
				k = 0;

	while (i < n1 || j < n2)
	{
		double		v = (j >= n2 || (i < n1 && a[i] <= b[j])) ? a[i] : b[j];
		int64_t		i0 = i,
					j0 = j;

		while (i < n1 && a[i] == v)
			i++;
		while (j < n2 && b[j] == v)
			j++;
		ca[k] = i - i0;
		cb[k] = j - j0;
		k++;
	}
	return k;
}
