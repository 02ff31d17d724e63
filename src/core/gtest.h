/*
 * gtest.h: the G-test (log-likelihood ratio) of a categorical feature, as
 * Evidently's g_test runs it: scipy.stats.power_divergence(current counts,
 * reference counts * n_cur / n_ref, lambda_ = "log-likelihood") over the
 * union of the categories.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_GTEST_H
#define MLM_CORE_GTEST_H

#include <stdint.h>

#include "test_outcome.h"

/*
 * G = 2 sum o ln(o/e), o = cur[i], e = ref[i] n_cur / n_ref, over k
 * categories (both samples non-empty, counts >= 0, n_ref and n_cur their
 * sums); p = chi2.sf(G, k - 1), method "asymp".  A category the reference
 * lacks (e = 0 < o): G = +inf, p = 0, log p = -inf.  k <= 1: G = 0, p = 1.
 */
void		mlm_g_test(const int64_t *ref, const int64_t *cur, int64_t k,
					   int64_t n_ref, int64_t n_cur, mlm_test_outcome *out);

#endif							/* MLM_CORE_GTEST_H */
