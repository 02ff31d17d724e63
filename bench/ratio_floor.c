/*
 * ratio_floor.c: what mlmon.embedding_ratio's exact work costs without
 * PostgreSQL (bench/embedding.py compiles and runs it beside the queries).
 *
 * Rows of the bench table's distribution (n reference + n current rows of d
 * float4, uniform in [-0.5, 0.5), the current ones shifted by 0.02,
 * alternating; another generator than the table's) are generated row after
 * row into memory first (not timed), then:
 *   touch      writing one byte a page over fresh memory the size of the
 *              rows' blocks (what the first touch of the blocks costs alone);
 *   store      the rows copied into fresh column-major blocks (of block_rows
 *              rows, a power of two, at most 128 kB) packed in slabs of 1,
 *              2, 4, ... 64 blocks as the transition function stores them
 *              (first touch included);
 *   test       mlm_emb_ratio_drifted on those blocks: every component
 *              gathered, radix-sorted and tested (the final function's core).
 * Prints one line: "touch <s> store <s> test <s> drifted <k>".  test is the
 * final function's work alone, without PostgreSQL: with the read of the rows
 * it is what this exact test costs even if storing the rows cost nothing;
 * the bench compares it with reading them.  (store is noisy on these
 * machines: the first touch of fresh memory varies by 10x between runs.)
 *
 * Built from src/core (plain C, no PostgreSQL headers):
 *   gcc -O2 -Isrc/core bench/ratio_floor.c src/core/embedding_ratio.c
 *       src/core/sort.c src/core/wasserstein_lanes.c -lm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "embedding_ratio.h"

#define HUGE_PAGE ((size_t) 2 * 1024 * 1024)

/* n bytes of fresh memory advised as huge pages, as src/huge_alloc.c does for the extension's slabs */
static char *
slab(size_t n)
{
	char	   *p = malloc(n + HUGE_PAGE);
	uintptr_t	start = ((uintptr_t) p + HUGE_PAGE - 1) & ~(uintptr_t) (HUGE_PAGE - 1),
				end = ((uintptr_t) p + n + HUGE_PAGE) & ~(uintptr_t) (HUGE_PAGE - 1);

	if (p == NULL)
		abort();
#ifdef MADV_HUGEPAGE
	if (end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
	return p;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* xorshift64*: the rows are reproducible and cost little to make */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static float
uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float) ((double) ((rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0 - 0.5);
}

static void
make_row(float *row, int d, int current)
{
	for (int j = 0; j < d; j++)
		row[j] = uniform() + (current ? 0.02f : 0.0f);
}

typedef struct Sample
{
	void	  **block;
	int32_t    *fill;
	int64_t		nblocks;
	int64_t		n;
} Sample;

int
main(int argc, char **argv)
{
	int64_t		n = argc > 1 ? atoll(argv[1]) : 100000;
	int			d = argc > 2 ? atoi(argv[2]) : 384;
	int64_t		block_rows = mlm_emb_block_rows(d, sizeof(float));
	float	   *rows;
	Sample		s[2];
	double		t0,
				t_touch,
				t_store,
				t_test;
	volatile char *touch;
	char	   *free_block = NULL;
	int			free_left = 0,
				slab_blocks = 0;
	size_t		block_bytes,
				total;
	int64_t		drifted;
	double	   *scratch;
	mlm_emb_blocks eb[2];

	block_bytes = (size_t) block_rows * d * sizeof(float);
	total = (size_t) 2 * ((n + block_rows - 1) / block_rows) * block_bytes;

	/* touch: fresh memory the size of the blocks, zeroed */
	t0 = now();
	touch = slab(total);
	for (size_t i = 0; i < total; i += 4096)
		touch[i] = 0;
	t_touch = now() - t0;

	/* the rows, row after row, as the table holds them (not timed) */
	rows = malloc(sizeof(float) * d * 2 * n);
	for (int64_t i = 0; i < 2 * n; i++)
		make_row(rows + i * d, d, (int) (i & 1));

	/* store: the rows into fresh column-major blocks, alternately reference and current */
	t0 = now();
	for (int k = 0; k < 2; k++)
	{
		s[k].nblocks = (n + block_rows - 1) / block_rows;
		s[k].block = malloc(sizeof(void *) * s[k].nblocks);
		s[k].fill = calloc(s[k].nblocks, sizeof(int32_t));
		s[k].n = 0;
	}
	for (int64_t i = 0; i < 2 * n; i++)
	{
		int			k = (int) (i & 1);
		int64_t		b = s[k].n / block_rows,
					r = s[k].n % block_rows;
		float	   *blk;

		const float *row = rows + i * d;

		if (r == 0)
		{
			/* blocks packed in slabs of 1, 2, 4, ... MLM_EMB_SLAB_BLOCKS, as the transition function takes them */
			if (free_left == 0)
			{
				slab_blocks = slab_blocks == 0 ? 1 : (slab_blocks * 2 < MLM_EMB_SLAB_BLOCKS ? slab_blocks * 2 : MLM_EMB_SLAB_BLOCKS);
				free_block = slab((size_t) slab_blocks * block_bytes);
				free_left = slab_blocks;
			}
			s[k].block[b] = free_block;
			free_block += block_bytes;
			free_left--;
		}
		blk = s[k].block[b];
		for (int j = 0; j < d; j++)
			blk[(int64_t) j * block_rows + r] = row[j];
		s[k].fill[b]++;
		s[k].n++;
	}
	t_store = now() - t0;

	/* test: every component sorted and tested, as the final function does */
	for (int k = 0; k < 2; k++)
	{
		eb[k].block = (const void *const *) s[k].block;
		eb[k].fill = s[k].fill;
		eb[k].nblocks = s[k].nblocks;
		eb[k].block_rows = block_rows;
		eb[k].n = s[k].n;
	}
	t0 = now();
	scratch = (double *) slab(sizeof(double) * mlm_emb_ratio_scratch_doubles(n, n));
	drifted = mlm_emb_ratio_drifted(&eb[0], &eb[1], d, 4, 0.1, scratch, NULL);
	t_test = now() - t0;

	printf("touch %.4f store %.4f test %.4f drifted %lld\n", t_touch, t_store, t_test, (long long) drifted);
	return 0;
}
