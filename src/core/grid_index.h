/*
 * grid_index.h: where a value falls in a sorted grid, in O(1) expected.
 *
 * f(x) = floor((x - lo) * scale), clamped to 0 .. nb-1, is monotone in x
 * (floating-point subtraction and multiplication by a positive constant
 * round monotonically), so grid values with f < f(x) are below x and those
 * with f > f(x) above it: the first grid value >= x lies between the first
 * grid value of bucket f(x) and the first of bucket f(x)+1, and a binary
 * search of that (usually tiny) range finds it exactly.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_GRID_INDEX_H
#define MLM_GRID_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct mlm_grid_index
{
	const double *grid;			/* k sorted, distinct, finite values */
	int64_t		k;
	int64_t		nb;				/* buckets */
	double		lo;
	double		scale;
	int64_t    *start;			/* nb + 1 entries: first grid index of each bucket */
} mlm_grid_index;

/* Bytes of memory for the index of a grid of k values. */
size_t		mlm_grid_index_bytes(int64_t k);

/* Index grid[0..k-1] (sorted ascending, distinct, finite) in mem. */
void		mlm_grid_index_init(mlm_grid_index *ix, const double *grid, int64_t k, void *mem);

/* The bucket of x (monotone in x). */
static inline int64_t
mlm_grid_bucket(const mlm_grid_index *ix, double x)
{
	double		v = (x - ix->lo) * ix->scale;

	if (!(v > 0.0))
		return 0;
	if (v >= (double) (ix->nb - 1))
		return ix->nb - 1;
	return (int64_t) v;
}

/* The number of grid values below x: the first j with grid[j] >= x (k if none). */
static inline int64_t
mlm_grid_lower_bound(const mlm_grid_index *ix, double x)
{
	int64_t		b = mlm_grid_bucket(ix, x);
	int64_t		lo = ix->start[b],
				hi = ix->start[b + 1];

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (ix->grid[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Most values mlm_grid_lower_bound_batch takes at once. */
#define MLM_GRID_BATCH 64

/*
 * out[i] = mlm_grid_lower_bound(ix, x[i]) for i < n <= MLM_GRID_BATCH.  The
 * same answers, but the memory reads of all n lookups are issued before any
 * of them is waited for: with grids larger than the cache (many features'
 * states at once) a lookup is a chain of cache misses, and interleaving n
 * chains hides most of their latency.
 */
void		mlm_grid_lower_bound_batch(const mlm_grid_index *ix, const double *x, int n, int64_t *out);

#endif
