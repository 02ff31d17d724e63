/*
 * isotonic.h: isotonic calibration of scores against binary outcomes
 * (pool-adjacent-violators), in scikit-learn's IsotonicRegression form.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_ISOTONIC_H
#define MLM_ISOTONIC_H

#include <stdint.h>

/*
 * Fit the non-decreasing step function of the outcome on the score, from
 * the ascending scores of the negative (neg[0..nneg)) and positive
 * (pos[0..npos)) rows.  Equal scores pool into one point (the share of
 * positives, weighted by the count); the fitted values are kept only where
 * they change (the first and last point of every flat run), as
 * scikit-learn's X_thresholds_ and y_thresholds_.  xs and ys (the knots)
 * and the scratch arrays w and len need room for nneg + npos values each.
 * Block means are computed once from integer counts, so they are the
 * correctly rounded shares.  Returns the number of knots (0 when both
 * samples are empty).
 */
int64_t		mlm_isotonic_fit(const double *neg, int64_t nneg, const double *pos, int64_t npos,
							 double *xs, double *ys, double *w, int64_t *len);

/*
 * The calibrated probability of score x: linear interpolation between the
 * knots, clipped to the first and last (numpy.interp, as scikit-learn's
 * predict with out_of_bounds='clip').  n >= 1.
 */
double		mlm_isotonic_predict(const double *xs, const double *ys, int64_t n, double x);

#endif
