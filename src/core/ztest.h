/*
 * ztest.h: Evidently's two-proportion z-test for binary categorical
 * features.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_ZTEST_H
#define MLM_ZTEST_H

#include <stdint.h>

typedef struct mlm_z_result
{
	double		statistic;		/* pooled z of p_ref - p_cur */
	double		pvalue;			/* two-sided */
	double		log_pvalue;		/* ln(pvalue), finite where pvalue underflows to 0 */
} mlm_z_result;

/*
 * Pooled two-proportion z-test: x_ref of n_ref reference rows and x_cur of
 * n_cur current rows fall in the tracked category.  p = erfc(|z| / sqrt 2).
 * When both samples hold only that one category (or none of it), z = 0 and
 * p = 1, as Evidently reports.
 */
void		mlm_z_test(int64_t x_ref, int64_t n_ref, int64_t x_cur, int64_t n_cur,
					   mlm_z_result *res);

#endif
