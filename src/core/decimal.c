/*
 * decimal.c: Clinger's fast path from decimal to binary floating point.
 */
#include "decimal.h"

static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

int
mlm_decimal_to_double(uint64_t m, int e, double *out)
{
	const uint64_t max_exact = (uint64_t) 1 << 53;

	if (m == 0)
	{
		*out = 0.0;
		return 1;
	}
	/*
	 * Both operands exact: the one rounding of the product or quotient is
	 * the correct one (whatever trailing zeros m has, it is the same number)
	 */
	if (m <= max_exact && e >= -22 && e <= 22)
	{
		*out = e >= 0 ? (double) m * pow10_exact[e] : (double) m / pow10_exact[-e];
		return 1;
	}
	/* trailing zeros move to the exponent */
	while (m % 10 == 0 && e < 0)
	{
		m /= 10;
		e++;
	}
	/* a positive exponent may fold into the mantissa while it stays exact */
	while (e > 22 && m <= max_exact / 10)
	{
		m *= 10;
		e--;
	}
	if (m > max_exact || e < -22 || e > 22)
		return 0;
	*out = e >= 0 ? (double) m * pow10_exact[e] : (double) m / pow10_exact[-e];
	return 1;
}
