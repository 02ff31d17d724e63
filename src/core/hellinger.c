/*
 * hellinger.c: Evidently's bins for the Hellinger distance of two numeric
 * samples: equal-width Sturges bins over the distinct values of both
 * samples (hellinger_distance.py passes the set of values, not the values,
 * to numpy.histogram_bin_edges).
 *
 * Sturges' rule needs only the smallest and largest value and how many
 * there are, so the distinct values are counted in one merge walk and
 * handed to the PSI's Sturges edges (binning.c) as an equivalent sample:
 * the smallest value once and the largest for the rest, no array of them.
 * The distance itself is mlm_hellinger_counts (divergence.c) on the counts
 * of each sample in those bins.
 */
#include "hellinger.h"

#include "binning.h"

/* Number of distinct values of the sorted samples a and b together. */
static int64_t
pooled_distinct(const mlm_wsample *a, const mlm_wsample *b)
{
	int64_t		ia = 0,
				ib = 0,
				k = 0;

	while (ia < a->m || ib < b->m)
	{
		double		v = (ib >= b->m || (ia < a->m && a->v[ia] <= b->v[ib])) ? a->v[ia] : b->v[ib];
		int64_t		ignored = 0;

		if (ia < a->m && a->v[ia] == v)
			(void) mlm_ws_next(a, &ia, &ignored);
		if (ib < b->m && b->v[ib] == v)
			(void) mlm_ws_next(b, &ib, &ignored);
		k++;
	}
	return k;
}

int
mlm_hellinger_edges(const mlm_wsample *a, const mlm_wsample *b, double *edges)
{
	int64_t		k = pooled_distinct(a, b);
	double		lo,
				hi;
	double		v[2];
	int64_t		w[2];
	int64_t		cum[2];
	mlm_wsample keys;
	mlm_wsample none;

	if (a->m == 0)
	{
		lo = b->v[0];
		hi = b->v[b->m - 1];
	}
	else if (b->m == 0)
	{
		lo = a->v[0];
		hi = a->v[a->m - 1];
	}
	else
	{
		lo = a->v[0] < b->v[0] ? a->v[0] : b->v[0];
		hi = a->v[a->m - 1] > b->v[b->m - 1] ? a->v[a->m - 1] : b->v[b->m - 1];
	}
	/* k distinct values from lo to hi: lo once, hi k-1 times (or lo alone). */
	v[0] = lo;
	w[0] = 1;
	v[1] = hi;
	w[1] = k - 1;
	none = mlm_ws_array(v, 0);
	keys = mlm_ws_counted(v, w, cum, k > 1 ? 2 : 1);
	return mlm_sturges_edges(&keys, &none, edges);
}
