/*
 * ks_grid.h: the two-sample KS statistic of live values against a fixed
 * reference, counted on the reference's grid instead of stored.
 *
 * Against a fixed reference with distinct values g[0] < ... < g[k-1] (R[j]
 * reference values at or below g[j]), the exact KS statistic needs only how
 * many current values fall at each grid value (cell 2j+1) and strictly
 * between two of them (cell 2j: below g[j], above g[j-1]; cell 2k above the
 * last): the gap of the empirical CDFs reaches its extremes only at grid
 * values and at the largest current value of an open cell, so the counts of
 * the 2k + 1 cells and the k + 1 open cells' maxima give the statistic, its
 * sign and its location exactly as the two-sample walk over all values does.
 * Counts from several parts of the sample add up, maxima combine by max: the
 * state is mergeable.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_KS_GRID_H
#define MLM_KS_GRID_H

#include <stdint.h>

#include "grid_index.h"
#include "ks.h"

/* The cell of finite x: 2j+1 when x is grid value j, else 2j with j grid values below x. */
static inline int64_t
mlm_ksgrid_cell(const mlm_grid_index *ix, double x)
{
	int64_t		j = mlm_grid_lower_bound(ix, x);

	return (j < ix->k && ix->grid[j] == x) ? 2 * j + 1 : 2 * j;
}

/*
 * Count the n finite values x[0..n) (n <= MLM_GRID_BATCH) into cell[2k+1]
 * and raise the open cells' maxima cellmax[k+1], with the grid lookups of
 * the batch interleaved (grid_index.h).
 */
void		mlm_ksgrid_count_batch(const mlm_grid_index *ix, const double *x, int n,
								   int64_t *cell, double *cellmax);

/*
 * Feed the candidate positions of the cells to a KS walk (ks.h): the grid
 * values g[0..k) with R[j] reference values at or below g[j] (n1 in all),
 * and the cells and maxima of n2 current values (both n1, n2 > 0).
 */
void		mlm_ksgrid_walk(const double *g, const int64_t *R, int64_t k, int64_t n1,
							const int64_t *cell, const double *cellmax, int64_t n2, mlm_ks_walk *w);

#endif
