/*
 * check_ktree.c: the kinetic prefix-maximum tree (src/core/ktree.c) against
 * a brute-force prefix scan, over random trees and random sequences of leaf
 * updates and moves of t (steps of one both ways, as a filling or
 * NULL-carrying window makes, and jumps).  After every operation the
 * largest prefix sum and its leftmost position must equal the scan's.
 *
 * Usage: check_ktree <trees> <seed>; prints the counts and exits 1 on the
 * first mismatch.  Run by test_search_structures.py.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ktree.h"
#include "xorshift.h"

#define rng() xorshift_next()

static int64_t
rng_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t) (rng() % (uint64_t) (hi - lo + 1));
}

/* Lines shaped like the KS numerators: integer slopes and offsets, small to past 64 bits. */
static void
random_line(int kind, int64_t *a, mlm_i128 *b)
{
	int64_t		scale = kind == 0 ? 3 : (kind == 1 ? 1000 : 1000000000);

	*a = rng_range(0, scale);
	if (rng() % 2 && kind < 2)
		*a = -*a;
	if (kind == 3)				/* offsets past 64 bits */
		*b = (mlm_i128) rng_range(-scale, scale) * rng_range(1, 1000000) * (mlm_i128) 1000000000000LL;
	else
		*b = (mlm_i128) rng_range(-scale, scale) * rng_range(1, kind == 2 ? 1000000 : 50);
}

static int
check(const mlm_ktree *kt, const int64_t *a, const mlm_i128 *b, int64_t n, long tree, long op)
{
	mlm_i128	got_value,
				run = 0,
				best = 0;
	int64_t		got = mlm_ktree_argmax(kt, &got_value);
	int64_t		want = -1;
	int64_t		j;

	for (j = 0; j < n; j++)
	{
		run += (mlm_i128) a[j] * kt->t + b[j];
		if (want < 0 || run > best)
		{
			best = run;
			want = j;
		}
	}
	if (got != want || got_value != best)
	{
		printf("MISMATCH tree %ld op %ld n %" PRId64 " t %" PRId64 ": got %" PRId64 " (%.17g), want %" PRId64 " (%.17g)\n",
			   tree, op, n, kt->t, got, (double) got_value, want, (double) best);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long		trees = argc > 1 ? atol(argv[1]) : 2000;
	long		tree,
				ops = 0,
				checks = 0;

	if (argc > 2)
		xorshift_seed(argv[2]);

	for (tree = 0; tree < trees; tree++)
	{
		int64_t		n = rng() % 4 == 0 ? rng_range(1, 5) : rng_range(1, tree % 10 == 0 ? 3000 : 60);
		int			kind = (int) (rng() % 4);
		int64_t    *a = malloc(sizeof(int64_t) * n);
		mlm_i128   *b = malloc(sizeof(mlm_i128) * n);
		/* 8 bytes off malloc's 16-byte alignment, as palloc may give */
		char	   *raw = malloc(mlm_ktree_bytes(n) + 8);
		void	   *mem = raw + 8;
		mlm_ktree	kt;
		int64_t		t = rng_range(1, 100);
		long		nops = n > 100 ? 400 : 200;
		long		op;
		int64_t		j;

		mlm_ktree_init(&kt, n, mem);
		for (j = 0; j < n; j++)
		{
			random_line(kind, &a[j], &b[j]);
			mlm_ktree_set_leaf(&kt, j, a[j], b[j]);
		}
		mlm_ktree_build(&kt, t);
		if (check(&kt, a, b, n, tree, -1))
			return 1;
		for (op = 0; op < nops; op++)
		{
			switch (rng() % 5)
			{
				case 0:
				case 1:
					j = rng_range(0, n - 1);
					random_line(kind, &a[j], &b[j]);
					mlm_ktree_update(&kt, j, a[j], b[j]);
					break;
				case 2:
					t += 1;
					mlm_ktree_advance(&kt, t);
					break;
				case 3:
					t = t > 1 ? t - 1 : t + 1;
					mlm_ktree_advance(&kt, t);
					break;
				default:
					t = rng_range(1, 1000000);
					mlm_ktree_advance(&kt, t);
					break;
			}
			ops++;
			checks++;
			if (check(&kt, a, b, n, tree, op))
				return 1;
		}
		free(a);
		free(b);
		free(raw);
	}
	printf("trees %ld operations %ld checks %ld: all equal the brute-force scan\n", trees, ops, checks);
	return 0;
}
