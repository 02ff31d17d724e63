/*
 * comoments_missing.h: the count, means and co-moments a PCA fit needs
 * when some values are missing and are imputed with their feature's mean
 * (scikit-learn's SimpleImputer(strategy="mean"), as NannyML's data
 * reconstruction drift does before StandardScaler and PCA).
 *
 * Rows without a missing value go to the plain co-moments (comoments.h);
 * the rows with one are kept per pair of features: for each j <= k, over
 * the incomplete rows where both are present, their count, the two means
 * and the co-moment (Welford per pair, merged with Chan's formula per
 * pair).  mlm_pairmoments_impute combines both into the moments of the
 * imputed data: an imputed value equals its feature's final mean, so it
 * adds nothing to any co-moment, and
 *   C_jk = sum over rows where j and k are present of (x_j - m_j)(x_k - m_k)
 * with m_j the mean of feature j over the rows where it is present.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_COMOMENTS_MISSING_H
#define MLM_CORE_COMOMENTS_MISSING_H

/*
 * Per-pair moments of incomplete rows, each array packed as comoments.h's
 * co-moments (mlm_packed_index): cnt (rows where both features are
 * present), ma and mb (the means of feature i and of feature j over those
 * rows, i <= j), cc (their co-moment).
 */
typedef struct mlm_pairmoments
{
	double	   *cnt;
	double	   *ma;
	double	   *mb;
	double	   *cc;
} mlm_pairmoments;

/* Add the row x (p numbers, NaN = missing, the others finite). */
void		mlm_pairmoments_add(int p, const mlm_pairmoments *pm, const double *x);

/* a += b, pair by pair (Chan, Golub and LeVeque). */
void		mlm_pairmoments_merge(int p, const mlm_pairmoments *a, const mlm_pairmoments *b);

/*
 * The moments of n_total rows after mean imputation: the nc complete rows'
 * means meanc and packed co-moments cc, merged with the incomplete rows'
 * pair moments pm (NULL when there are none).  Writes mean[0..p) (0 for a
 * feature present in no row), the packed co-moments c (0 in the rows and
 * columns of such a feature) and present[0..p), each feature's count of
 * present values.  n_total (nc plus the incomplete rows) is the count the
 * fit divides by; it is not needed here.
 */
void		mlm_pairmoments_impute(int p, double nc, const double *meanc, const double *cc,
								   const mlm_pairmoments *pm, double *mean, double *c, double *present);

#endif							/* MLM_CORE_COMOMENTS_MISSING_H */
