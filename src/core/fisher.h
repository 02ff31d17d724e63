/*
 * fisher.h: Fisher's exact test of a 2x2 table, two-sided, as
 * scipy.stats.fisher_exact (SciPy 1.10) computes it, in log space.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_FISHER_H
#define MLM_CORE_FISHER_H

#include <stdint.h>

#include "test_outcome.h"

/*
 * The table [[c00, c01], [c10, c11]] (counts >= 0, sum < 2^53): statistic =
 * the sample odds ratio c00 c11 / (c10 c01) (+inf when c10 c01 = 0), p =
 * the total probability, given the margins, of the tables no more likely
 * than this one (SciPy's relative tolerance 1e-14; p = 1 when this table is
 * as likely as the most likely one), method "exact".  A row or column
 * summing to 0: statistic NaN, p = 1 (as SciPy).
 */
void		mlm_fisher_exact(int64_t c00, int64_t c01, int64_t c10, int64_t c11,
							 mlm_test_outcome *out);

#endif							/* MLM_CORE_FISHER_H */
