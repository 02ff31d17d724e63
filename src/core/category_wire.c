/*
 * category_wire.c: writing and checking the portable form of a categorical
 * drift aggregate's partial state (layout in category_wire.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "category_wire.h"

#include <stdio.h>
#include <string.h>

#include "byteorder.h"
#include "tvd.h"

size_t
mlm_category_wire_header_size(const mlm_category_wire *w)
{
	return MLM_CATEGORY_WIRE_HEADER + (w->permutations > 0 ? 4 : 0);
}

void
mlm_category_wire_put_header(unsigned char *p, const mlm_category_wire *w)
{
	p[0] = w->permutations > 0 ? MLM_CATEGORY_WIRE_VERSION_PERMUTATIONS : MLM_CATEGORY_WIRE_VERSION;
	p[1] = w->chi2_method;
	p[2] = w->argkind;
	p[3] = 0;
	mlm_put64(p + 4, (uint64_t) w->ncat);
	mlm_put64(p + 12, (uint64_t) w->n_ref);
	mlm_put64(p + 20, (uint64_t) w->n_cur);
	mlm_put64(p + 28, (uint64_t) w->profile_len);
	if (w->permutations > 0)
		mlm_put32(p + 36, (uint32_t) w->permutations);
}

unsigned char *
mlm_category_wire_put_entry(unsigned char *p, const char *data, uint32_t len, int64_t ref, int64_t cur)
{
	mlm_put32(p, len);
	p += 4;
	memcpy(p, data, len);
	p += len;
	mlm_put64(p, (uint64_t) ref);
	mlm_put64(p + 8, (uint64_t) cur);
	return p + 16;
}

const unsigned char *
mlm_category_wire_entry(const unsigned char *p, const char **data, uint32_t *len, int64_t *ref, int64_t *cur)
{
	*len = mlm_get32(p);
	*data = (const char *) p + 4;
	p += 4 + *len;
	*ref = (int64_t) mlm_get64(p);
	*cur = (int64_t) mlm_get64(p + 8);
	return p + 16;
}

/* Byte order of two categories: memcmp on the common prefix, then shorter first. */
static int
cmp_bytes(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int
mlm_category_wire_check(const void *buf, size_t len, int max_chi2_method,
						mlm_category_wire *w, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *) buf;
	const unsigned char *end;
	uint64_t	ncat,
				n_ref,
				n_cur,
				plen,
				i,
				sum_ref = 0,
				sum_cur = 0;
	const char *prev = NULL;
	uint32_t	prevlen = 0;
	uint32_t	permutations = 0;
	size_t		hdr = MLM_CATEGORY_WIRE_HEADER;

	if (len < MLM_CATEGORY_WIRE_HEADER)
		FAIL("%zu bytes are too few for the header (%d)", len, MLM_CATEGORY_WIRE_HEADER);
	if (p[0] != MLM_CATEGORY_WIRE_VERSION && p[0] != MLM_CATEGORY_WIRE_VERSION_PERMUTATIONS)
		FAIL("unknown version %u", (unsigned) p[0]);
	if (p[0] == MLM_CATEGORY_WIRE_VERSION_PERMUTATIONS)
	{
		hdr += 4;
		if (len < hdr)
			FAIL("%zu bytes are too few for the header of version 2 (%zu)", len, hdr);
		permutations = mlm_get32(p + 36);
		if (permutations < 1 || permutations > MLM_TVD_MAX_PERMUTATIONS)
			FAIL("number of permutations %u is not between 1 and %d", (unsigned) permutations,
				 MLM_TVD_MAX_PERMUTATIONS);
	}
	if (p[1] > max_chi2_method)
		FAIL("unknown chi-square method %u", (unsigned) p[1]);
	if (p[2] > MLM_CATEGORY_ARG_INT8)
		FAIL("unknown argument kind %u", (unsigned) p[2]);
	if (p[3] != 0)
		FAIL("reserved byte is %u, not 0", (unsigned) p[3]);
	ncat = mlm_get64(p + 4);
	n_ref = mlm_get64(p + 12);
	n_cur = mlm_get64(p + 20);
	plen = mlm_get64(p + 28);
	if (n_ref > (uint64_t) INT64_MAX || n_cur > (uint64_t) INT64_MAX)
		FAIL("a total is out of range");
	if (plen > len - hdr)
		FAIL("the profile's %llu bytes do not fit", (unsigned long long) plen);
	end = p + len - plen;
	p += hdr;
	if (ncat > (uint64_t) (end - p) / MLM_CATEGORY_WIRE_ENTRY_FIXED)
		FAIL("%llu categories do not fit in %zu bytes", (unsigned long long) ncat, (size_t) (end - p));
	w->entries = p;
	for (i = 0; i < ncat; i++)
	{
		uint32_t	clen;
		uint64_t	ref,
					cur;
		const char *data;

		if ((size_t) (end - p) < 4)
			FAIL("category %llu is cut short", (unsigned long long) i);
		clen = mlm_get32(p);
		if ((size_t) (end - p) - 4 < (size_t) clen + 16)
			FAIL("category %llu is cut short", (unsigned long long) i);
		data = (const char *) p + 4;
		p += 4 + (size_t) clen;
		ref = mlm_get64(p);
		cur = mlm_get64(p + 8);
		p += 16;
		if (ref > (uint64_t) INT64_MAX || cur > (uint64_t) INT64_MAX)
			FAIL("a count of category %llu is out of range", (unsigned long long) i);
		if (ref == 0 && cur == 0)
			FAIL("category %llu has no value on either side", (unsigned long long) i);
		if (prev != NULL && cmp_bytes(prev, prevlen, data, clen) >= 0)
			FAIL("category %llu is not after the one before it in byte order", (unsigned long long) i);
		prev = data;
		prevlen = clen;
		if (ref > (uint64_t) INT64_MAX - sum_ref || cur > (uint64_t) INT64_MAX - sum_cur)
			FAIL("the counts overflow");
		sum_ref += ref;
		sum_cur += cur;
	}
	if (p != end)
		FAIL("%zu bytes after the last category", (size_t) (end - p));
	if (sum_ref != n_ref || sum_cur != n_cur)
		FAIL("the totals are not the sums of the counts");
	w->chi2_method = ((const unsigned char *) buf)[1];
	w->argkind = ((const unsigned char *) buf)[2];
	w->ncat = (int64_t) ncat;
	w->n_ref = (int64_t) n_ref;
	w->n_cur = (int64_t) n_cur;
	w->profile = plen > 0 ? end : NULL;
	w->profile_len = (size_t) plen;
	w->permutations = (int32_t) permutations;
	return 0;
}
