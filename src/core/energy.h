/*
 * energy.h: energy distance between two samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_ENERGY_H
#define MLM_ENERGY_H

#include "wsample.h"

/*
 * scipy.stats.energy_distance(u, v) (unweighted) for non-empty samples u
 * and v: sqrt(2) * sqrt(integral of (U(z) - V(z))^2 dz), U and V the
 * empirical CDFs.  Finite where the values span more than the largest
 * float8 (SciPy returns inf there).
 */
double		mlm_energy_distance(const mlm_wsample *u, const mlm_wsample *v);

#endif
