/*
 * hypergeom.h: the hypergeometric distribution's log probabilities,
 * accurate for counts up to 2^53 (Loader's saddle-point form).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_HYPERGEOM_H
#define MLM_CORE_HYPERGEOM_H

#include <stdint.h>

/*
 * ln P(X = x) for X the number of marked items among n drawn without
 * replacement from good marked and bad unmarked items (scipy.stats.hypergeom
 * .logpmf(x, good + bad, good, n)); -inf outside the support.
 */
double		mlm_hypergeom_logpmf(int64_t x, int64_t good, int64_t bad, int64_t n);

#endif							/* MLM_CORE_HYPERGEOM_H */
