/*
 * check_grid_index.c: the bucket index of a sorted grid (src/core/grid_index.c)
 * against a plain binary search, over random grids (uniform, clustered,
 * heavy-tailed, spans that are tiny, huge or overflowing, one value) and
 * queries at, between, just beside and outside the grid values.
 *
 * The batched form (mlm_grid_lower_bound_batch) must give the same answers:
 * every query also goes through it, in batches of every size up to the most.
 *
 * Usage: check_grid_index <grids> <seed>; prints the counts and exits 1 on
 * the first mismatch.  Run by test_search_structures.py.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "grid_index.h"
#include "xorshift.h"

#define rng() xorshift_next()
#define unit() xorshift_unit()

static double
draw(int kind)
{
	switch (kind)
	{
		case 0:
			return unit() * 100.0;
		case 1:					/* clustered: most values in a tiny range */
			return rng() % 10 ? 1.0 + unit() * 1e-12 : unit() * 1e6;
		case 2:					/* heavy tails */
			return (unit() - 0.5) / (unit() + 1e-300);
		case 3:					/* overflowing span */
			return (rng() % 2 ? 1 : -1) * unit() * DBL_MAX;
		case 4:					/* few integers */
			return (double) (rng() % 7);
		default:				/* subnormals and zero */
			return (double) (rng() % 50) * 4.9406564584124654e-324;
	}
}

static int
cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static int64_t
plain(const double *g, int64_t k, double x)
{
	int64_t		lo = 0,
				hi = k;

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (g[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The batched lookups of x[0..n) against the plain answers. */
static int
batch_equal(const mlm_grid_index *ix, const double *x, int n, const int64_t *want, long n_grid, int kind)
{
	int64_t		got[MLM_GRID_BATCH];
	int			b;

	mlm_grid_lower_bound_batch(ix, x, n, got);
	for (b = 0; b < n; b++)
		if (got[b] != want[b])
		{
			printf("BATCH MISMATCH grid %ld (kind %d, k %" PRId64 ", batch of %d) x %.17g: got %" PRId64 ", want %" PRId64 "\n",
				   n_grid, kind, ix->k, n, x[b], got[b], want[b]);
			return 0;
		}
	return 1;
}

int
main(int argc, char **argv)
{
	long		grids = argc > 1 ? atol(argv[1]) : 3000;
	long		n_grid,
				queries = 0;

	if (argc > 2)
		xorshift_seed(argv[2]);
	for (n_grid = 0; n_grid < grids; n_grid++)
	{
		int			kind = (int) (rng() % 6);
		int64_t		n = 1 + (int64_t) (rng() % (n_grid % 10 == 0 ? 5000 : 60));
		double	   *g = malloc(sizeof(double) * n);
		int64_t		k = 0,
					i,
					q;
		mlm_grid_index ix;
		void	   *mem;
		double		batch[MLM_GRID_BATCH];
		int64_t		want_batch[MLM_GRID_BATCH];
		int			nbatch = 0,
					batch_size = 1 + (int) (n_grid % MLM_GRID_BATCH);

		for (i = 0; i < n; i++)
			g[i] = draw(kind);
		qsort(g, n, sizeof(double), cmp);
		for (i = 0; i < n; i++)	/* distinct values, -0 as 0 */
			if (k == 0 || g[i] != g[k - 1])
				g[k++] = g[i] + 0.0;
		mem = malloc(mlm_grid_index_bytes(k));
		mlm_grid_index_init(&ix, g, k, mem);
		for (q = 0; q < 400; q++)
		{
			double		x;
			int64_t		want,
						got;

			switch (rng() % 5)
			{
				case 0:
					x = g[rng() % k];
					break;
				case 1:
					x = nextafter(g[rng() % k], rng() % 2 ? INFINITY : -INFINITY);
					break;
				case 2:
					x = draw(kind);
					break;
				case 3:
					x = (rng() % 2 ? 1 : -1) * unit() * DBL_MAX;
					break;
				default:
					x = rng() % 2 ? -0.0 : 0.0;
					break;
			}
			if (!isfinite(x))
				continue;
			want = plain(g, k, x);
			got = mlm_grid_lower_bound(&ix, x);
			queries++;
			if (got != want)
			{
				printf("MISMATCH grid %ld (kind %d, k %" PRId64 ") x %.17g: got %" PRId64 ", want %" PRId64 "\n",
					   n_grid, kind, k, x, got, want);
				return 1;
			}
			batch[nbatch] = x;
			want_batch[nbatch++] = want;
			if (nbatch == batch_size)
			{
				if (!batch_equal(&ix, batch, nbatch, want_batch, n_grid, kind))
					return 1;
				nbatch = 0;
			}
		}
		if (nbatch > 0 && !batch_equal(&ix, batch, nbatch, want_batch, n_grid, kind))
			return 1;
		free(mem);
		free(g);
	}
	printf("grids %ld queries %ld: all equal the plain binary search, one by one and in batches\n", grids, queries);
	return 0;
}
