/*
 * ztest.c: Evidently's proportions_diff_z_stat_ind and proportions_diff_z_test
 * with the tail computed by erfc, so that strong drift gives a tiny p-value
 * instead of 2 * (1 - Phi(|z|)) rounding to 0.
 */
#include "ztest.h"

#include <math.h>

#include "normal.h"

void
mlm_z_test(int64_t x_ref, int64_t n_ref, int64_t x_cur, int64_t n_cur, mlm_z_result *res)
{
	double		n1 = (double) n_ref;
	double		n2 = (double) n_cur;
	double		p1 = (double) x_ref / n1;
	double		p2 = (double) x_cur / n2;
	double		pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
	double		se = sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2));

	if (se == 0.0)
	{
		/* Both samples constant and equal: no evidence of a difference. */
		res->statistic = 0.0;
		res->pvalue = 1.0;
		res->log_pvalue = 0.0;
		return;
	}
	res->statistic = (p1 - p2) / se;
	res->pvalue = mlm_norm_two_sided_p(res->statistic);
	res->log_pvalue = mlm_norm_two_sided_logp(res->statistic);
}
