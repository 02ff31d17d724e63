/*
 * grid_index.c: the bucket table of a sorted grid (see grid_index.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "grid_index.h"

#include <math.h>

/* Buckets per grid value: the expected search range is about one value. */
static int64_t
bucket_count(int64_t k)
{
	return k < 1 ? 1 : k;
}

size_t
mlm_grid_index_bytes(int64_t k)
{
	return sizeof(int64_t) * (size_t) (bucket_count(k) + 1);
}

void
mlm_grid_index_init(mlm_grid_index *ix, const double *grid, int64_t k, void *mem)
{
	int64_t		nb = bucket_count(k);
	int64_t		b,
				j;
	double		span;

	ix->grid = grid;
	ix->k = k;
	ix->nb = nb;
	ix->start = mem;
	ix->lo = k > 0 ? grid[0] : 0.0;
	span = k > 0 ? grid[k - 1] - grid[0] : 0.0;
	/* a zero or overflowing span puts everything in bucket 0: plain binary search */
	ix->scale = (span > 0.0 && isfinite(span)) ? (double) nb / span : 0.0;
	if (!isfinite(ix->scale))
		ix->scale = 0.0;

	/* start[b] = first j with bucket(grid[j]) >= b */
	j = 0;
	for (b = 0; b <= nb; b++)
	{
		while (j < k && mlm_grid_bucket(ix, grid[j]) < b)
			j++;
		ix->start[b] = j;
	}
	/* bucket nb does not exist: its start closes the last range at k */
	ix->start[nb] = k;
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void) (p))
#endif

void
mlm_grid_lower_bound_batch(const mlm_grid_index *ix, const double *x, int n, int64_t *out)
{
	int64_t		b[MLM_GRID_BATCH],
				hi[MLM_GRID_BATCH];
	int			i;

	/* the buckets: arithmetic only; ask for their start entries */
	for (i = 0; i < n; i++)
	{
		b[i] = mlm_grid_bucket(ix, x[i]);
		PREFETCH(&ix->start[b[i]]);
	}
	/* the search ranges; ask for their first grid values */
	for (i = 0; i < n; i++)
	{
		out[i] = ix->start[b[i]];
		hi[i] = ix->start[b[i] + 1];
		PREFETCH(&ix->grid[out[i] < ix->k ? out[i] : 0]);
	}
	/* the searches, as mlm_grid_lower_bound does them */
	for (i = 0; i < n; i++)
	{
		int64_t		lo = out[i],
					h = hi[i];

		while (lo < h)
		{
			int64_t		mid = lo + (h - lo) / 2;

			if (ix->grid[mid] < x[i])
				lo = mid + 1;
			else
				h = mid;
		}
		out[i] = lo;
	}
}
