/*
 * decimal.h: the double nearest to a decimal m * 10^e, when it can be had
 * exactly and quickly.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_DECIMAL_H
#define MLM_DECIMAL_H

#include <stdint.h>

/*
 * Set *out to m * 10^e correctly rounded and return 1 when both m and 10^|e|
 * are exact doubles (m <= 2^53, |e| <= 22: one IEEE multiplication or
 * division then rounds once, Clinger's fast path); return 0 otherwise, and
 * the caller converts another way.
 */
int			mlm_decimal_to_double(uint64_t m, int e, double *out);

#endif
