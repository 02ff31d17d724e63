/*
 * embedding_ratio.h: Evidently's `ratio` embedding drift method: each
 * component tested as a numeric feature with Evidently's default component
 * test, the normed Wasserstein distance (scipy.stats.wasserstein_distance
 * divided by max(population std of the reference, 0.001); the component
 * drifted when that is >= the component threshold, 0.1); the statistic is
 * the share of drifted components (drift when > threshold, 0.2).  The
 * distance and the std are mlmon's exact implementations (wasserstein.c).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_EMBEDDING_RATIO_H
#define MLM_CORE_EMBEDDING_RATIO_H

#include <stdint.h>

/*
 * Rows of d components held in fixed-size blocks, column-major inside a
 * block: block b holds fill[b] <= block_rows rows, component j of its row i
 * at element j * block_rows + i (float when elem_size is 4, double when 8).
 * Reading one component is then one contiguous run per block.
 */
typedef struct mlm_emb_blocks
{
	const void *const *block;
	const int32_t *fill;
	int64_t		nblocks;
	int64_t		block_rows;
	int64_t		n;				/* the sum of fill */
} mlm_emb_blocks;

/*
 * Rows per block for rows of d components of elem_size bytes: the largest
 * power of two, at most 4096, whose block fits in 128 kB (at least 1); one
 * component of a block is then a run of that many values.  Blocks come from
 * slabs of 1, 2, 4, ... up to MLM_EMB_SLAB_BLOCKS blocks.
 */
#define MLM_EMB_SLAB_BLOCKS 64

int64_t		mlm_emb_block_rows(int64_t d, int elem_size);

/*
 * The number of drifted components of the rows in ref (n >= 1) and cur
 * (n >= 1), d components each, all finite; scratch has room for
 * mlm_emb_ratio_scratch_doubles(n_ref, n_cur) doubles (5 to 6 a row of
 * either sample).  Each component is gathered, sorted (radix sort: float keys
 * for float rows, exact), and tested.  check_cancel, if set, is called once
 * per component.
 */
int64_t		mlm_emb_ratio_scratch_doubles(int64_t n_ref, int64_t n_cur);

int64_t		mlm_emb_ratio_drifted(const mlm_emb_blocks *ref, const mlm_emb_blocks *cur, int64_t d,
								  int elem_size, double component_threshold, double *scratch,
								  void (*check_cancel) (void));

#endif							/* MLM_CORE_EMBEDDING_RATIO_H */
