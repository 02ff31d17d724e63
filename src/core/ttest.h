/*
 * ttest.h: the two-sample t-test (scipy.stats.ttest_ind, two-sided), in
 * Welch's form (unequal variances, Welch-Satterthwaite degrees of freedom)
 * or Student's (pooled variance, Evidently's form).
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_TTEST_H
#define MLM_CORE_TTEST_H

#include <stdint.h>

#include "test_outcome.h"

/* Count, mean and sum of squared deviations from the mean of one sample (moments.h keeps them). */
typedef struct mlm_moments
{
	int64_t		n;
	double		mean;
	double		m2;
} mlm_moments;

/*
 * The test of a (reference) against b (current): t = (mean_a - mean_b) / se,
 * p = I_{df/(df+t^2)}(df/2, 1/2) with its log.  Where SciPy gives NaN (a
 * sample of fewer than 2 values; both variances zero and equal means) the
 * statistic and p-value are NaN; both variances zero and different means
 * give t = +-inf and p = 0, as in SciPy.  method: "welch" or "student".
 */
void		mlm_ttest(const mlm_moments *a, const mlm_moments *b, int student, mlm_test_outcome *out);

#endif							/* MLM_CORE_TTEST_H */
