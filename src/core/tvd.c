/*
 * tvd.c: total variation distance and one relabelling of its permutation
 * test (tvd.h).
 *
 * Evidently shuffles rows (numpy's global generator, seed 0) and compares
 * float distances, so exact ties count or not by rounding.  Here the test
 * is the same estimator made reproducible and exact: under relabelling
 * only the reference's count per category matters, and that vector is
 * multivariate hypergeometric; it is drawn one category at a time (k exact
 * hypergeometric draws, each conditional on the rows left), and distances
 * are compared by their integer numerators, so ties are ties.
 */
#include "tvd.h"

#include "hypergeom_draw.h"

static inline unsigned __int128
abs_diff(__int128 a, __int128 b)
{
	return a >= b ? (unsigned __int128) (a - b) : (unsigned __int128) (b - a);
}

unsigned __int128
mlm_tvd_numerator(const int64_t *ref, const int64_t *cur, int64_t k, int64_t n_ref, int64_t n_cur)
{
	unsigned __int128 sum = 0;
	int64_t		i;

	for (i = 0; i < k; i++)
		sum += abs_diff((__int128) ref[i] * n_cur, (__int128) cur[i] * n_ref);
	return sum;
}

double
mlm_tvd_of_numerator(unsigned __int128 numerator, int64_t n_ref, int64_t n_cur)
{
	/* n_ref n_cur < 2^126: the denominator is exact as an integer, then one division */
	unsigned __int128 den = (unsigned __int128) 2 * (unsigned __int128) n_ref * (unsigned __int128) n_cur;

	return (double) ((long double) numerator / (long double) den);
}

unsigned __int128
mlm_tvd_relabel_numerator(mlm_splitmix64 *g, const int64_t *total, int64_t k,
						  int64_t n_ref, int64_t n_cur)
{
	unsigned __int128 sum = 0;
	int64_t		left = n_ref + n_cur;	/* rows not yet assigned */
	int64_t		ref_left = n_ref;	/* reference labels not yet given */
	int64_t		i;

	for (i = 0; i < k; i++)
	{
		int64_t		r = mlm_hypergeom_draw(g, left, total[i], ref_left);

		sum += abs_diff((__int128) r * n_cur, (__int128) (total[i] - r) * n_ref);
		left -= total[i];
		ref_left -= r;
	}
	return sum;
}
