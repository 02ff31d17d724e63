/*
 * sort.h: sorting arrays of float8 for the two-sample statistics.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SORT_H
#define MLM_SORT_H

#include <stddef.h>

/*
 * Sort a[0..n) ascending (finite values, -0.0 before 0.0); tmp is scratch
 * space for n doubles.  The sorted values end up in a or in tmp: the return
 * value says which (the other then holds garbage).
 */
double	   *mlm_sort_doubles(double *a, double *tmp, size_t n);

/*
 * Sort a[0..n) of floats ascending (finite values, -0.0 before 0.0); tmp is
 * scratch space for n floats.  Returns a or tmp, whichever holds the result.
 */
float	   *mlm_sort_floats(float *a, float *tmp, size_t n);

/* Most runs mlm_merge_runs takes at once. */
#define MLM_MERGE_MAX_RUNS 32

/*
 * Merge k <= MLM_MERGE_MAX_RUNS sorted runs runs[i][0..lens[i]) into out
 * (which must not overlap them): O(n k), meant for a handful of runs (the
 * partial states of parallel workers).
 */
void		mlm_merge_runs(const double *const *runs, const size_t *lens, int k, double *out);

/*
 * Sort the n values held in nseg segments seg[i][0..len[i]) into one
 * ascending array, using out and tmp (room for n doubles each, overlapping
 * neither the segments nor each other).  Returns out or tmp, whichever holds
 * the result.  The segments are only read.
 */
double	   *mlm_sort_segments(const double *const *seg, const size_t *len, int nseg,
							  double *out, double *tmp, size_t n);

/* Merge sorted a[0..na) and sorted b[0..nb) into out[0..na+nb); out must not overlap a or b. */
void mlm_merge_doubles(const double *a, size_t na, const double *b, size_t nb, double *out);

/* True when a[0..n) is in ascending order. */
int mlm_is_sorted(const double *a, size_t n);

#endif
