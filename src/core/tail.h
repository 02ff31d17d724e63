/*
 * tail.h: how unusual a value is under a reference distribution, as a
 * two-sided tail probability (the per-feature part of mlmon's anomaly
 * score).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_TAIL_H
#define MLM_TAIL_H

#include <stdint.h>

#include "wsample.h"

/*
 * Numeric: 0 outside [min, max] of the reference; otherwise
 * min(1, 2 min(F(x), 1 - F(x-))) where F(x) is the share of reference
 * values <= x and F(x-) the share < x.
 */
double		mlm_tail_numeric(const mlm_wsample *ref, double min, double max, double x);

/*
 * Categorical: given the reference counts of the m listed categories,
 * fill tail[i] with the share of reference values whose category is at
 * most as frequent as category i (itself included); total is the count of
 * every reference value (listed or not: unlisted ones count as rarer).  order is scratch for m indexes.
 */
void		mlm_tail_categories(const int64_t *counts, int64_t m, int64_t total,
								double *tail, int64_t *order);

#endif
