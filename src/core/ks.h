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
	MLM_KS_ASYMP = 2,
	MLM_KS_NONE = 3				/* the statistic only, no p-value (NaN) */
} mlm_ks_method;

typedef struct mlm_ks_result
{
	double		statistic;		/* D, D+ or D- as SciPy reports it */
	double		pvalue;
	double		log_pvalue;		/* ln(pvalue), finite where pvalue underflows to 0; NaN with it */
	double		location;		/* value at which the ECDF gap is attained */
	int			sign;			/* +1: reference ECDF above current, -1: below */
	mlm_ks_method method_used;	/* MLM_KS_EXACT, MLM_KS_ASYMP or MLM_KS_NONE */
} mlm_ks_result;

/*
 * Two-sample KS test of sample a (reference, SciPy's data1) against b
 * (current, data2), both non-empty, with SciPy 1.10's choice of exact or
 * asymptotic p-value.
 */
void		mlm_ks_2samp(const mlm_wsample *a, const mlm_wsample *b,
						 mlm_alternative alt, mlm_ks_method method, mlm_ks_result *res);

/* One extreme of the ECDF gap and where it was met (internal to the walk). */
typedef struct mlm_ks_extreme
{
	double		gap;			/* cdf1 - cdf2 at the extreme */
	double		loc_a;			/* first value of the reference attaining it */
	double		loc_b;			/* first value of the current sample attaining it */
	int			has_a;
	int			has_b;
	int			set;
} mlm_ks_extreme;

/*
 * An incremental form of the walk, for callers that know the pooled
 * values from elsewhere (counts per cell of a reference grid): feed every
 * pooled value v that can hold an extreme, in ascending order, with the
 * counts i and j of reference and current values <= v.
 */
typedef struct mlm_ks_walk
{
	int64_t		n1;
	int64_t		n2;
	mlm_ks_extreme emax;
	mlm_ks_extreme emin;
} mlm_ks_walk;

void		mlm_ks_walk_init(mlm_ks_walk *w, int64_t n1, int64_t n2);
void		mlm_ks_walk_point(mlm_ks_walk *w, int64_t i, int64_t j, double v, int in_a, int in_b);

/* Pick the statistic from the walk's extremes and compute its p-value (SciPy 1.10's rules). */
void		mlm_ks_walk_finish(const mlm_ks_walk *w, mlm_alternative alt, mlm_ks_method method,
							   mlm_ks_result *res);

#endif
