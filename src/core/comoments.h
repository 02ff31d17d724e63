/*
 * comoments.h: count, means and co-moment matrix (sums of products of
 * deviations from the means) of a sample of p-dimensional vectors, updated
 * one row at a time (Welford) and merged with Chan, Golub and LeVeque's
 * pairwise formulas: the whole state of a PCA fit.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_COMOMENTS_H
#define MLM_CORE_COMOMENTS_H

/*
 * The co-moment matrix is kept packed: its upper triangle row by row,
 * c[mlm_packed_index(p, i, j)] for i <= j, p (p + 1) / 2 numbers.
 */
static inline long
mlm_packed_index(int p, int i, int j)
{
	return (long) i * p - (long) i * (i - 1) / 2 + (j - i);
}

static inline long
mlm_packed_size(int p)
{
	return (long) p * (p + 1) / 2;
}

/*
 * Add the row x (p finite numbers) to the count *n, the means mean[0..p)
 * and the packed co-moments c.  delta is scratch space of 2 p numbers.
 */
void		mlm_comoments_add(int p, double *n, double *mean, double *c,
							  const double *x, double *delta);

/*
 * (na, meana, ca) += (nb, meanb, cb): the pairwise update
 * C = Ca + Cb + d d' na nb / n with d = meanb - meana.  delta is scratch
 * space of p numbers.
 */
void		mlm_comoments_merge(int p, double *na, double *meana, double *ca,
								double nb, const double *meanb, const double *cb,
								double *delta);

#endif							/* MLM_CORE_COMOMENTS_H */
