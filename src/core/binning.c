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

double
mlm_quantile_linear(const mlm_wsample *x, double q)
{
	int64_t		n = x->n;
	double		h = (double) (n - 1) * q;	/* NumPy's virtual index */
	double		lo;
	double		t;
	double		a,
				b,
				diff;
	int64_t		i;

	if (h >= (double) (n - 1))
		return mlm_ws_value_at(x, n - 1);
	if (h < 0)
		return mlm_ws_value_at(x, 0);
	lo = floor(h);
	i = (int64_t) lo;
	t = h - lo;
	a = mlm_ws_value_at(x, i);
	b = mlm_ws_value_at(x, i + 1);
	diff = b - a;
	/* Neighbours more than DBL_MAX apart: interpolate without forming b - a. */
	if (!isfinite(diff))
		return (1.0 - t) * a + t * b;
	/* numpy's _lerp: interpolate from the nearer end. */
	if (t >= 0.5)
		return b - diff * (1.0 - t);
	return a + diff * t;
}

int
mlm_quantile_edges(const mlm_wsample *ref, int bins, double *edges)
{
	int			m = 0;
	int			k;

	for (k = 1; k < bins; k++)
	{
		double		e = mlm_quantile_linear(ref, (double) k / (double) bins);

		if (m == 0 || e > edges[m - 1])
			edges[m++] = e;
	}
	return m;
}

void
mlm_count_open_bins(const mlm_wsample *x, const double *edges, int m, int64_t *counts)
{
	int64_t		prev = 0;
	int			b;

	for (b = 0; b < m; b++)
	{
		int64_t		below = mlm_ws_count_below(x, edges[b]);

		counts[b] = below - prev;
		prev = below;
	}
	counts[m] = x->n - prev;
}

int
mlm_sturges_edges(const mlm_wsample *a, const mlm_wsample *b, double *edges)
{
	double		first,
				last,
				width,
				step;
	int			nbins,
				k;

	if (a->m == 0)
	{
		first = b->v[0];
		last = b->v[b->m - 1];
	}
	else if (b->m == 0)
	{
		first = a->v[0];
		last = a->v[a->m - 1];
	}
	else
	{
		first = a->v[0] < b->v[0] ? a->v[0] : b->v[0];
		last = a->v[a->m - 1] > b->v[b->m - 1] ? a->v[a->m - 1] : b->v[b->m - 1];
	}

	/* Values more than DBL_MAX apart have no equal-width bins. */
	if (!isfinite(last - first))
		return -1;
	/* numpy _hist_bin_sturges: width = ptp / (log2(size) + 1), then ceil(range / width) bins. */
	width = (last - first) / (log2((double) (a->n + b->n)) + 1.0);
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
mlm_count_histogram(const mlm_wsample *x, const double *edges, int nbins, int64_t *counts)
{
	int64_t		prev = mlm_ws_count_below(x, edges[0]);
	int			k;

	for (k = 1; k <= nbins; k++)
	{
		int64_t		pos = (k < nbins) ? mlm_ws_count_below(x, edges[k]) : mlm_ws_count_upto(x, edges[k]);

		counts[k - 1] = pos - prev;
		prev = pos;
	}
}

int64_t
mlm_count_distinct(const mlm_wsample *x)
{
	int64_t		d = 0;
	int64_t		pos = 0;

	if (x->w)
		return x->m;
	while (pos < x->m)
	{
		int64_t		c = 0;

		(void) mlm_ws_next(x, &pos, &c);
		d++;
	}
	return d;
}

int64_t
mlm_value_counts(const mlm_wsample *a, const mlm_wsample *b, int64_t *ca, int64_t *cb)
{
	int64_t		ia = 0,
				ib = 0,
				k = 0;

	while (ia < a->m || ib < b->m)
	{
		double		v = (ib >= b->m || (ia < a->m && a->v[ia] <= b->v[ib])) ? a->v[ia] : b->v[ib];

		ca[k] = 0;
		cb[k] = 0;
		if (ia < a->m && a->v[ia] == v)
			mlm_ws_next(a, &ia, &ca[k]);
		if (ib < b->m && b->v[ib] == v)
			mlm_ws_next(b, &ib, &cb[k]);
		k++;
	}
	return k;
}
