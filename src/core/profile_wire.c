/*
 * profile_wire.c: the portable binary (wire) form of a reference profile,
 * for binary COPY and send/receive.
 *
 * Big-endian, no padding: uint8 version, kind, mode, nlevels; int32 cap;
 * int64 count, nulls, nan, posinf, neginf; float64 min, max, mean, m2,
 * rank_error (IEEE bits as big-endian uint64); int64 nentries, other;
 * uint64 parity; then the arrays in the flat order (numeric exact: float64
 * values, int64 counts; numeric sketch: int64 level_len[nlevels], float64
 * values; categorical: int64 counts, int32 lens, the bytes), nothing after.
 * The header has the same 112 bytes as the flat one; only the categorical
 * arrays lose their padding.  Every bit is kept, NaN payloads included.
 */
#include "profile_codec.h"
#include "byteorder.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The wire header: 4 bytes, int32, 5 int64, 5 float64, 3 int64. */
#define WIRE_HDR_SIZE ((size_t) 112)

/* The wire form of a checked flat profile (checked again here: NULL if invalid or out of memory). */
void *
mlm_profile_to_wire(const void *buf, size_t len, size_t *wirelen)
{
	mlm_profile_view v;
	const mlm_profile_hdr *h;
	size_t		n;
	size_t		size;
	size_t		catbytes = 0;
	unsigned char *out;
	unsigned char *p;
	int64_t		i;

	if (mlm_profile_check(buf, len, NULL, 0) != 0)
		return NULL;
	mlm_profile_view_of(buf, &v);
	h = v.h;
	n = (size_t) h->nentries;
	/* checked sizes: the wire form is never larger than the flat one */
	if (h->kind == MLM_PROFILE_NUMERIC && h->mode == MLM_PROFILE_EXACT)
		size = WIRE_HDR_SIZE + n * 16;
	else if (h->kind == MLM_PROFILE_NUMERIC)
		size = WIRE_HDR_SIZE + (size_t) h->nlevels * 8 + n * 8;
	else
	{
		for (i = 0; i < h->nentries; i++)
			catbytes += (size_t) v.lens[i];
		size = WIRE_HDR_SIZE + n * 12 + catbytes;
	}
	out = mlm_core_env->alloc(size);
	if (out == NULL)
		return NULL;
	p = out;
	p[0] = h->version;
	p[1] = h->kind;
	p[2] = h->mode;
	p[3] = h->nlevels;
	mlm_put32(p + 4, (uint32_t) h->cap);
	mlm_put64(p + 8, (uint64_t) h->count);
	mlm_put64(p + 16, (uint64_t) h->nulls);
	mlm_put64(p + 24, (uint64_t) h->nan);
	mlm_put64(p + 32, (uint64_t) h->posinf);
	mlm_put64(p + 40, (uint64_t) h->neginf);
	mlm_put_double(p + 48, h->min);
	mlm_put_double(p + 56, h->max);
	mlm_put_double(p + 64, h->mean);
	mlm_put_double(p + 72, h->m2);
	mlm_put_double(p + 80, h->rank_error);
	mlm_put64(p + 88, (uint64_t) h->nentries);
	mlm_put64(p + 96, (uint64_t) h->other);
	mlm_put64(p + 104, h->parity);
	p += WIRE_HDR_SIZE;
	if (h->kind == MLM_PROFILE_NUMERIC && h->mode == MLM_PROFILE_EXACT)
	{
		for (i = 0; i < h->nentries; i++, p += 8)
			mlm_put_double(p, v.values[i]);
		for (i = 0; i < h->nentries; i++, p += 8)
			mlm_put64(p, (uint64_t) v.counts[i]);
	}
	else if (h->kind == MLM_PROFILE_NUMERIC)
	{
		for (i = 0; i < h->nlevels; i++, p += 8)
			mlm_put64(p, (uint64_t) v.level_len[i]);
		for (i = 0; i < h->nentries; i++, p += 8)
		{
			maybe_cancel(i);
			mlm_put_double(p, v.values[i]);
		}
	}
	else
	{
		for (i = 0; i < h->nentries; i++, p += 8)
			mlm_put64(p, (uint64_t) v.counts[i]);
		for (i = 0; i < h->nentries; i++, p += 4)
			mlm_put32(p, (uint32_t) v.lens[i]);
		if (catbytes > 0)
			memcpy(p, v.bytes, catbytes);
		p += catbytes;
	}
	*wirelen = (size_t) (p - out);
	return out;
}

