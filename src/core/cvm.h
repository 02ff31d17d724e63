/*
 * cvm.h: the two-sample Cramer-von Mises test of SciPy 1.10
 * (scipy.stats.cramervonmises_2samp), on two sorted samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CVM_H
#define MLM_CVM_H

#include <stdint.h>

#include "test_outcome.h"
#include "wsample.h"

typedef enum mlm_cvm_method
{
	MLM_CVM_AUTO = 0,			/* exact when both samples have at most 20 values */
	MLM_CVM_EXACT = 1,
	MLM_CVM_ASYMP = 2
} mlm_cvm_method;

/*
 * Largest m * n * lcm(m, n) of the exact distribution (method 'exact'):
 * its cost grows about as that product (about 1 s at this limit).
 */
#define MLM_CVM_EXACT_MAX_WORK 2000000.0

/* Results of mlm_cvm_test. */
#define MLM_CVM_OK 0
#define MLM_CVM_TOO_SMALL 1		/* a sample has fewer than 2 values: outcome all NaN */
#define MLM_CVM_EXACT_TOO_LARGE 2	/* method exact beyond MLM_CVM_EXACT_MAX_WORK */
#define MLM_CVM_NO_MEMORY 3		/* the host had no memory for the exact distribution */
#define MLM_CVM_TOO_MANY 4		/* more than MLM_CVM_MAX_VALUES values: all NaN */

/* Most values (both samples) whose exact 4U and numerator of T fit 128 bits. */
#define MLM_CVM_MAX_VALUES ((int64_t) 1 << 31)

/*
 * The test of the sorted sample x (reference) against the sorted sample y
 * (current), raw or with counts: T from midranks (exact: 4U is an integer), the p-value
 * exact (paths counted) or SciPy's asymptotic one, and ln p (for the
 * asymptotic method, of the exact limiting tail).
 */
int			mlm_cvm_test(const mlm_wsample *x, const mlm_wsample *y, mlm_cvm_method method,
						 mlm_test_outcome *out);

/* 4U = 4 (m sum (rx_i - i)^2 + n sum (ry_j - j)^2), with midranks: an integer. */
__int128	mlm_cvm_u4(const mlm_wsample *x, const mlm_wsample *y);

/*
 * The exact p-value P(U' >= U) as SciPy 1.10 computes it (the threshold
 * rounded down as SciPy's floor division does), m, n >= 1; NaN when the
 * host has no memory for it.
 */
double		mlm_cvm_exact_p(__int128 u4, int64_t m, int64_t n);

#endif							/* MLM_CVM_H */
