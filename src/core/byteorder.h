/*
 * byteorder.h: big-endian loads and stores of the portable binary forms
 * (the profile's and the summary's wire formats).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_BYTEORDER_H
#define MLM_BYTEORDER_H

#include <stdint.h>
#include <string.h>

/* Store u big-endian in p[0..8). */
static inline void
mlm_put64(unsigned char *p, uint64_t u)
{
	int			i;

	for (i = 7; i >= 0; i--)
	{
		p[i] = (unsigned char) u;
		u >>= 8;
	}
}

/* Store u big-endian in p[0..4). */
static inline void
mlm_put32(unsigned char *p, uint32_t u)
{
	p[0] = (unsigned char) (u >> 24);
	p[1] = (unsigned char) (u >> 16);
	p[2] = (unsigned char) (u >> 8);
	p[3] = (unsigned char) u;
}

/* Store the bits of d big-endian in p[0..8). */
static inline void
mlm_put_double(unsigned char *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	mlm_put64(p, u);
}

/* The big-endian uint64 at p[0..8). */
static inline uint64_t
mlm_get64(const unsigned char *p)
{
	uint64_t	u = 0;
	int			i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return u;
}

/* The big-endian uint32 at p[0..4). */
static inline uint32_t
mlm_get32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

/* The double whose bits are big-endian at p[0..8). */
static inline double
mlm_get_double(const unsigned char *p)
{
	uint64_t	u = mlm_get64(p);
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

#endif
