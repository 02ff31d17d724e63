/*
 * chisq.h: chi-square tests comparing the category counts of a reference
 * and a current sample.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CHISQ_H
#define MLM_CHISQ_H

#include <stdint.h>

typedef struct mlm_chi2_result
{
	double		statistic;
	double		pvalue;
	double		log_pvalue;		/* ln(pvalue), finite where pvalue underflows to 0 */
	int64_t		dof;
} mlm_chi2_result;

/*
 * Evidently's chi-square drift test: scipy.stats.chisquare(f_obs = cur,
 * f_exp = ref * (n_cur / n_ref)) over k categories (the union of both
 * samples).  A category absent from the reference gives an infinite
 * statistic and p = 0; a single category gives statistic 0, p = 1, dof 0.
 * scratch needs room for k doubles.
 */
void		mlm_chi2_goodness_of_fit(const int64_t *ref, const int64_t *cur, int64_t k,
									 int64_t n_ref, int64_t n_cur, double *scratch,
									 mlm_chi2_result *res);

/*
 * scipy.stats.chi2_contingency on the 2 x k table (reference row, current
 * row), with Yates' correction when dof = 1 and `yates` is set.  dof 0 (one
 * category) gives statistic 0, p = 1.  scratch needs room for 2k doubles.
 */
void		mlm_chi2_contingency(const int64_t *ref, const int64_t *cur, int64_t k,
								 int yates, double *scratch, mlm_chi2_result *res);

#endif
