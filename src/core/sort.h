/*
 * sort.h: sorting arrays of float8 for the two-sample statistics.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SORT_H
#define MLM_SORT_H

#include <stddef.h>

/* Sort a[0..n) ascending (finite values, -0.0 equal to 0.0); tmp is scratch space for n doubles. */
void mlm_sort_doubles(double *a, double *tmp, size_t n);

/* Merge sorted a[0..na) and sorted b[0..nb) into out[0..na+nb); out must not overlap a or b. */
void mlm_merge_doubles(const double *a, size_t na, const double *b, size_t nb, double *out);

/* True when a[0..n) is in ascending order. */
int mlm_is_sorted(const double *a, size_t n);

#endif
