/*
 * ttest.c: the two-sample t-test (scipy.stats.ttest_ind, two-sided).
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 *
 * Welch: a = s1^2 / n1, b = s2^2 / n2, t = (m1 - m2) / sqrt(a + b),
 * df = (a + b)^2 / (a^2 / (n1 - 1) + b^2 / (n2 - 1)) (1 where that is 0/0,
 * as SciPy).  Student: df = n1 + n2 - 2, pooled variance
 * ((n1 - 1) s1^2 + (n2 - 1) s2^2) / df, t = (m1 - m2) / sqrt(sp^2 (1/n1 + 1/n2)).
 * Two-sided p = I_{df/(df+t^2)}(df/2, 1/2) (incbeta.c, log form).
 */
#include <math.h>

#include "incbeta.h"
#include "ttest.h"

void
mlm_ttest(const mlm_moments *a, const mlm_moments *b, int student, mlm_test_outcome *out)
{
	double		n1 = (double) a->n,
				n2 = (double) b->n;
	double		df,
				denom;

	out->method = student ? "student" : "welch";
	out->statistic = out->pvalue = out->log_pvalue = NAN;
	if (a->n < 2 || b->n < 2)
		return;
	if (student)
	{
		double		v1 = a->m2 / (n1 - 1.0),
					v2 = b->m2 / (n2 - 1.0);

		df = n1 + n2 - 2.0;
		denom = sqrt(((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df * (1.0 / n1 + 1.0 / n2));
	}
	else
	{
		double		vn1 = a->m2 / (n1 - 1.0) / n1,
					vn2 = b->m2 / (n2 - 1.0) / n2;

		df = (vn1 + vn2) * (vn1 + vn2) / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0));
		if (isnan(df))
			df = 1.0;
		denom = sqrt(vn1 + vn2);
	}
	out->statistic = (a->mean - b->mean) / denom;
	if (isnan(out->statistic))
		return;
	out->pvalue = mlm_t_two_sided_p(out->statistic, df, &out->log_pvalue);
}
