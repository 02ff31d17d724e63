/*
 * symeig.h: eigen-decomposition of a small symmetric matrix (cyclic
 * Jacobi), of any order in place or of a small one, and the Moore-Penrose pseudo-inverse quadratic form NumPy's
 * np.linalg.pinv and np.linalg.matrix_rank give.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SYMEIG_H
#define MLM_SYMEIG_H

/* Largest order mlm_symeig and mlm_pinv_quadratic handle (no allocation). */
#define MLM_SYMEIG_MAX 8

/*
 * Eigenvalues lambda[0..n) and eigenvectors (column j of vec, row-major
 * n x n: vec[i * n + j]) of the symmetric n x n matrix a (row-major; only
 * read).  Cyclic Jacobi rotations: eigenvalues accurate to a few ulps of
 * the matrix's norm.  Returns 0, or -1 when a is not finite or n is out of
 * range.
 */
int			mlm_symeig(int n, const double *a, double *lambda, double *vec);

/*
 * The same for any order n >= 1: m (row-major n x n, symmetric) is
 * overwritten (its diagonal ends as the eigenvalues).  Each sweep costs
 * O(n^3): meant for n up to a few hundred.  Returns 0, or -1 when m is not
 * finite or n < 1.
 */
int			mlm_symeig_inplace(int n, double *m, double *lambda, double *vec);

/*
 * d' pinv(a) d for the symmetric n x n matrix a, as np.linalg.pinv(a)
 * (rcond 1e-15: singular values |lambda| <= 1e-15 * max |lambda| are
 * dropped) then the product; *rank is set to np.linalg.matrix_rank of that
 * pseudo-inverse: the eigenvalues kept whose inverse exceeds
 * max(inverse) * n * DBL_EPSILON (0 for the zero matrix).  At most
 * max_rank eigenvalues, the largest in absolute value, are kept: the
 * caller's bound on the exact rank, so that rounding noise in a matrix
 * known to be singular is not inverted.  Returns NaN when a is not finite.
 */
double		mlm_pinv_quadratic(int n, const double *a, const double *d, int max_rank, int *rank);

#endif
