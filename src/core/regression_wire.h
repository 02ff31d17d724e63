/*
 * regression_wire.h: the portable binary form of mlmon.regression_metrics'
 * partial state (mlmon.regression_state), what Citus ships as text.
 *
 * Layout (big-endian), MLM_REGRESSION_WIRE_SIZE bytes:
 *   u8 version (MLM_REGRESSION_WIRE_VERSION), 7 zero bytes
 *   i64 n (rows used, >= 0)
 *   the doubles abs_err.s, abs_err.c, sq_err.s, sq_err.c, ape.s, ape.c,
 *   mean_y, m2_y (IEEE 754 bits): the three sums >= 0, +infinity past the
 *   float range (their compensation is then any value, else finite); mean_y
 *   finite; m2_y >= 0, maybe +infinity; all zero when n is 0
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_REGRESSION_WIRE_H
#define MLM_REGRESSION_WIRE_H

#include <stddef.h>

#include "metrics.h"

#define MLM_REGRESSION_WIRE_VERSION 1
#define MLM_REGRESSION_WIRE_SIZE 80

/* Write a's portable form at out[0..MLM_REGRESSION_WIRE_SIZE). */
void		mlm_regression_wire_put(const mlm_regression_acc *a, unsigned char *out);

/*
 * Read and check buf[0..len) into *a.  Returns 0, or -1 with a message
 * (lower case, no final period) in err.
 */
int			mlm_regression_wire_get(const void *buf, size_t len, mlm_regression_acc *a, char *err, size_t errlen);

#endif
