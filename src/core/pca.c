/*
 * pca.c: scikit-learn's StandardScaler + PCA(n_components=fraction) fitted
 * from a sample's co-moments, and a row's reconstruction error.
 *
 * PCA of the standardized data z is the eigen-decomposition of its
 * covariance, C[i][j] / (scale[i] scale[j] (n - 1)) (scikit-learn takes the
 * singular value decomposition of the centred data: the same eigenvalues
 * S^2 / (n - 1) and right singular vectors).  The explained variance
 * ratios are the eigenvalues over their sum, in decreasing order; the
 * eigenvalues come from cyclic Jacobi (symeig.c), whose rounding is a few
 * ulps of the largest.  The mean of the standardized data, which
 * scikit-learn subtracts before projecting and adds back after, is exactly
 * 0 from the moments; the caller stores it (pca_mean) and the
 * reconstruction applies it as scikit-learn does.
 */
#include "pca.h"

#include <float.h>
#include <math.h>

#include "comoments.h"
#include "symeig.h"

/* StandardScaler's _is_constant_feature: a variance within rounding noise of 0. */
static int
constant_feature(double var, double mean, double n)
{
	double		bound = n * DBL_EPSILON * var + (n * mean * DBL_EPSILON) * (n * mean * DBL_EPSILON);

	return var <= bound;
}

int
mlm_pca_fit(int p, double n, const double *mean, const double *c,
			double variance, double *scale, double *ratio,
			double *components, int *k, double *work)
{
	double	   *m = work,
			   *lambda = work + (long) p * p,
			   *vec = components;
	int		   *order = (int *) (work + (long) p * p + p);	/* p ints fit in p doubles */
	double		total = 0.0,
				cum = 0.0;
	int			i,
				j,
				kept;

	*k = 0;
	for (j = 0; j < p; j++)
	{
		double		var = c[mlm_packed_index(p, j, j)] / n;

		if (!isfinite(var) || !isfinite(mean[j]))
			return -1;
		scale[j] = constant_feature(var, mean[j], n) ? 1.0 : sqrt(var);
	}
	for (i = 0; i < p; i++)
		for (j = i; j < p; j++)
			m[(long) i * p + j] = m[(long) j * p + i] =
				c[mlm_packed_index(p, i, j)] / (scale[i] * scale[j]) / (n - 1.0);
	/* the eigenvectors go to a scratch area first: components is p x p too */
	if (mlm_symeig_inplace(p, m, lambda, vec) != 0)
		return -1;

	/* decreasing eigenvalues (rounding may leave a zero one slightly negative), ties by index */
	for (i = 0; i < p; i++)
	{
		int			at = i;

		lambda[i] = fmax(lambda[i], 0.0);
		while (at > 0 && lambda[order[at - 1]] < lambda[i])
		{
			order[at] = order[at - 1];
			at--;
		}
		order[at] = i;
	}
	for (i = 0; i < p; i++)
		total += lambda[order[i]];
	if (!(total > 0.0))
		return 0;
	kept = 0;
	for (i = 0; i < p; i++)
	{
		ratio[i] = lambda[order[i]] / total;
		cum += ratio[i];
		if (cum <= variance)
			kept++;
	}
	kept = kept + 1 < p ? kept + 1 : p;

	/* the kept eigenvectors as rows, into m (no longer needed), then back to components */
	for (i = 0; i < kept; i++)
	{
		double		big = 0.0;

		for (j = 0; j < p; j++)
		{
			m[(long) i * p + j] = vec[(long) j * p + order[i]];
			if (fabs(m[(long) i * p + j]) > fabs(big))
				big = m[(long) i * p + j];
		}
		for (j = 0; j < p; j++)
			m[(long) i * p + j] = big < 0.0 ? -m[(long) i * p + j] : m[(long) i * p + j];
	}
	for (i = 0; i < kept * p; i++)
		components[i] = m[i];
	*k = kept;
	return 0;
}

double
mlm_pca_reconstruction_error(int p, int k, const double *mean, const double *scale,
							 const double *components, const double *pca_mean,
							 const double *x, double *work)
{
	double		ss = 0.0;
	int			i,
				j;

	/* transform: t = V (z - pca_mean) */
	for (i = 0; i < k; i++)
	{
		const double *v = components + (long) i * p;
		double		t = 0.0;

		for (j = 0; j < p; j++)
		{
			double		xj = isnan(x[j]) ? mean[j] : x[j];

			t += v[j] * ((xj - mean[j]) / scale[j] - pca_mean[j]);
		}
		work[i] = t;
	}
	/* inverse_transform: t V + pca_mean; the error's squares */
	for (j = 0; j < p; j++)
	{
		double		xj = isnan(x[j]) ? mean[j] : x[j];
		double		z = (xj - mean[j]) / scale[j];
		double		r = pca_mean[j];

		for (i = 0; i < k; i++)
			r += work[i] * components[(long) i * p + j];
		ss += (z - r) * (z - r);
	}
	return sqrt(ss);
}
