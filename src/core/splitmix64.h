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
 * A uniform integer in [0, bound), bound >= 1, exactly: outputs below
 * 2^64 mod bound are rejected (at most half of them, so on average fewer
 * than two draws), the rest taken mod bound.
 */
static inline uint64_t
mlm_splitmix64_below(mlm_splitmix64 *g, uint64_t bound)
{
	uint64_t	reject = (UINT64_C(0) - bound) % bound;	/* 2^64 mod bound */

	for (;;)
	{
		uint64_t	z = mlm_splitmix64_next(g);

		if (z >= reject)
			return z % bound;
	}
}

#endif							/* MLM_CORE_SPLITMIX64_H */
