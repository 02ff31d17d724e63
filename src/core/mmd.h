/*
 * mmd.h: Evidently's empirical maximum mean discrepancy drift test
 * ("emperical_mmd") on one numeric feature, made reproducible.
 *
 * Pooled rows: the reference's n then the current's m.  d(x, y) = (x - y)^2,
 * computed as the square of the difference (Evidently expands it as
 * x^2 + y^2 - 2xy, which loses digits when the values are large against
 * their spread).  Kernel k(x, y) = exp(-d / s), where s = the element numpy's
 * percentile(q = 50, 'nearest') picks from the n^2 reference-reference d
 * values (zero diagonal included): index round-half-even((n^2 - 1) / 2) of
 * the sorted list, i.e. (n^2 - 1)/2 for odd n and n^2/2 for even n; s = 1
 * when that element is 0.  (Evidently: sigma^2 = s/2, gamma = 1/(2 sigma^2).)
 * With the kernel's diagonal zeroed:
 *   MMD^2 = S_xx / (n(n-1)) + S_yy / (m(m-1)) - 2 S_xy / (n m)
 * (S_xx: sum of k over ordered pairs of distinct reference rows, S_yy the
 * same for the current rows, S_xy over (reference, current) row pairs).
 * p-value: the share of B relabellings whose MMD*^2 >= MMD^2, no +1.  A
 * relabelling: SplitMix64 (splitmix64.h) restarted at `seed` per call;
 * pooled rows in canonical order (reference ascending, then current
 * ascending); for each relabelling, a fresh copy of that order shuffled by
 * Fisher-Yates: for i = N-1 down to 1, j = mlm_splitmix64_below(g, i + 1),
 * swap rows i and j; the first n rows are the reference.
 *
 * Every sum is taken over the pooled distinct values (ascending) with the
 * relabelling's counts, so two relabellings that put the same multiset of
 * values in the reference give bit-identical statistics (ties compare
 * equal, whatever the order of the rows).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_MMD_H
#define MLM_CORE_MMD_H

#include <stdint.h>

#include "test_outcome.h"
#include "wsample.h"

/* Evidently's number of relabellings and mlmon's seed. */
#define MLM_MMD_PERMUTATIONS 100
#define MLM_MMD_SEED 0

/*
 * Limits: the pooled kernel is kept over the distinct pooled values (upper
 * triangle, D(D-1)/2 doubles: 100 MB at D = 5000), and each relabelling
 * shuffles the N pooled rows (4 bytes each).
 */
#define MLM_MMD_MAX_DISTINCT 5000
#define MLM_MMD_MAX_ROWS 1000000

typedef enum mlm_mmd_rc
{
	MLM_MMD_OK = 0,
	MLM_MMD_TOO_FEW,			/* a sample has fewer than 2 values: n(n-1) = 0 */
	MLM_MMD_TOO_MANY_ROWS,		/* n + m > MLM_MMD_MAX_ROWS */
	MLM_MMD_TOO_MANY_DISTINCT,	/* distinct pooled values > MLM_MMD_MAX_DISTINCT */
	MLM_MMD_OUT_OF_RANGE,		/* the kernel scale s is not finite */
	MLM_MMD_NO_MEMORY
} mlm_mmd_rc;

/*
 * The median of the n^2 reference-reference squared differences as numpy's
 * percentile(50, 'nearest') picks it (see above), without listing them:
 * a search over the bit patterns of the doubles with an O(k) weighted
 * two-pointer count per step (k distinct reference values).  ref: 1 <= n
 * < 2^32 (the counts of pairs are 64-bit).
 */
double		mlm_mmd_median_sqdiff(const mlm_wsample *ref);

/*
 * The test: statistic MMD^2, p-value of `permutations` relabellings from
 * `seed`, method "permutation".  Long loops call the host's check_cancel.
 */
mlm_mmd_rc	mlm_mmd(const mlm_wsample *ref, const mlm_wsample *cur, int permutations, uint64_t seed,
					mlm_test_outcome *out);

#endif							/* MLM_CORE_MMD_H */
