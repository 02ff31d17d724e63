/*
 * embedding_ratio.c: the share of drifted components (embedding_ratio.h).
 * The rows are read in blocks of MLM_EMB_RATIO_BLOCK components, so each
 * pass over the row-major buffers gathers that many columns at once.
 */
#include "embedding_ratio.h"

#include <math.h>
#include <stddef.h>

#include "sort.h"
#include "wasserstein.h"
#include "wsample.h"

/* Columns j0..j0+w of n rows into cols[k * n + i]. */
static void
gather(const void *rows, int64_t n, int64_t d, int elem_size, int64_t j0, int w, double *cols)
{
	if (elem_size == 4)
	{
		const float *r = rows;

		for (int64_t i = 0; i < n; i++)
			for (int k = 0; k < w; k++)
				cols[k * n + i] = r[i * d + j0 + k];
	}
	else
	{
		const double *r = rows;

		for (int64_t i = 0; i < n; i++)
			for (int k = 0; k < w; k++)
				cols[k * n + i] = r[i * d + j0 + k];
	}
}

int64_t
mlm_emb_ratio_drifted(const void *ref, int64_t n_ref, const void *cur, int64_t n_cur, int64_t d,
					  int elem_size, double component_threshold, double *scratch,
					  void (*check_cancel) (void))
{
	const int64_t B = MLM_EMB_RATIO_BLOCK;
	double	   *cref = scratch,
			   *ccur = scratch + B * n_ref,
			   *tmp = scratch + B * (n_ref + n_cur);
	int64_t		drifted = 0;

	for (int64_t j0 = 0; j0 < d; j0 += B)
	{
		int			w = (int) (d - j0 < B ? d - j0 : B);

		gather(ref, n_ref, d, elem_size, j0, w, cref);
		gather(cur, n_cur, d, elem_size, j0, w, ccur);
		for (int k = 0; k < w; k++)
		{
			double	   *a = cref + k * n_ref,
					   *b = ccur + k * n_cur;
			mlm_wsample u,
						v;
			double		norm,
						wd;

			if (check_cancel)
				check_cancel();
			a = mlm_sort_doubles(a, tmp, (size_t) n_ref);
			if (a == tmp)
			{
				/* keep the sorted reference out of tmp, which the next sort reuses */
				for (int64_t i = 0; i < n_ref; i++)
					cref[k * n_ref + i] = tmp[i];
				a = cref + k * n_ref;
			}
			b = mlm_sort_doubles(b, tmp, (size_t) n_cur);
			u = mlm_ws_array(a, n_ref);
			v = mlm_ws_array(b, n_cur);
			norm = mlm_std_population(&u);
			if (!(norm >= 0.001))
				norm = 0.001;
			wd = mlm_wasserstein(&u, &v) / norm;
			if (wd >= component_threshold)
				drifted++;
		}
	}
	return drifted;
}
