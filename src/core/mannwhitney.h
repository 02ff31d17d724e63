/*
 * mannwhitney.h: the Mann-Whitney U test of two samples
 * (scipy.stats.mannwhitneyu of SciPy 1.10, use_continuity=True).
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_MANNWHITNEY_H
#define MLM_CORE_MANNWHITNEY_H

#include <stdint.h>

#include "ks.h"
#include "wsample.h"
#include "test_outcome.h"

/* What the ranks of the pooled sample give. */
typedef struct mlm_mwu_ranks
{
	int64_t		n1;				/* reference values (SciPy's x) */
	int64_t		n2;				/* current values (y) */
	int64_t		u1x2;			/* 2 U1: U1 is a multiple of 1/2 with midranks */
	double		tie_term;		/* sum over groups of tied values of t^3 - t */
	int			has_ties;		/* some value occurs more than once */
} mlm_mwu_ranks;

/*
 * Ranks of the sorted sample x against the sorted sample y (raw or with
 * counts): U1 of x with midranks, the tie term (exact integers; the tie
 * term rounded once to double).  x->n * y->n must be below 2^62.
 */
void		mlm_mwu_rank(const mlm_wsample *x, const mlm_wsample *y, mlm_mwu_ranks *r);

/* SciPy 1.10's method choice for 'auto': exact when either sample has at most 8 values and no value is tied. */
int			mlm_mwu_auto_exact(const mlm_mwu_ranks *r);

/*
 * The exact p-value needs this many long doubles of scratch space and about
 * min(n1, n2) times as many steps.
 */
int64_t		mlm_mwu_exact_terms(const mlm_mwu_ranks *r, mlm_alternative alt);

/*
 * The test: statistic U1; p-value by the exact null distribution
 * (exact != 0; work holds mlm_mwu_exact_terms long doubles) or by the normal
 * approximation with tie correction and continuity correction 0.5.  The
 * method is "exact" or "asymp".
 */
void		mlm_mwu_test(const mlm_mwu_ranks *r, mlm_alternative alt, int exact, long double *work,
						 mlm_test_outcome *out);

#endif							/* MLM_CORE_MANNWHITNEY_H */
