/*
 * ks_grid.c: KS against a fixed reference from counts on its grid
 * (ks_grid.h).
 */
#include "ks_grid.h"

void
mlm_ksgrid_count_batch(const mlm_grid_index *ix, const double *x, int n, int64_t *cell, double *cellmax)
{
	int64_t		j[MLM_GRID_BATCH];
	int			i;

	mlm_grid_lower_bound_batch(ix, x, n, j);
	for (i = 0; i < n; i++)
	{
		j[i] = (j[i] < ix->k && ix->grid[j[i]] == x[i]) ? 2 * j[i] + 1 : 2 * j[i];
		__builtin_prefetch(&cell[j[i]]);
		__builtin_prefetch(&cellmax[j[i] / 2]);
	}
	for (i = 0; i < n; i++)
	{
		int64_t		c = j[i];

		cell[c]++;
		if (c % 2 == 0 && x[i] > cellmax[c / 2])
			cellmax[c / 2] = x[i];
	}
}

void
mlm_ksgrid_walk(const double *g, const int64_t *R, int64_t k, int64_t n1,
				const int64_t *cell, const double *cellmax, int64_t n2, mlm_ks_walk *w)
{
	int64_t		P = 0;
	int64_t		j;

	mlm_ks_walk_init(w, n1, n2);
	for (j = 0; j <= k; j++)
	{
		P += cell[2 * j];
		if (cell[2 * j] > 0)
			mlm_ks_walk_point(w, j > 0 ? R[j - 1] : 0, P, cellmax[j], 0, 1);
		if (j < k)
		{
			P += cell[2 * j + 1];
			mlm_ks_walk_point(w, R[j], P, g[j], 1, cell[2 * j + 1] > 0);
		}
	}
}
