/*
 * hypergeom_draw.h: exact hypergeometric random draws on SplitMix64.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_HYPERGEOM_DRAW_H
#define MLM_CORE_HYPERGEOM_DRAW_H

#include <stdint.h>

#include "splitmix64.h"

/*
 * The number of marked items among n drawn without replacement from an
 * urn of total items, marked of them marked (0 <= marked, n <= total):
 * exactly hypergeometric, by drawing the items one by one with integer
 * arithmetic (no floating point, so any faithful re-implementation gives
 * the same draws from the same generator).  Cost: min(n, total - n,
 * marked, total - marked) generator calls.
 */
int64_t		mlm_hypergeom_draw(mlm_splitmix64 *g, int64_t total, int64_t marked, int64_t n);

#endif							/* MLM_CORE_HYPERGEOM_DRAW_H */
