/*
 * counts_wire.c: writing and checking the portable form of the partial
 * state of the (value, reference profile) statistics (layout in
 * counts_wire.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "counts_wire.h"

#include <math.h>
#include <string.h>

#include "byteorder.h"
#include "profile_codec.h"

/* Bytes of u as a minimal unsigned LEB128 varint. */
static size_t
varint_size(uint64_t u)
{
	size_t		n = 1;

	while (u >= 0x80)
	{
		u >>= 7;
		n++;
	}
	return n;
}

static unsigned char *
put_varint(unsigned char *p, uint64_t u)
{
	while (u >= 0x80)
	{
		*p++ = (unsigned char) (u | 0x80);
		u >>= 7;
	}
	*p++ = (unsigned char) u;
	return p;
}

/*
 * Read a varint at p (end: the first byte after the buffer) into *u: the
 * byte after it, or NULL if it runs past end, is longer than minimal or
 * exceeds 63 bits.
 */
static const unsigned char *
get_varint(const unsigned char *p, const unsigned char *end, uint64_t *u)
{
	uint64_t	v = 0;
	int			shift = 0;

	for (;;)
	{
		unsigned char b;

		if (p >= end || shift > 56)
			return NULL;
		b = *p++;
		v |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
		{
			if (b == 0 && shift > 0)
				return NULL;	/* not minimal */
			break;
		}
		shift += 7;
	}
	if (v > (uint64_t) INT64_MAX)
		return NULL;
	*u = v;
	return p;
}

size_t
mlm_counts_wire_size(const mlm_counts_wire *w, const int64_t *counts, size_t max_size)
{
	size_t		size = MLM_COUNTS_WIRE_HEADER;
	int64_t		i;

	if (w->profile_len > max_size - size)
		return 0;
	size += w->profile_len;
	for (i = 0; i < w->ncounts; i++)
	{
		size_t		add = varint_size((uint64_t) counts[i]) +
			(w->kind == MLM_COUNTS_KS && i % 2 == 0 && counts[i] > 0 ? 8 : 0);

		if (add > max_size - size)
			return 0;
		size += add;
	}
	return size;
}

void
mlm_counts_wire_write(unsigned char *p, const mlm_counts_wire *w, const int64_t *counts, const double *maxima)
{
	int64_t		i;

	p[0] = MLM_COUNTS_WIRE_VERSION;
	p[1] = w->kind;
	p[2] = w->kind == MLM_COUNTS_KS ? w->alternative : 0;
	p[3] = w->kind == MLM_COUNTS_KS ? w->method : 0;
	mlm_put32(p + 4, w->kind == MLM_COUNTS_BINS ? w->bins : 0);
	mlm_put64(p + 8, (uint64_t) w->n2);
	mlm_put64(p + 16, (uint64_t) w->ncounts);
	mlm_put64(p + 24, (uint64_t) w->profile_len);
	p += MLM_COUNTS_WIRE_HEADER;
	memcpy(p, w->profile, w->profile_len);
	p += w->profile_len;
	for (i = 0; i < w->ncounts; i++)
		p = put_varint(p, (uint64_t) counts[i]);
	if (w->kind == MLM_COUNTS_KS)
		for (i = 0; i < w->ncounts; i += 2)
			if (counts[i] > 0)
			{
				mlm_put_double(p, maxima[i / 2] + 0.0);
				p += 8;
			}
}

/* Set the message and return -1. */
#define fail(err, errlen, ...) (mlm_profile_set_err(err, errlen, __VA_ARGS__), -1)

int
mlm_counts_wire_check(const void *buf, size_t len, int max_alternative, int max_method,
					  mlm_counts_wire *w, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	const unsigned char *end = p + len;
	uint64_t	n2,
				ncounts,
				plen,
				sum = 0;
	int64_t		i,
				nmax = 0;

	if (len < MLM_COUNTS_WIRE_HEADER)
		return fail(err, errlen, "%zu bytes, fewer than the %d of the header", len, MLM_COUNTS_WIRE_HEADER);
	if (p[0] != MLM_COUNTS_WIRE_VERSION)
		return fail(err, errlen, "unknown version %d", p[0]);
	w->kind = p[1];
	w->alternative = p[2];
	w->method = p[3];
	w->bins = mlm_get32(p + 4);
	n2 = mlm_get64(p + 8);
	ncounts = mlm_get64(p + 16);
	plen = mlm_get64(p + 24);
	if (w->kind == MLM_COUNTS_KS)
	{
		if (w->alternative > max_alternative || w->method > max_method || w->bins != 0)
			return fail(err, errlen, "invalid options of a KS state");
		if (ncounts % 2 != 1)
			return fail(err, errlen, "a KS state has an odd number of counts, not %llu",
						(unsigned long long) ncounts);
	}
	else if (w->kind == MLM_COUNTS_BINS)
	{
		if (w->alternative != 0 || w->method != 0 || w->bins == 0)
			return fail(err, errlen, "invalid options of a bins state");
	}
	else
		return fail(err, errlen, "unknown kind %d", w->kind);
	if (n2 > (uint64_t) INT64_MAX)
		return fail(err, errlen, "invalid number of current values");
	p += MLM_COUNTS_WIRE_HEADER;
	if (plen == 0 || plen > (uint64_t) (end - p))
		return fail(err, errlen, "invalid length of the reference profile");
	w->profile = p;
	w->profile_len = (size_t) plen;
	p += plen;
	/* every count takes a byte at least */
	if (ncounts == 0 || ncounts > (uint64_t) (end - p))
		return fail(err, errlen, "invalid number of counts");
	w->ncounts = (int64_t) ncounts;
	w->counts = p;
	for (i = 0; i < w->ncounts; i++)
	{
		uint64_t	c;

		p = get_varint(p, end, &c);
		if (p == NULL)
			return fail(err, errlen, "invalid count %lld", (long long) i);
		if (c > n2 - sum)
			return fail(err, errlen, "the counts exceed the number of current values");
		sum += c;
		if (w->kind == MLM_COUNTS_KS && i % 2 == 0 && c > 0)
			nmax++;
	}
	if (sum != n2)
		return fail(err, errlen, "the counts do not add up to the number of current values");
	w->n2 = (int64_t) n2;
	w->maxima = p;
	if ((uint64_t) (end - p) != (uint64_t) nmax * 8)
		return fail(err, errlen, "%zu bytes where %lld cell maxima were expected",
					(size_t) (end - p), (long long) nmax);
	for (i = 0; i < nmax; i++)
		if (!isfinite(mlm_get_double(p + 8 * i)))
			return fail(err, errlen, "a cell maximum is not finite");
	return 0;
}

void
mlm_counts_wire_read(const mlm_counts_wire *w, int64_t *counts, double *maxima)
{
	const unsigned char *p = w->counts;
	const unsigned char *m = w->maxima;
	int64_t		i;

	for (i = 0; i < w->ncounts; i++)
	{
		uint64_t	c = 0;

		p = get_varint(p, p + 10, &c);
		counts[i] = (int64_t) c;
	}
	if (w->kind != MLM_COUNTS_KS)
		return;
	for (i = 0; i < w->ncounts; i += 2)
	{
		if (counts[i] > 0)
		{
			maxima[i / 2] = mlm_get_double(m);
			m += 8;
		}
		else
			maxima[i / 2] = -INFINITY;
	}
}
