/*
 * comoments_missing.c: co-moments of mean-imputed data from the complete
 * rows' co-moments and the incomplete rows' per-pair moments.
 *
 * For a pair (j, k) the rows where both are present are the complete rows
 * and the incomplete rows with both present: their count n_b, means a_j,
 * a_k and co-moment B come from merging the two blocks with Chan's
 * formula.  Around the features' own means m_j (over every row where j is
 * present: the diagonal pair (j, j)), the co-moment is
 *   sum (x_j - m_j)(x_k - m_k) = B + n_b (a_j - m_j)(a_k - m_k),
 * the cross terms vanishing because a_j, a_k are the block's means.
 * On the diagonal a_j = m_j and the correction is 0.
 */
#include "comoments_missing.h"

#include <math.h>
#include <stddef.h>

#include "comoments.h"

void
mlm_pairmoments_add(int p, const mlm_pairmoments *pm, const double *x)
{
	int			i,
				j;
	long		k = 0;

	for (i = 0; i < p; i++)
	{
		double		xi = x[i];

		if (isnan(xi))
		{
			k += p - i;
			continue;
		}
		for (j = i; j < p; j++, k++)
		{
			double		xj = x[j],
						n,
						r,
						da;

			if (isnan(xj))
				continue;
			n = pm->cnt[k] + 1.0;
			r = 1.0 / n;
			da = xi - pm->ma[k];
			pm->ma[k] += da * r;
			pm->mb[k] += (xj - pm->mb[k]) * r;
			pm->cc[k] += da * (xj - pm->mb[k]);
			pm->cnt[k] = n;
		}
	}
}

/* Block (na, ma, mb, c) += block (nb, ...): Chan's update for one pair. */
static inline void
pair_merge(double *na, double *ma, double *mb, double *c,
		   double nb, double mab, double mbb, double cb)
{
	double		n = *na + nb,
				da,
				db;

	if (nb == 0.0)
		return;
	if (*na == 0.0)
	{
		*na = nb;
		*ma = mab;
		*mb = mbb;
		*c = cb;
		return;
	}
	da = mab - *ma;
	db = mbb - *mb;
	*c += cb + da * db * (*na * nb / n);
	*ma += da * (nb / n);
	*mb += db * (nb / n);
	*na = n;
}

void
mlm_pairmoments_merge(int p, const mlm_pairmoments *a, const mlm_pairmoments *b)
{
	long		k,
				size = mlm_packed_size(p);

	for (k = 0; k < size; k++)
		pair_merge(&a->cnt[k], &a->ma[k], &a->mb[k], &a->cc[k],
				   b->cnt[k], b->ma[k], b->mb[k], b->cc[k]);
}

void
mlm_pairmoments_impute(int p, double nc, const double *meanc, const double *cc,
					   const mlm_pairmoments *pm, double *mean, double *c, double *present)
{
	int			i,
				j;

	/* the features' own means: the diagonal pairs */
	for (i = 0; i < p; i++)
	{
		double		n = nc,
					m = meanc[i],
					mm = m,
					b = 0.0;

		if (pm != NULL)
			pair_merge(&n, &m, &mm, &b, pm->cnt[mlm_packed_index(p, i, i)], pm->ma[mlm_packed_index(p, i, i)],
					   pm->mb[mlm_packed_index(p, i, i)], pm->cc[mlm_packed_index(p, i, i)]);
		present[i] = n;
		mean[i] = n > 0.0 ? m : 0.0;
	}
	for (i = 0; i < p; i++)
		for (j = i; j < p; j++)
		{
			long		k = mlm_packed_index(p, i, j);
			double		n = nc,
						a = meanc[i],
						b = meanc[j],
						s = cc[k];

			if (pm != NULL)
				pair_merge(&n, &a, &b, &s, pm->cnt[k], pm->ma[k], pm->mb[k], pm->cc[k]);
			if (n == 0.0)
				c[k] = 0.0;
			else if (i == j)
				c[k] = s;
			else
				c[k] = s + n * (a - mean[i]) * (b - mean[j]);
		}
}
