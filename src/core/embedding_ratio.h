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

/* Components gathered per pass over the rows (one cache line of float8). */
#define MLM_EMB_RATIO_BLOCK 8

/*
 * The number of drifted components of rows held row-major (d components
 * each) in ref (n_ref >= 1 rows) and cur (n_cur >= 1 rows), as float
 * (elem_size 4) or double (elem_size 8); scratch has room for
 * MLM_EMB_RATIO_BLOCK * (n_ref + n_cur) + max(n_ref, n_cur) doubles.  check_cancel, if set,
 * is called once per component.
 */
int64_t		mlm_emb_ratio_drifted(const void *ref, int64_t n_ref, const void *cur, int64_t n_cur, int64_t d,
								  int elem_size, double component_threshold, double *scratch,
								  void (*check_cancel) (void));

#endif							/* MLM_CORE_EMBEDDING_RATIO_H */
