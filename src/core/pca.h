/*
 * pca.h: principal component analysis of standardized vectors as
 * scikit-learn's StandardScaler then PCA(n_components=<fraction>) fit it,
 * from the count, means and co-moments of the sample (comoments.h), and
 * the reconstruction error of one row (NannyML's data reconstruction
 * drift).
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 */
#ifndef MLM_CORE_PCA_H
#define MLM_CORE_PCA_H

/* NannyML's default share of the variance the kept components explain. */
#define MLM_PCA_DEFAULT_VARIANCE 0.65

/*
 * Fit on n >= 2 rows of p features summarized by mean[0..p) and the packed
 * co-moments c (comoments.h):
 * - scale[j]: the population standard deviation, or 1 for a feature
 *   StandardScaler takes as constant (var <= n eps var + (n mean eps)^2);
 * - the eigen-decomposition of the covariance of the standardized data;
 * - *k: the number of leading components kept, scikit-learn's rule for a
 *   fractional n_components: searchsorted(cumsum(ratio), variance,
 *   side="right") + 1, at most p; 0 when the standardized data has no
 *   variance at all (every feature constant);
 * - ratio[0..k): each kept component's share of the total variance;
 * - components[0..k*p): the kept unit eigenvectors, row i the i-th
 *   largest, its largest |entry| (the first of equals) made positive.
 * work holds p * p + 2 * p numbers.  Returns 0, or -1 when the moments are
 * not finite.
 */
int			mlm_pca_fit(int p, double n, const double *mean, const double *c,
						double variance, double *scale, double *ratio,
						double *components, int *k, double *work);

/*
 * The reconstruction error of the row x (a NaN component is imputed with
 * mean[j]): with z = (x - mean) / scale, the Euclidean norm of
 * z - (V' V (z - pca_mean) + pca_mean), V the k x p components, as
 * scikit-learn's inverse_transform(transform(z)) computes the
 * reconstruction.  work holds k numbers.
 */
double		mlm_pca_reconstruction_error(int p, int k, const double *mean, const double *scale,
										 const double *components, const double *pca_mean,
										 const double *x, double *work);

#endif							/* MLM_CORE_PCA_H */
