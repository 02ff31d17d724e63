/*
 * energy.c: the energy distance of two samples as SciPy defines it for one
 * dimension, sqrt(2) * sqrt(integral of (U(z) - V(z))^2 dz), U and V the
 * right-continuous empirical CDFs.
 *
 * The textbook form 2 E|X-Y| - E|X-X'| - E|Y-Y'| needs all pairs; the
 * integral needs one merge of the sorted samples.  Between consecutive
 * pooled values z_k < z_(k+1) the CDFs are constant, so the integral is
 * sum (U(z_k) - V(z_k))^2 (z_(k+1) - z_k).  The CDF values are formed as
 * SciPy forms them (count / size, then the difference), the terms, all
 * non-negative, are added with Neumaier's compensated summation, and the
 * result is sqrt(2) * sqrt(sum) as SciPy writes it (never overflows).
 *
 * Values spanning more than the largest float8 make z_(k+1) - z_k overflow
 * (SciPy returns inf): then every gap is taken between halved values, which
 * is exact short of subnormals, and the sum is scaled back under the root.
 */
#include "energy.h"

#include <math.h>

#include "summation.h"

double
mlm_energy_distance(const mlm_wsample *u, const mlm_wsample *v)
{
	int64_t		iu = 0,
				iv = 0;			/* entries consumed */
	int64_t		cu = 0,
				cv = 0;			/* values consumed */
	mlm_ksum	sum = {0.0, 0.0};
	double		lo = fmin(u->v[0], v->v[0]);
	double		hi = fmax(u->v[u->m - 1], v->v[v->m - 1]);
	double		scale = isfinite(hi - lo) ? 1.0 : 0.5;
	double		prev = 0.0;
	double		sq = 0.0;		/* (U - V)^2 since prev */
	int			first = 1;

	while (iu < u->m || iv < v->m)
	{
		double		z;
		double		d;

		if (iv >= v->m || (iu < u->m && u->v[iu] <= v->v[iv]))
			z = u->v[iu];
		else
			z = v->v[iv];
		if (!first && sq != 0.0)
			mlm_ksum_add(&sum, sq * (z * scale - prev * scale));
		if (iu < u->m && u->v[iu] == z)
			mlm_ws_next(u, &iu, &cu);
		if (iv < v->m && v->v[iv] == z)
			mlm_ws_next(v, &iv, &cv);
		d = (double) cu / (double) u->n - (double) cv / (double) v->n;
		sq = d * d;
		prev = z;
		first = 0;
	}
	/* With halved gaps the integral is 2 * sum: sqrt(2) * sqrt(2 sum) = 2 sqrt(sum). */
	if (scale != 1.0)
		return 2.0 * sqrt(mlm_ksum_value(&sum));
	return sqrt(2.0) * sqrt(mlm_ksum_value(&sum));
}
