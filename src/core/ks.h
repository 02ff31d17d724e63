/*
 * ks.h: the two-sample Kolmogorov-Smirnov test on sorted samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_KS_H
#define MLM_KS_H

#include <stdint.h>

#include "ks_exact.h"
#include "wsample.h"

typedef enum
{
	MLM_KS_AUTO = 0,
	MLM_KS_EXACT = 1,
	MLM_KS_ASYMP = 2
} mlm_ks_method;

typedef struct mlm_ks_result
{
	double		statistic;		/* D, D+ or D- as SciPy reports it */
	double		pvalue;
	double		location;		/* value at which the ECDF gap is attained */
	int			sign;			/* +1: reference ECDF above current, -1: below */
	mlm_ks_method method_used;	/* MLM_KS_EXACT or MLM_KS_ASYMP */
} mlm_ks_result;

/*
 * Two-sample KS test of sample a (reference, SciPy's data1) against b
 * (current, data2), both non-empty, with SciPy 1.10's choice of exact or
 * asymptotic p-value.
 */
void		mlm_ks_2samp(const mlm_wsample *a, const mlm_wsample *b,
						 mlm_alternative alt, mlm_ks_method method, mlm_ks_result *res);

#endif
