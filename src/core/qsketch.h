/*
 * qsketch.h: a mergeable quantile sketch with a deterministic rank-error
 * bound, for numeric profiles past their exact cap.
 *
 * Levels of compactors (Manku, Rajagopalan and Lindsay's scheme, as in
 * KLL without the randomness): an item at level h stands for 2^h values.
 * When a level holds k items they are sorted and paired, and one item of
 * each pair (the first or the second, alternating per level) moves up a
 * level.  One such compaction at level h moves the estimated count of
 * values at or below any x by at most 2^h; the sketch adds those amounts
 * up, so its rank_error is a guaranteed bound, not a probabilistic one.
 * With n values and size k there are about log2(n / k) levels and the bound
 * is about n log2(n / k) / k (0.4% of n for k = 4096 and n = 1e8).
 *
 * Only the bottom level takes items in any order: the items a compaction
 * moves up are merged into the level above in order, and sketches loaded
 * from their flat form (sorted levels) merge level by level without
 * sorting.  Where items sit within a level never changes what a compaction
 * keeps (it sorts the level first), so the sketch is the same as if every
 * level were sorted at each compaction.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_QSKETCH_H
#define MLM_QSKETCH_H

#include <stdint.h>

#include "profile.h"

typedef struct mlm_qsketch
{
	int			k;				/* a level is compacted when it holds k items */
	int			nlevels;
	double	   *items[MLM_PROFILE_MAX_LEVELS];
	int64_t		len[MLM_PROFILE_MAX_LEVELS];
	int64_t		room[MLM_PROFILE_MAX_LEVELS];	/* items each level has room for */
	uint64_t	sorted;			/* bit h: level h is in ascending order */
	uint64_t	parity;			/* bit h: offset of level h's next compaction */
	double		rank_error;		/* sum of 2^h over the compactions so far */
} mlm_qsketch;

/* Sketch size for an exact cap: k = cap / 2, clamped to [256, 4096]. */
int			mlm_qs_k_for_cap(int cap);

/* An empty sketch of size k (no memory allocated yet). */
void		mlm_qs_init(mlm_qsketch *s, int k);

/* Release the sketch's memory. */
void		mlm_qs_free(mlm_qsketch *s);

/* Add `count` copies of v (count >= 1): v goes to every level whose bit is set in count. */
void		mlm_qs_add(mlm_qsketch *s, double v, int64_t count);

/*
 * Add the n values of the ascending run v, each once (v is overwritten): a
 * long run is compacted as one level, without sorting it again.
 */
void		mlm_qs_add_sorted(mlm_qsketch *s, double *v, int64_t n);

/* Add every item of src to dst (sizes may differ; dst keeps its own). */
void		mlm_qs_merge(mlm_qsketch *dst, const mlm_qsketch *src);

/* Load the levels of a checked flat numeric sketch profile. */
void		mlm_qs_load(mlm_qsketch *s, int k, const mlm_profile_view *v);

/* Number of items held. */
int64_t		mlm_qs_items(const mlm_qsketch *s);

/*
 * Sort every level in place (the flat form needs sorted levels) and write
 * the level lengths and the items, level by level, to level_len and values
 * (room for nlevels and mlm_qs_items).
 */
void		mlm_qs_export(mlm_qsketch *s, int64_t *level_len, double *values);

/*
 * The estimated distribution as distinct ascending values with weights:
 * all levels merged, equal values combined.  v and w need room for
 * mlm_qs_items entries; returns the number written.  Levels must be sorted
 * (a loaded or exported sketch).
 */
int64_t		mlm_qs_weighted(const mlm_qsketch *s, double *v, int64_t *w);

#endif
