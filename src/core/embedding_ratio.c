/*
 * embedding_ratio.c: the share of drifted components (embedding_ratio.h).
 * One component at a time: its values are gathered from the blocks (one
 * contiguous run per block), sorted, and the normed Wasserstein distance
 * taken on the sorted values, MLM_LANES components at a time
 * (wasserstein_lanes.h: the merges of several components overlap, with the
 * results of the one-component functions bit for bit).  Float rows are sorted as floats (a radix
 * sort on 32-bit keys: three passes at most, a quarter of the traffic of
 * sorting them as doubles) and widened afterwards, which is exact.
 */
#include "embedding_ratio.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sort.h"
#include "wasserstein_lanes.h"

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
mlm_emb_block_rows(int64_t d, int elem_size)
{
	int64_t		row = d * elem_size,
				r = 1;

	while (r < 4096 && r * 2 * row <= 128 * 1024)
		r *= 2;
	return r;
}

int64_t
mlm_emb_ratio_scratch_doubles(int64_t n_ref, int64_t n_cur)
{
	return MLM_LANES * (n_ref + 1 + n_cur + 1) + (n_ref > n_cur ? n_ref : n_cur)
		+ (n_ref + 1) + (n_cur + 1);
}

int64_t
mlm_emb_ratio_drifted(const mlm_emb_blocks *ref, const mlm_emb_blocks *cur, int64_t d,
					  int elem_size, double component_threshold, double *scratch,
					  void (*check_cancel) (void))
{
	int64_t		nr = ref->n,
				nc = cur->n;
	double	   *a[MLM_LANES],
			   *b[MLM_LANES];
	double	   *tmp = scratch + MLM_LANES * (nr + 1 + nc + 1),
			   *qa = tmp + (nr > nc ? nr : nc),
			   *qb = qa + nr + 1;
	int64_t		drifted = 0;

	for (int l = 0; l < MLM_LANES; l++)
	{
		a[l] = scratch + l * (nr + 1 + nc + 1);
		b[l] = a[l] + nr + 1;
	}
	/* the CDF values of both sizes, the same for every component */
	for (int64_t i = 0; i <= nr; i++)
		qa[i] = (double) i / (double) nr;
	for (int64_t i = 0; i <= nc; i++)
		qb[i] = (double) i / (double) nc;

	/* MLM_LANES components at a time: sorted one by one, tested together */
	for (int64_t j = 0; j < d; j += MLM_LANES)
	{
		int			lanes = d - j < MLM_LANES ? (int) (d - j) : MLM_LANES;
		double		norm[MLM_LANES],
					w1[MLM_LANES];

		for (int l = 0; l < lanes; l++)
		{
			if (check_cancel)
				check_cancel();
			sorted_component(ref, j + l, elem_size, a[l], tmp);
			sorted_component(cur, j + l, elem_size, b[l], tmp);
			a[l][nr] = INFINITY;
			b[l][nc] = INFINITY;
		}
		mlm_std_population_sorted_lanes((const double *const *) a, nr, lanes, norm);
		mlm_wasserstein_sorted_lanes((const double *const *) a, nr, (const double *const *) b, nc,
									 qa, qb, lanes, w1);
		for (int l = 0; l < lanes; l++)
		{
			double		nm = norm[l] >= 0.001 ? norm[l] : 0.001;

			if (w1[l] / nm >= component_threshold)
				drifted++;
		}
	}
	return drifted;
}
