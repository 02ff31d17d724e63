/*
 * moments.h: count, mean and sum of squared deviations of a sample, kept
 * in double-double arithmetic and merged with Chan et al.'s formulas:
 * the whole state of a t-test.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_MOMENTS_H
#define MLM_CORE_MOMENTS_H

#include <stdint.h>

#include "wsample.h"

/* A double-double number hi + lo, |lo| <= ulp(hi) / 2. */
typedef struct mlm_dd
{
	double		hi;
	double		lo;
} mlm_dd;

/* Running moments of one sample. */
typedef struct mlm_dmoments
{
	int64_t		n;
	mlm_dd		mean;
	mlm_dd		m2;				/* sum of (x - mean)^2 */
} mlm_dmoments;

/* Welford's update with x (finite). */
void		mlm_dmoments_add(mlm_dmoments *m, double x);

/* count copies of x (finite) added: Welford's update for one, else a merge of the block. */
void		mlm_dmoments_add_count(mlm_dmoments *m, double x, int64_t count);

/*
 * The moments of a sorted sample, raw or with counts, its distinct values
 * added in ascending order with their counts (a profile's counts are never
 * expanded).
 */
void		mlm_dmoments_of_sample(const mlm_wsample *s, mlm_dmoments *m);

/* a += b (Chan, Golub and LeVeque's pairwise update). */
void		mlm_dmoments_merge(mlm_dmoments *a, const mlm_dmoments *b);

#endif							/* MLM_CORE_MOMENTS_H */
