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

#include "grid_index.h"
#include "wsample.h"

/*
 * Numeric: 0 outside [min, max] of the reference; otherwise
 * min(1, 2 min(F(x), 1 - F(x-))) where F(x) is the share of reference
 * values <= x and F(x-) the share < x.  ix indexes ref's values (a grid
 * index over ref->v[0..ref->m)) so that each call costs O(1) expected.
 */
double		mlm_tail_numeric(const mlm_wsample *ref, const mlm_grid_index *ix, double min, double max,
							 double x);

/*
 * Where a row's feature makes the row anomalous, for one number of features
 * present k and one alpha: min(1, k * tail(x)) < alpha exactly when x < lo
 * (or x == lo with lo_incl), x > hi (or x == hi with hi_incl), or x lies
 * outside [min, max].  tail is unimodal in x (the share below rises, the
 * share above falls), so the values it makes anomalous are two tails.
 */
typedef struct mlm_tail_cut
{
	double		lo;
	double		hi;
	int			lo_incl;
	int			hi_incl;
} mlm_tail_cut;

/* The cut of a reference with distinct values and counts (ref->w set). */
void		mlm_tail_cutoffs(const mlm_wsample *ref, double k, double alpha, mlm_tail_cut *cut);

/* Whether x (finite, within [min, max]) is beyond the cut. */
static inline int
mlm_tail_beyond(const mlm_tail_cut *c, double x)
{
	return x < c->lo || (c->lo_incl && x == c->lo) || x > c->hi || (c->hi_incl && x == c->hi);
}

/*
 * Categorical: given the reference counts of the m listed categories,
 * fill tail[i] with the share of reference values whose category is at
 * most as frequent as category i (itself included); total is the count of
 * every reference value (listed or not: unlisted ones count as rarer).  order is scratch for m indexes.
 */
void		mlm_tail_categories(const int64_t *counts, int64_t m, int64_t total,
								double *tail, int64_t *order);

#endif
