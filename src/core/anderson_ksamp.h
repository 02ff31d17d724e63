/*
 * anderson_ksamp.h: the two-sample Anderson-Darling test of SciPy 1.10
 * (scipy.stats.anderson_ksamp([reference, current], midrank=True)), on two
 * sorted samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_ANDERSON_KSAMP_H
#define MLM_ANDERSON_KSAMP_H

#include <stdint.h>

#include "test_outcome.h"
#include "wsample.h"

/* Results of mlm_anderson_ksamp. */
#define MLM_AD_OK 0
#define MLM_AD_UNDEFINED 1		/* an empty sample, fewer than 4 values or one distinct value: all NaN */

/*
 * Of the sorted samples x (reference) and y (current), raw or with counts:
 * the standardized statistic (A2akN - 1) / sigma_N of Scholz and Stephens
 * (1987), and SciPy's significance level: exp of the quadratic fitted to
 * ln(0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001) against the critical
 * values, capped at 0.25 and floored at 0.001 outside them.  log_pvalue is
 * the logarithm of that p-value.
 */
int			mlm_anderson_ksamp(const mlm_wsample *x, const mlm_wsample *y, mlm_test_outcome *out);

#endif							/* MLM_ANDERSON_KSAMP_H */
