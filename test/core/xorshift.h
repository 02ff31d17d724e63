/*
 * xorshift.h: the pseudo-random numbers of the C test programs in
 * test/core (xorshift64*, Vigna 2016): fast, seedable, the same sequence on
 * every machine.
 */
#ifndef MLM_TEST_XORSHIFT_H
#define MLM_TEST_XORSHIFT_H

#include <stdint.h>
#include <stdlib.h>

static uint64_t xorshift_state = 0x9E3779B97F4A7C15ULL;

/* Seed from a string such as "0x2545F4914F6CDD1D" (0 is replaced by 1). */
static inline void
xorshift_seed(const char *s)
{
	xorshift_state = strtoull(s, NULL, 0);
	if (xorshift_state == 0)
		xorshift_state = 1;
}

/* The next pseudo-random number. */
static inline uint64_t
xorshift_next(void)
{
	xorshift_state ^= xorshift_state >> 12;
	xorshift_state ^= xorshift_state << 25;
	xorshift_state ^= xorshift_state >> 27;
	return xorshift_state * 0x2545F4914F6CDD1DULL;
}

/* A double in [0, 1) with 53 random bits. */
static inline double
xorshift_unit(void)
{
	return (double) (xorshift_next() >> 11) / 9007199254740992.0;
}

#endif
