/*
 * symeig.c: cyclic Jacobi eigen-decomposition of a symmetric matrix (any
 * order, in place; or a small one copied) and the pseudo-inverse quadratic
 * form built on it.
 *
 * For a symmetric matrix the singular values are the absolute eigenvalues
 * and the SVD's pseudo-inverse is sum over kept i of q_i q_i' / lambda_i,
 * so d' pinv(a) d = sum (q_i . d)^2 / lambda_i over the eigenvalues NumPy's
 * pinv keeps (|lambda_i| > 1e-15 max |lambda|), and no more than the
 * caller's bound on the rank.  Jacobi rotations are
 * applied until every off-diagonal element is negligible against its
 * diagonal pair (the classic test of Rutishauser's jacobi), which gives
 * every eigenvalue to a few ulps of the matrix's norm.
 */
#include "symeig.h"

#include <float.h>
#include <math.h>

/* NumPy's default rcond of np.linalg.pinv. */
#define PINV_RCOND 1e-15

int
mlm_symeig(int n, const double *a, double *lambda, double *vec)
{
	double		m[MLM_SYMEIG_MAX * MLM_SYMEIG_MAX];
	int			i;

	if (n < 1 || n > MLM_SYMEIG_MAX)
		return -1;
	for (i = 0; i < n * n; i++)
		m[i] = a[i];
	return mlm_symeig_inplace(n, m, lambda, vec);
}

int
mlm_symeig_inplace(int n, double *m, double *lambda, double *vec)
{
	int			i,
				j,
				k,
				sweep;

	if (n < 1)
		return -1;
	for (i = 0; i < n * n; i++)
	{
		if (!isfinite(m[i]))
			return -1;
		vec[i] = (i / n == i % n) ? 1.0 : 0.0;
	}
	for (sweep = 0; sweep < 100; sweep++)
	{
		int			rotated = 0;

		for (i = 0; i < n - 1; i++)
			for (j = i + 1; j < n; j++)
			{
				double		aij = m[i * n + j];
				double		aii = m[i * n + i];
				double		ajj = m[j * n + j];
				double		theta,
							t,
							c,
							s,
							tau;

				if (aij == 0.0)
					continue;
				/* negligible: adding it to either diagonal changes nothing */
				if (fabs(aii) + 100.0 * fabs(aij) == fabs(aii) &&
					fabs(ajj) + 100.0 * fabs(aij) == fabs(ajj) && sweep > 3)
				{
					m[i * n + j] = m[j * n + i] = 0.0;
					continue;
				}
				rotated = 1;
				theta = (ajj - aii) / (2.0 * aij);
				t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(1.0 + theta * theta));
				if (!isfinite(theta))
					t = 0.5 / theta;	/* theta^2 overflows: t ~ 1/(2 theta) */
				c = 1.0 / sqrt(1.0 + t * t);
				s = t * c;
				tau = s / (1.0 + c);
				m[i * n + i] = aii - t * aij;
				m[j * n + j] = ajj + t * aij;
				m[i * n + j] = m[j * n + i] = 0.0;
				for (k = 0; k < n; k++)
				{
					double		g,
								h;

					if (k != i && k != j)
					{
						g = m[k * n + i];
						h = m[k * n + j];
						m[k * n + i] = m[i * n + k] = g - s * (h + g * tau);
						m[k * n + j] = m[j * n + k] = h + s * (g - h * tau);
					}
					g = vec[k * n + i];
					h = vec[k * n + j];
					vec[k * n + i] = g - s * (h + g * tau);
					vec[k * n + j] = h + s * (g - h * tau);
				}
			}
		if (!rotated)
			break;
	}
	for (i = 0; i < n; i++)
		lambda[i] = m[i * n + i];
	return 0;
}

double
mlm_pinv_quadratic(int n, const double *a, const double *d, int max_rank, int *rank)
{
	double		lambda[MLM_SYMEIG_MAX];
	double		vec[MLM_SYMEIG_MAX * MLM_SYMEIG_MAX];
	int			keep[MLM_SYMEIG_MAX];
	double		smax = 0.0,
				skept = INFINITY,
				q = 0.0;
	int			i,
				k,
				r = 0;

	*rank = 0;
	if (mlm_symeig(n, a, lambda, vec) != 0)
		return NAN;
	for (i = 0; i < n; i++)
		smax = fmax(smax, fabs(lambda[i]));
	for (i = 0; i < n; i++)
	{
		int			larger = 0;

		/* ties in |lambda| are ranked by index */
		for (k = 0; k < n; k++)
			if (fabs(lambda[k]) > fabs(lambda[i]) || (fabs(lambda[k]) == fabs(lambda[i]) && k < i))
				larger++;
		keep[i] = fabs(lambda[i]) > PINV_RCOND * smax && larger < max_rank;
	}
	for (i = 0; i < n; i++)
	{
		double		p = 0.0;

		if (!keep[i])
			continue;
		skept = fmin(skept, fabs(lambda[i]));
		for (k = 0; k < n; k++)
			p += vec[k * n + i] * d[k];
		q += p * p / lambda[i];
	}
	/* matrix_rank(pinv): singular values 1/|lambda| > (1/skept) * n * eps */
	for (i = 0; i < n; i++)
		if (keep[i] &&
			1.0 / fabs(lambda[i]) > (1.0 / skept) * n * DBL_EPSILON)
			r++;
	*rank = r;
	return q;
}
