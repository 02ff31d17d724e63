/*
 * embedding_ratio.c: the share of drifted components (embedding_ratio.h).
 * One component at a time: its values are gathered from the blocks (one
 * contiguous run per block), sorted, and the normed Wasserstein distance
 * taken on the sorted values.  Float rows are sorted as floats (a radix
 * sort on 32-bit keys: three passes at most, a quarter of the traffic of
 * sorting them as doubles) and widened afterwards, which is exact.
 */
#include "embedding_ratio.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sort.h"
#include "wasserstein.h"
#include "wsample.h"

/* Component j of every row of s into out (n values of elem_size bytes). */
static void
gather(const mlm_emb_blocks *s, int64_t j, int elem_size, void *out)
{
	char	   *o = out;
	size_t		seg = (size_t) s->block_rows * elem_size;

	for (int64_t b = 0; b < s->nblocks; b++)
	{
		size_t		len = (size_t) s->fill[b] * elem_size;

		memcpy(o, (const char *) s->block[b] + (size_t) j * seg, len);
		o += len;
	}
}

/* The sorted values of component j of s into dst (n doubles), using tmp (n doubles). */
static void
sorted_component(const mlm_emb_blocks *s, int64_t j, int elem_size, double *dst, double *tmp)
{
	size_t		n = (size_t) s->n;

	if (elem_size == 4)
	{
		/* two float arrays of n in tmp */
		float	   *f = (float *) tmp,
				   *g = f + n,
				   *r;

		gather(s, j, 4, f);
		r = mlm_sort_floats(f, g, n);
		for (size_t i = 0; i < n; i++)
			dst[i] = r[i];
	}
	else
	{
		double	   *r;

		gather(s, j, 8, dst);
		r = mlm_sort_doubles(dst, tmp, n);
		if (r != dst)
			memcpy(dst, r, n * sizeof(double));
	}
}

int64_t
mlm_emb_ratio_drifted(const mlm_emb_blocks *ref, const mlm_emb_blocks *cur, int64_t d,
					  int elem_size, double component_threshold, double *scratch,
					  void (*check_cancel) (void))
{
	double	   *a = scratch,
			   *b = scratch + ref->n,
			   *tmp = scratch + ref->n + cur->n,
			   *qa = tmp + (ref->n > cur->n ? ref->n : cur->n),
			   *qb = qa + ref->n + 1;
	int64_t		drifted = 0;

	/* the CDF values of both sizes, the same for every component */
	for (int64_t i = 0; i <= ref->n; i++)
		qa[i] = (double) i / (double) ref->n;
	for (int64_t i = 0; i <= cur->n; i++)
		qb[i] = (double) i / (double) cur->n;

	for (int64_t j = 0; j < d; j++)
	{
		mlm_wsample u;
		double		norm,
					wd;

		if (check_cancel)
			check_cancel();
		sorted_component(ref, j, elem_size, a, tmp);
		sorted_component(cur, j, elem_size, b, tmp);
		u = mlm_ws_array(a, ref->n);
		norm = mlm_std_population(&u);
		if (!(norm >= 0.001))
			norm = 0.001;
		wd = mlm_wasserstein_sorted(a, ref->n, b, cur->n, qa, qb) / norm;
		if (wd >= component_threshold)
			drifted++;
	}
	return drifted;
}
