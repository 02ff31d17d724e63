/*
 * regression_wire.c: writing and checking the portable form of the
 * regression metrics' state (layout in regression_wire.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "regression_wire.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "byteorder.h"

/* The doubles of the state in wire order. */
static void
doubles_of(mlm_regression_acc *a, double **d)
{
	d[0] = &a->abs_err.s;
	d[1] = &a->abs_err.c;
	d[2] = &a->sq_err.s;
	d[3] = &a->sq_err.c;
	d[4] = &a->ape.s;
	d[5] = &a->ape.c;
	d[6] = &a->mean_y;
	d[7] = &a->m2_y;
}

void
mlm_regression_wire_put(const mlm_regression_acc *a, unsigned char *out)
{
	mlm_regression_acc copy = *a;
	double	   *d[8];
	int			i;

	memset(out, 0, 8);
	out[0] = MLM_REGRESSION_WIRE_VERSION;
	mlm_put64(out + 8, (uint64_t) copy.n);
	doubles_of(&copy, d);
	for (i = 0; i < 8; i++)
		mlm_put_double(out + 16 + 8 * i, *d[i]);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int
mlm_regression_wire_get(const void *buf, size_t len, mlm_regression_acc *a, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *) buf;
	double	   *d[8];
	int			i;
	uint64_t	n;

	if (len != MLM_REGRESSION_WIRE_SIZE)
		FAIL("%zu bytes, not %d", len, MLM_REGRESSION_WIRE_SIZE);
	if (p[0] != MLM_REGRESSION_WIRE_VERSION)
		FAIL("unknown version %u", (unsigned) p[0]);
	for (i = 1; i < 8; i++)
		if (p[i] != 0)
			FAIL("reserved byte %d is %u, not 0", i, (unsigned) p[i]);
	n = mlm_get64(p + 8);
	if (n > (uint64_t) INT64_MAX)
		FAIL("the row count is negative");
	memset(a, 0, sizeof(*a));
	a->n = (int64_t) n;
	doubles_of(a, d);
	for (i = 0; i < 8; i++)
	{
		*d[i] = mlm_get_double(p + 16 + 8 * i);
		if (n == 0 && *d[i] != 0)
			FAIL("a state without rows has a sum that is not 0");
	}
	/* what transitions can make: sums past the float range are +infinity, their compensation then anything */
	for (i = 0; i < 6; i += 2)
	{
		if (isnan(*d[i]) || *d[i] < 0)
			FAIL("a sum of absolute errors is negative or NaN");
		if (isfinite(*d[i]) && !isfinite(*d[i + 1]))
			FAIL("the compensation of a finite sum is not finite");
	}
	if (!isfinite(a->mean_y))
		FAIL("the mean of the actual values is not finite");
	if (isnan(a->m2_y) || a->m2_y < 0)
		FAIL("the sum of squared deviations of the actual values is negative or NaN");
	return 0;
}
