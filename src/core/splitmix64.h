/*
 * splitmix64.h: the SplitMix64 generator (Steele, Lea and Flood, 2014) and
 * unbiased integers below a bound from it: the reproducible randomness of
 * the permutation tests (restarted at seed 0 on every call, so the same
 * data always give the same p-value).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_SPLITMIX64_H
#define MLM_CORE_SPLITMIX64_H

#include <stdint.h>

typedef struct mlm_splitmix64
{
	uint64_t	state;
} mlm_splitmix64;

/* Start the generator at seed. */
static inline void
mlm_splitmix64_init(mlm_splitmix64 *g, uint64_t seed)
{
	g->state = seed;
}

/* The next 64-bit output: state += 0x9e3779b97f4a7c15, then the mix. */
static inline uint64_t
mlm_splitmix64_next(mlm_splitmix64 *g)
{
	uint64_t	z = (g->state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * A uniform integer in [0, bound), bound >= 1, exactly (Lemire's
 * multiply-and-reject, "Fast random integer generation in an interval",
 * 2019): the 128-bit product z * bound of an output z; its high 64 bits
 * are the result unless its low 64 bits fall below 2^64 mod bound, in
 * which case z is rejected and drawn again (fewer than bound of the 2^64
 * outputs are rejected, so this is rare, and the division that finds
 * 2^64 mod bound is only done when the low bits are below bound).
 */
static inline uint64_t
mlm_splitmix64_below(mlm_splitmix64 *g, uint64_t bound)
{
	unsigned __int128 m = (unsigned __int128) mlm_splitmix64_next(g) * bound;
	uint64_t	low = (uint64_t) m;

	if (low < bound)
	{
		uint64_t	reject = (UINT64_C(0) - bound) % bound;	/* 2^64 mod bound */

		while (low < reject)
		{
			m = (unsigned __int128) mlm_splitmix64_next(g) * bound;
			low = (uint64_t) m;
		}
	}
	return (uint64_t) (m >> 64);
}

#endif							/* MLM_CORE_SPLITMIX64_H */
