/*
 * chisq.c: the two chi-square drift tests, each mirroring its reference
 * implementation's arithmetic (SciPy's power_divergence sums its terms with
 * NumPy's pairwise summation, in table order).
 */
#include "chisq.h"

#include <math.h>

#include "gamma.h"
#include "summation.h"

void
mlm_chi2_goodness_of_fit(const int64_t *ref, const int64_t *cur, int64_t k,
						 int64_t n_ref, int64_t n_cur, double *scratch,
						 mlm_chi2_result *res)
{
	double		k_norm = (double) n_cur / (double) n_ref;
	int64_t		i;

	res->dof = k - 1;
	if (k <= 1)
	{
		res->statistic = 0.0;
		res->pvalue = 1.0;
		res->log_pvalue = 0.0;
		return;
	}
	for (i = 0; i < k; i++)
	{
		double		e = (double) ref[i] * k_norm;
		double		d = (double) cur[i] - e;

		/* A category unseen in the reference: (O - 0)^2 / 0 = +inf. */
		scratch[i] = (e == 0.0) ? INFINITY : d * d / e;
	}
	res->statistic = mlm_pairwise_sum(scratch, k);
	res->pvalue = isinf(res->statistic) ? 0.0 : mlm_chi2_sf(res->statistic, (double) res->dof);
	/* An infinite statistic has p = 0 exactly (not by underflow): log -inf. */
	res->log_pvalue = isinf(res->statistic) ? -INFINITY : mlm_chi2_logsf(res->statistic, (double) res->dof);
}

void
mlm_chi2_contingency(const int64_t *ref, const int64_t *cur, int64_t k,
					 int yates, double *scratch, mlm_chi2_result *res)
{
	double		n_ref = 0.0,
				n_cur = 0.0,
				total;
	int64_t		i;

	res->dof = k - 1;
	if (k <= 1)
	{
		res->statistic = 0.0;
		res->pvalue = 1.0;
		res->log_pvalue = 0.0;
		return;
	}
	for (i = 0; i < k; i++)
	{
		n_ref += (double) ref[i];
		n_cur += (double) cur[i];
	}
	total = n_ref + n_cur;

	/* Cells in row-major order: the reference row, then the current row. */
	for (i = 0; i < 2 * k; i++)
	{
		int64_t		c = i % k;
		double		row = (i < k) ? n_ref : n_cur;
		double		obs = (double) ((i < k) ? ref[c] : cur[c]);
		double		col = (double) ref[c] + (double) cur[c];
		double		e = row * col / total;
		double		d;

		if (yates && res->dof == 1)
		{
			/* Move each observation towards its expectation by at most 0.5. */
			double		diff = e - obs;
			double		mag = fabs(diff) < 0.5 ? fabs(diff) : 0.5;

			obs += (diff > 0) ? mag : (diff < 0 ? -mag : 0.0);
		}
		d = obs - e;
		scratch[i] = d * d / e;
	}
	res->statistic = mlm_pairwise_sum(scratch, 2 * k);
	res->pvalue = mlm_chi2_sf(res->statistic, (double) res->dof);
	res->log_pvalue = mlm_chi2_logsf(res->statistic, (double) res->dof);
}