/* Parse the wire form into a checked flat profile (padding zeroed). */
void *
mlm_profile_from_wire(const void *wire, size_t wirelen, size_t *outlen, char *err, size_t errlen)
{
	const unsigned char *w = (const unsigned char *) wire;
	const unsigned char *p;
	mlm_profile_hdr h;
	size_t		want = WIRE_HDR_SIZE;
	size_t		catbytes = 0;
	size_t		size;
	size_t		n;
	char	   *buf;
	char	   *q;
	int64_t		i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (wire == NULL)
	{
		set_err(err, errlen, "input is missing");
		return NULL;
	}
	if (wirelen < WIRE_HDR_SIZE)
	{
		set_err(err, errlen, "wire profile is %zu bytes, shorter than its %zu-byte header",
				wirelen, WIRE_HDR_SIZE);
		return NULL;
	}
	memset(&h, 0, sizeof(h));
	h.version = w[0];
	h.kind = w[1];
	h.mode = w[2];
	h.nlevels = w[3];
	h.cap = (int32_t) mlm_get32(w + 4);
	h.count = (int64_t) mlm_get64(w + 8);
	h.nulls = (int64_t) mlm_get64(w + 16);
	h.nan = (int64_t) mlm_get64(w + 24);
	h.posinf = (int64_t) mlm_get64(w + 32);
	h.neginf = (int64_t) mlm_get64(w + 40);
	h.min = mlm_get_double(w + 48);
	h.max = mlm_get_double(w + 56);
	h.mean = mlm_get_double(w + 64);
	h.m2 = mlm_get_double(w + 72);
	h.rank_error = mlm_get_double(w + 80);
	h.nentries = (int64_t) mlm_get64(w + 88);
	h.other = (int64_t) mlm_get64(w + 96);
	h.parity = mlm_get64(w + 104);

	if (h.version != MLM_PROFILE_VERSION)
	{
		set_err(err, errlen, "unsupported profile version %u", (unsigned) h.version);
		return NULL;
	}
	if (h.kind != MLM_PROFILE_NUMERIC && h.kind != MLM_PROFILE_CATEGORICAL)
	{
		set_err(err, errlen, "unknown profile kind %u", (unsigned) h.kind);
		return NULL;
	}
	if (h.mode != MLM_PROFILE_EXACT && h.mode != MLM_PROFILE_SKETCH)
	{
		set_err(err, errlen, "unknown profile mode %u", (unsigned) h.mode);
		return NULL;
	}
	if (h.nentries < 0)
	{
		set_err(err, errlen, "nentries is negative");
		return NULL;
	}
	if (h.kind == MLM_PROFILE_NUMERIC && h.mode == MLM_PROFILE_SKETCH && h.nlevels > MLM_PROFILE_MAX_LEVELS)
	{
		set_err(err, errlen, "nlevels is %u, more than %d", (unsigned) h.nlevels, MLM_PROFILE_MAX_LEVELS);
		return NULL;
	}

	/* the length the header calls for, computed without overflow, before any allocation */
	if (h.kind == MLM_PROFILE_NUMERIC)
	{
		size_t		per = h.mode == MLM_PROFILE_EXACT ? 16 : 8;
		size_t		part;

		if (h.mode == MLM_PROFILE_SKETCH)
			want += (size_t) h.nlevels * 8;
		if (__builtin_mul_overflow(h.nentries, per, &part) || __builtin_add_overflow(want, part, &want))
			want = 0;
	}
	else
	{
		size_t		part;
		const unsigned char *lens;

		if (__builtin_mul_overflow(h.nentries, (size_t) 12, &part) ||
			__builtin_add_overflow(want, part, &want) || want > wirelen)
		{
			set_err(err, errlen, "wire profile is %zu bytes, too short for %lld categories",
					wirelen, (long long) h.nentries);
			return NULL;
		}
		lens = w + WIRE_HDR_SIZE + (size_t) h.nentries * 8;
		for (i = 0; i < h.nentries; i++)
		{
			int32_t		l = (int32_t) mlm_get32(lens + 4 * (size_t) i);

			maybe_cancel(i);
			if (l < 0)
			{
				set_err(err, errlen, "category %lld has a negative length (%d)", (long long) i, (int) l);
				return NULL;
			}
			if ((size_t) l > wirelen - want - catbytes)
			{
				set_err(err, errlen, "wire profile is %zu bytes, too short for its categories", wirelen);
				return NULL;
			}
			catbytes += (size_t) l;
		}
		want += catbytes;
	}
	if (want != wirelen)
	{
		if (want == 0)
			set_err(err, errlen, "wire profile is %zu bytes but its header describes more than %zu",
					wirelen, SIZE_MAX);
		else
			set_err(err, errlen, "wire profile is %zu bytes but its header describes %zu", wirelen, want);
		return NULL;
	}
	buf = mlm_profile_alloc(&h, catbytes, &size, err, errlen);
	if (buf == NULL)
		return NULL;
	n = (size_t) h.nentries;
	p = w + WIRE_HDR_SIZE;
	q = buf + HDR_SIZE;
	if (h.kind == MLM_PROFILE_NUMERIC && h.mode == MLM_PROFILE_EXACT)
	{
		double	   *values = (double *) (void *) q;
		int64_t    *counts = (int64_t *) (void *) (q + n * sizeof(double));

		for (i = 0; i < h.nentries; i++, p += 8)
			values[i] = mlm_get_double(p);
		for (i = 0; i < h.nentries; i++, p += 8)
			counts[i] = (int64_t) mlm_get64(p);
	}
	else if (h.kind == MLM_PROFILE_NUMERIC)
	{
		int64_t    *level_len = (int64_t *) (void *) q;
		double	   *values = (double *) (void *) (q + (size_t) h.nlevels * sizeof(int64_t));

		for (i = 0; i < h.nlevels; i++, p += 8)
			level_len[i] = (int64_t) mlm_get64(p);
		for (i = 0; i < h.nentries; i++, p += 8)
		{
			maybe_cancel(i);
			values[i] = mlm_get_double(p);
		}
	}
	else
	{
		int64_t    *counts = (int64_t *) (void *) q;
		int32_t    *lens = (int32_t *) (void *) (q + n * sizeof(int64_t));
		char	   *bytes = q + n * sizeof(int64_t) + MLM_ALIGN8(n * sizeof(int32_t));

		for (i = 0; i < h.nentries; i++, p += 8)
			counts[i] = (int64_t) mlm_get64(p);
		for (i = 0; i < h.nentries; i++, p += 4)
			lens[i] = (int32_t) mlm_get32(p);
		if (catbytes > 0)
			memcpy(bytes, p, catbytes);
	}
	if (mlm_profile_check(buf, size, err, errlen) != 0)
	{
		mlm_core_env->release(buf);
		return NULL;
	}
	*outlen = size;
	return buf;
}
