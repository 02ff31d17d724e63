/*
 * sample_wire.c: writing and checking the portable form of a numeric
 * two-sample aggregate's partial state (layout in sample_wire.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "sample_wire.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "byteorder.h"

void
mlm_sample_wire_put_header(unsigned char *p, const mlm_sample_wire *w)
{
	p[0] = MLM_SAMPLE_WIRE_VERSION;
	p[1] = w->alternative;
	p[2] = w->method;
	p[3] = w->binning;
	mlm_put32(p + 4, (uint32_t) w->bins);
	mlm_put32(p + 8, 0);
	mlm_put64(p + 12, (uint64_t) w->n_ref);
	mlm_put64(p + 20, (uint64_t) w->n_cur);
	mlm_put64(p + 28, (uint64_t) w->profile_len);
}

unsigned char *
mlm_sample_wire_put_values(unsigned char *p, const double *v, int64_t n)
{
	int64_t		i;

	for (i = 0; i < n; i++, p += 8)
		mlm_put_double(p, v[i]);
	return p;
}

void
mlm_sample_wire_values_in_place(double *v, int64_t n)
{
	int64_t		i;

	for (i = 0; i < n; i++)
		mlm_put_double((unsigned char *) (v + i), v[i]);
}

void
mlm_sample_wire_get_values(const unsigned char *p, double *v, int64_t n)
{
	int64_t		i;

	for (i = 0; i < n; i++, p += 8)
		v[i] = mlm_get_double(p);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* Check n values at p: finite, no -0.0, ascending.  Returns the index of the first bad one, or -1. */
static int64_t
bad_value(const unsigned char *p, uint64_t n)
{
	uint64_t	i;
	double		prev = 0.0;

	for (i = 0; i < n; i++, p += 8)
	{
		double		v = mlm_get_double(p);

		if (!isfinite(v) || (v == 0.0 && signbit(v)) || (i > 0 && v < prev))
			return (int64_t) i;
		prev = v;
	}
	return -1;
}

int
mlm_sample_wire_check(const void *buf, size_t len, int max_bins,
					  mlm_sample_wire *w, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *) buf;
	uint64_t	n_ref,
				n_cur,
				plen,
				bins;
	size_t		room;
	int64_t		bad;

	if (len < MLM_SAMPLE_WIRE_HEADER)
		FAIL("%zu bytes are too few for the header (%d)", len, MLM_SAMPLE_WIRE_HEADER);
	if (p[0] != MLM_SAMPLE_WIRE_VERSION)
		FAIL("unknown version %u", (unsigned) p[0]);
	if (p[1] > 2)
		FAIL("unknown alternative %u", (unsigned) p[1]);
	if (p[2] > 3)
		FAIL("unknown method %u", (unsigned) p[2]);
	if (p[3] > 1)
		FAIL("unknown binning %u", (unsigned) p[3]);
	bins = mlm_get32(p + 4);
	if (bins < 1 || bins > (uint64_t) max_bins)
		FAIL("%llu bins are not between 1 and %d", (unsigned long long) bins, max_bins);
	if (mlm_get32(p + 8) != 0)
		FAIL("reserved bytes are not 0");
	n_ref = mlm_get64(p + 12);
	n_cur = mlm_get64(p + 20);
	plen = mlm_get64(p + 28);
	room = len - MLM_SAMPLE_WIRE_HEADER;
	if (plen > room)
		FAIL("the profile's %llu bytes do not fit", (unsigned long long) plen);
	room -= (size_t) plen;
	if (room % 8 != 0 || n_ref > room / 8 || n_cur != room / 8 - n_ref)
		FAIL("%llu and %llu values do not make %zu bytes",
			 (unsigned long long) n_ref, (unsigned long long) n_cur, room);
	if (plen > 0 && n_ref > 0)
		FAIL("a state with a reference profile has reference values");
	w->ref = p + MLM_SAMPLE_WIRE_HEADER;
	w->cur = w->ref + n_ref * 8;
	if ((bad = bad_value(w->ref, n_ref)) >= 0)
		FAIL("reference value %lld is not finite, is -0 or is not in ascending order", (long long) bad);
	if ((bad = bad_value(w->cur, n_cur)) >= 0)
		FAIL("current value %lld is not finite, is -0 or is not in ascending order", (long long) bad);
	w->alternative = p[1];
	w->method = p[2];
	w->binning = p[3];
	w->bins = (int32_t) bins;
	w->n_ref = (int64_t) n_ref;
	w->n_cur = (int64_t) n_cur;
	w->profile = plen > 0 ? w->cur + n_cur * 8 : NULL;
	w->profile_len = (size_t) plen;
	return 0;
}
