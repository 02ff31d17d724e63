/*
 * embedding_mmd.h: Evidently's `mmd` embedding drift method (its
 * MMDDriftMethod), on the rows of two samples (embedding_sample.h).
 *
 * Reference rows x[0..m), current rows y[0..n), m, n >= 2, d components:
 *   dist(a, b) = sqrt(sum_i (a_i - b_i)^2), summed as squared differences
 *     (scikit-learn's pairwise_distances expands |a|^2 + |b|^2 - 2 a.b,
 *     which loses digits when the rows are far from the origin against
 *     their spread; SciPy's cdist sums as we do);
 *   sigma^2 = numpy.median of the m x n distances dist(x_i, y_j) (the mean
 *     of the two middle values when m n is even), squared;
 *   k(a, b) = exp(-gamma dist(a, b)^2), gamma = 1 / sigma^2 (the rbf kernel
 *     of scikit-learn's pairwise_kernels); k(a, a) = 1.  When sigma^2 = 0
 *     (or so small that gamma overflows to infinity: at least half of the
 *     cross pairs are identical rows), k is the kernel's limit as sigma^2
 *     goes to 0: 1 for identical rows, 0 otherwise (Evidently divides by
 *     zero there and returns NaN);
 *   MMD^2_u = S_xx / (m (m-1)) + S_yy / (n (n-1)) - 2 S_xy / (m n), S_xx the
 *     sum of k over ordered pairs of distinct reference rows (the diagonal
 *     left out), S_yy the same for the current rows, S_xy over all
 *     reference x current pairs; the sums compensated (Neumaier).
 *
 * Bootstrap (Evidently's mmd(bootstrap=True)): gamma_x = 1 / sigma_x^2 from
 * numpy.median of the m x m reference-reference distances (zero diagonal
 * included); K = k over the reference rows with gamma_x; B replicates, each
 * two draws with replacement from the m reference rows, of sizes
 * s_x = max(floor(m^2 / (m + n)), 1) and s_y = max(floor(m n / (m + n)), 1),
 * and its MMD^2_u over K (pairs of positions within a draw, the diagonal of
 * positions left out: a row drawn twice pairs with itself, k = 1).  The
 * threshold is numpy.percentile(replicates, 100 q) (linear).  Evidently
 * reseeds numpy's Mersenne Twister per replicate; we draw from one
 * SplitMix64 stream (splitmix64.h) started at `seed`: for each replicate,
 * s_x indices mlm_splitmix64_below(g, m) then s_y indices, into x in the
 * order given (THE ORDER of embedding_sample.h).  Undefined (NaN) when
 * s_x < 2 or s_y < 2 (Evidently divides by zero).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_EMBEDDING_MMD_H
#define MLM_CORE_EMBEDDING_MMD_H

#include <stdint.h>

#define MLM_EMB_MMD_BOOTSTRAP 100
#define MLM_EMB_MMD_SEED 0

/* Most rows per sample the method takes (the scratch is O(max_rows^2)). */
#define MLM_EMB_MMD_MAX_ROWS 5000

/* numpy.median of x[0..n), n >= 1, finite values (x is reordered). */
double		mlm_median(double *x, int64_t n);

/* sum_i (a_i - b_i)^2. */
double		mlm_emb_sqdist(const double *a, const double *b, int64_t d);

/* Doubles of scratch mlm_emb_mmd needs: 2 m n. */
#define MLM_EMB_MMD_SCRATCH(m, n) ((int64_t) 2 * (m) * (n))

/*
 * MMD^2_u of x (m rows) against y (n rows), m, n >= 2, into *mmd2u, and
 * sigma^2 into *sigma2.  check_cancel, if set, is called every few rows
 * (it may not return: nothing is allocated here).
 */
void		mlm_emb_mmd(const double *const *x, int64_t m, const double *const *y, int64_t n, int64_t d,
						double *scratch, void (*check_cancel) (void), double *mmd2u, double *sigma2);

/* Doubles of scratch mlm_emb_mmd_bootstrap needs: 2 m^2 + 2 m + replicates. */
#define MLM_EMB_MMD_BOOT_SCRATCH(m, b) ((int64_t) 2 * (m) * (m) + 2 * (int64_t) (m) + (b))

/*
 * The bootstrap threshold (above) for m reference rows x and n current
 * rows; NaN when a draw would have fewer than 2 rows.
 */
double		mlm_emb_mmd_bootstrap(const double *const *x, int64_t m, int64_t n, int64_t d, double q,
								  int replicates, uint64_t seed, double *scratch,
								  void (*check_cancel) (void));

#endif							/* MLM_CORE_EMBEDDING_MMD_H */
