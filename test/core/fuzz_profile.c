/*
 * fuzz_profile.c: a self-contained fuzzer for the reference profile codecs
 * (src/core/profile_check.c, profile_json.c, profile_wire.c).
 *
 * It builds a corpus of valid flat profiles of every kind and mode with a
 * fixed-seed xorshift generator, encodes them with mlm_profile_to_json and
 * mlm_profile_to_wire, then feeds mlm_profile_from_json, mlm_profile_from_wire
 * and mlm_profile_check N inputs each: random bytes of random lengths and
 * mutations of the corpus (bit flips, byte replacements, insertions,
 * deletions, truncations, duplicated chunks, splices of two inputs, numbers,
 * keys and binary fields replaced by awkward ones).  Every input is copied to
 * an allocation of exactly its length, so AddressSanitizer sees any read
 * past it.  Whatever a parser accepts is encoded again and must decode to
 * the same flat bytes (wire input must even re-encode to the same bytes).
 * A last phase makes the allocator fail at every possible point and checks
 * that nothing leaks.  Exit status 1 on any mismatch or leak.
 *
 * Build: gcc -std=gnu99 -O2 [-fsanitize=address,undefined] -I src/core
 *        test/core/fuzz_profile.c src/core/profile_*.c src/core/env.c -lm
 * Run:   fuzz_profile [inputs per function, default 1000000] [seed]
 */
#include "profile.h"
#include "env.h"
#include "xorshift.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HDR ((size_t) sizeof(mlm_profile_hdr))
#define MAX_INPUT 65536
#define CORPUS 240

typedef struct blob
{
	unsigned char *p;
	size_t		n;
} blob;

typedef struct stats
{
	long long	inputs;
	long long	accepted;
	long long	rejected;
} stats;

static long long mismatches;
static long long live_allocs;
static long long fail_after = -1;	/* >= 0: that many more allocations succeed, then all fail */

static blob corpus_flat[CORPUS];
static blob corpus_json[CORPUS];
static blob corpus_wire[CORPUS];
static int	ncorpus;

#define next() xorshift_next()

/* A pseudo-random number in [0, n). */
static uint64_t
below(uint64_t n)
{
	return n == 0 ? 0 : next() % n;
}

/* malloc that never fails (the fuzzer's own memory). */
static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "fuzz: out of memory\n");
		exit(2);
	}
	return p;
}

/* The core's allocator: counts live blocks and fails on demand. */
static void *
test_alloc(size_t n)
{
	void	   *p;

	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	p = malloc(n ? n : 1);
	if (p != NULL)
		live_allocs++;
	return p;
}

/* The core's release. */
static void
test_release(void *p)
{
	if (p != NULL)
		live_allocs--;
	free(p);
}

/* Never cancel. */
static void
test_cancel(void)
{
}

static const mlm_env test_env = {test_alloc, test_release, test_cancel};

/* Report a failed round trip. */
static void
mismatch(const char *what, const unsigned char *in, size_t n)
{
	size_t		i;

	mismatches++;
	if (mismatches > 10)
		return;
	fprintf(stderr, "MISMATCH %s, input of %zu bytes:\n", what, n);
	for (i = 0; i < n && i < 400; i++)
		fputc(in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '.', stderr);
	fputc('\n', stderr);
}

/* A random finite double: special values, small integers or random bits. */
static double
rand_double(void)
{
	static const double specials[] = {0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
		1.7976931348623157e308, -1.7976931348623157e308, 1.0, -1.0, 0.1, 1e300, -1e-300, 0.5, 3.0};
	uint64_t	u;
	double		d;

	switch (below(4))
	{
		case 0:
			return specials[below(sizeof(specials) / sizeof(specials[0]))];
		case 1:
			return (double) ((int64_t) below(2001) - 1000);
		case 2:
			return ((double) (int64_t) below(2000001) - 1000000.0) / 1024.0;
		default:
			do
			{
				u = next();
				memcpy(&d, &u, sizeof(d));
			} while (!isfinite(d));
			return d;
	}
}

/* Order doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* A random count for nulls, nan, posinf, neginf, other. */
static int64_t
rand_counter(void)
{
	switch (below(4))
	{
		case 0:
			return 0;
		case 1:
			return (int64_t) below(10);
		case 2:
			return (int64_t) below((uint64_t) 1 << 40);
		default:
			return INT64_MAX - (int64_t) below(3);
	}
}

/* A random number of entries: mostly small, sometimes larger. */
static int64_t
rand_entries(void)
{
	switch (below(8))
	{
		case 0:
			return 0;
		case 1:
			return (int64_t) below(300);
		default:
			return (int64_t) below(12);
	}
}

/* A random rank_error for sketches. */
static double
rand_rank_error(void)
{
	switch (below(4))
	{
		case 0:
			return 0;
		case 1:
			return 12;
		case 2:
			return 1e300;
		default:
			return fabs(rand_double());
	}
}

/* A header with the fields every profile has. */
static void
base_header(mlm_profile_hdr *h, int kind, int mode)
{
	memset(h, 0, sizeof(*h));
	h->version = MLM_PROFILE_VERSION;
	h->kind = (uint8_t) kind;
	h->mode = (uint8_t) mode;
	h->cap = below(3) == 0 ? (below(2) ? 1 : 1000000) : 1 + (int32_t) below(1000000);
	h->nulls = rand_counter();
	h->min = h->max = h->mean = h->m2 = NAN;
	if (kind == MLM_PROFILE_NUMERIC)
	{
		h->nan = rand_counter();
		h->posinf = rand_counter();
		h->neginf = rand_counter();
	}
}

/* Fill the moments of a numeric profile whose values lie in [lo, hi]. */
static void
set_moments(mlm_profile_hdr *h, double lo, double hi)
{
	if (h->count == 0)
		return;
	h->min = lo;
	h->max = hi;
	h->mean = below(2) ? lo : hi;
	h->m2 = below(3) == 0 ? 0.0 : fabs(rand_double());
}

/* A valid numeric exact profile. */
static blob
make_numeric_exact(void)
{
	mlm_profile_hdr h;
	int64_t		n = rand_entries();
	int64_t		i;
	int64_t		m = 0;
	double	   *v = xmalloc((size_t) n * sizeof(double));
	int64_t    *c;
	blob		b;

	base_header(&h, MLM_PROFILE_NUMERIC, MLM_PROFILE_EXACT);
	for (i = 0; i < n; i++)
		v[i] = rand_double();
	qsort(v, (size_t) n, sizeof(double), cmp_double);
	for (i = 0; i < n; i++)
		if (m == 0 || v[i] > v[m - 1])
			v[m++] = v[i];
	n = m;
	c = xmalloc((size_t) n * sizeof(int64_t));
	for (i = 0; i < n; i++)
	{
		c[i] = (n == 1 && below(4) == 0) ? INT64_MAX : 1 + (int64_t) below(below(2) ? 5 : (uint64_t) 1 << 40);
		h.count += c[i];
	}
	h.nentries = n;
	if (n > 0)
		set_moments(&h, v[0], v[n - 1]);
	b.n = mlm_profile_size(&h, 0, SIZE_MAX);
	b.p = xmalloc(b.n);
	memcpy(b.p, &h, HDR);
	memcpy(b.p + HDR, v, (size_t) n * sizeof(double));
	memcpy(b.p + HDR + (size_t) n * sizeof(double), c, (size_t) n * sizeof(int64_t));
	free(v);
	free(c);
	return b;
}

/* A valid numeric sketch, often with empty levels. */
static blob
make_numeric_sketch(void)
{
	mlm_profile_hdr h;
	int			nlevels = below(4) == 0 ? (int) below(MLM_PROFILE_MAX_LEVELS + 1) : (int) below(8);
	int64_t		len[MLM_PROFILE_MAX_LEVELS];
	int64_t		n = 0;
	int64_t		i;
	int			lev;
	double	   *v;
	double		lo = INFINITY;
	double		hi = -INFINITY;
	blob		b;

	base_header(&h, MLM_PROFILE_NUMERIC, MLM_PROFILE_SKETCH);
	for (lev = 0; lev < nlevels; lev++)
	{
		int64_t		w;

		len[lev] = below(3) == 0 ? 0 : (int64_t) below(lev < 3 ? 20 : 4);
		if (__builtin_mul_overflow(len[lev], (int64_t) 1 << lev, &w) ||
			__builtin_add_overflow(h.count, w, &w))
			len[lev] = 0;
		else
			h.count = w;
		n += len[lev];
	}
	v = xmalloc((size_t) n * sizeof(double));
	i = 0;
	for (lev = 0; lev < nlevels; lev++)
	{
		int64_t		start = i;

		for (; i < start + len[lev]; i++)
		{
			v[i] = (i > start && below(4) == 0) ? v[i - 1] : rand_double();
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
		qsort(v + start, (size_t) len[lev], sizeof(double), cmp_double);
	}
	h.nlevels = (uint8_t) nlevels;
	h.nentries = n;
	h.rank_error = rand_rank_error();
	h.parity = nlevels == 0 ? 0 : next() & ((((uint64_t) 1) << nlevels) - 1);
	set_moments(&h, lo, hi);
	b.n = mlm_profile_size(&h, 0, SIZE_MAX);
	b.p = xmalloc(b.n);
	memcpy(b.p, &h, HDR);
	for (lev = 0; lev < nlevels; lev++)
		memcpy(b.p + HDR + (size_t) lev * 8, &len[lev], 8);
	memcpy(b.p + HDR + (size_t) nlevels * 8, v, (size_t) n * sizeof(double));
	free(v);
	return b;
}

typedef struct cat
{
	unsigned char s[64];
	int			len;
} cat;

/* Order categories: memcmp on the common prefix, then shorter first. */
static int
cmp_cat(const void *a, const void *b)
{
	const cat  *x = a;
	const cat  *y = b;
	int			c = memcmp(x->s, y->s, (size_t) (x->len < y->len ? x->len : y->len));

	return c != 0 ? c : x->len - y->len;
}

/* A random category byte: mostly letters, sometimes quotes, controls or high bytes. */
static unsigned char
rand_cat_byte(void)
{
	static const char awkward[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f";

	switch (below(6))
	{
		case 0:
			return (unsigned char) awkward[below(sizeof(awkward) - 1)];
		case 1:
			return (unsigned char) (0x80 + below(128));
		default:
			return (unsigned char) ('a' + below(4));
	}
}

/* A valid categorical profile (exact or sketch). */
static blob
make_categorical(int mode, int long_escapes)
{
	mlm_profile_hdr h;
	int64_t		n = long_escapes ? 1 + (int64_t) below(8) : rand_entries();
	int			maxlen = n > 20 ? 4 : 64;
	int64_t		i;
	int64_t		m = 0;
	cat		   *c = xmalloc((size_t) n * sizeof(cat));
	int64_t    *cnt;
	size_t		catbytes = 0;
	size_t		off;
	blob		b;

	base_header(&h, MLM_PROFILE_CATEGORICAL, mode);
	for (i = 0; i < n; i++)
	{
		int			j;

		c[i].len = long_escapes ? maxlen : (int) below(below(4) == 0 ? (uint64_t) maxlen : 4);
		for (j = 0; j < c[i].len; j++)
			c[i].s[j] = long_escapes ? (unsigned char) (1 + below(31)) : rand_cat_byte();
	}
	qsort(c, (size_t) n, sizeof(cat), cmp_cat);
	for (i = 0; i < n; i++)
		if (m == 0 || cmp_cat(&c[i], &c[m - 1]) != 0)
			c[m++] = c[i];
	n = m;
	cnt = xmalloc((size_t) n * sizeof(int64_t));
	if (mode == MLM_PROFILE_SKETCH)
	{
		h.other = below(2) ? 0 : (int64_t) below(1000);
		h.rank_error = rand_rank_error();
	}
	h.count = h.other;
	for (i = 0; i < n; i++)
	{
		cnt[i] = 1 + (int64_t) below(below(2) ? 5 : (uint64_t) 1 << 40);
		h.count += cnt[i];
		catbytes += (size_t) c[i].len;
	}
	h.nentries = n;
	b.n = mlm_profile_size(&h, catbytes, SIZE_MAX);
	b.p = xmalloc(b.n);
	memset(b.p, 0, b.n);
	memcpy(b.p, &h, HDR);
	memcpy(b.p + HDR, cnt, (size_t) n * 8);
	off = HDR + (size_t) n * 8;
	for (i = 0; i < n; i++)
	{
		int32_t		l = c[i].len;

		memcpy(b.p + off + (size_t) i * 4, &l, 4);
	}
	off += MLM_ALIGN8((size_t) n * 4);
	for (i = 0; i < n; i++)
	{
		memcpy(b.p + off, c[i].s, (size_t) c[i].len);
		off += (size_t) c[i].len;
	}
	free(c);
	free(cnt);
	return b;
}

/* Copy n bytes into a fresh allocation of exactly n bytes (8-aligned by malloc). */
static unsigned char *
exact_copy(const unsigned char *p, size_t n)
{
	unsigned char *q = xmalloc(n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* The flat profile with its padding zeroed and its NaN moments made the canonical NaN. */
static unsigned char *
normalized(const unsigned char *p, size_t n, int canon_nan)
{
	unsigned char *q = xmalloc(n);
	mlm_profile_hdr h;

	memcpy(q, p, n);
	memcpy(&h, q, HDR);
	if (canon_nan)
	{
		if (isnan(h.min))
			h.min = NAN;
		if (isnan(h.max))
			h.max = NAN;
		if (isnan(h.mean))
			h.mean = NAN;
		if (isnan(h.m2))
			h.m2 = NAN;
		memcpy(q, &h, HDR);
	}
	if (h.kind == MLM_PROFILE_CATEGORICAL)
	{
		size_t		nn = (size_t) h.nentries;
		size_t		lensend = HDR + nn * 12;
		size_t		bytes = HDR + nn * 8 + MLM_ALIGN8(nn * 4);
		size_t		catbytes = 0;
		size_t		i;

		memset(q + lensend, 0, bytes - lensend);
		for (i = 0; i < nn; i++)
		{
			int32_t		l;

			memcpy(&l, q + HDR + nn * 8 + i * 4, 4);
			catbytes += (size_t) l;
		}
		memset(q + bytes + catbytes, 0, n - bytes - catbytes);
	}
	return q;
}

/* flat (valid) -> JSON -> flat must give `want`; -> wire -> flat must give `want_wire`. */
static void
roundtrip_flat(const char *who, const unsigned char *flat, size_t n,
			   const unsigned char *want_json, const unsigned char *want_wire, const unsigned char *in, size_t inlen)
{
	char		err[256];
	char	   *json;
	void	   *wire;
	void	   *back;
	size_t		wlen;
	size_t		blen;

	json = mlm_profile_to_json(flat, n);
	if (json == NULL)
	{
		mismatch(who, in, inlen);
		return;
	}
	back = mlm_profile_from_json(json, strlen(json), &blen, err, sizeof(err));
	if (back == NULL || blen != n || memcmp(back, want_json, n) != 0)
	{
		size_t		d = 0;

		while (back != NULL && blen == n && d < n && ((unsigned char *) back)[d] == want_json[d])
			d++;
		fprintf(stderr, "%s: json round trip: %s (first difference at byte %zu)\n%s\n", who,
				back ? "bytes differ" : err, d, json);
		mismatch(who, in, inlen);
	}
	test_release(back);
	test_release(json);
	wire = mlm_profile_to_wire(flat, n, &wlen);
	if (wire == NULL)
	{
		mismatch(who, in, inlen);
		return;
	}
	back = mlm_profile_from_wire(wire, wlen, &blen, err, sizeof(err));
	if (back == NULL || blen != n || memcmp(back, want_wire, n) != 0)
	{
		fprintf(stderr, "%s: wire round trip: %s\n", who, back ? "bytes differ" : err);
		mismatch(who, in, inlen);
	}
	test_release(back);
	test_release(wire);
}

/* Check that a rejection left a sensible, NUL-terminated message. */
static void
check_message(const char *who, const char *err, size_t errlen, const unsigned char *in, size_t n)
{
	if (errlen == 0)
		return;
	if (memchr(err, '\0', errlen) == NULL || (errlen > 1 && err[0] == '\0'))
		mismatch(who, in, n);
}

/* Feed one input to mlm_profile_from_json and check what it accepts. */
static void
feed_json(const unsigned char *p, size_t n, stats *st)
{
	unsigned char *in = exact_copy(p, n);
	char		err[256];
	size_t		errlen = below(8) == 0 ? 1 + below(12) : sizeof(err);
	size_t		flen;
	void	   *flat = mlm_profile_from_json((const char *) in, n, &flen, err, errlen);

	st->inputs++;
	if (flat == NULL)
	{
		st->rejected++;
		check_message("from_json message", err, errlen, in, n);
	}
	else
	{
		unsigned char *canon = normalized(flat, flen, 1);

		st->accepted++;
		if (memcmp(canon, flat, flen) != 0 || mlm_profile_check(flat, flen, err, sizeof(err)) != 0)
			mismatch("from_json result not canonical", in, n);
		roundtrip_flat("from_json", flat, flen, flat, flat, in, n);
		free(canon);
		test_release(flat);
	}
	free(in);
}

/* Feed one input to mlm_profile_from_wire and check what it accepts. */
static void
feed_wire(const unsigned char *p, size_t n, stats *st)
{
	unsigned char *in = exact_copy(p, n);
	char		err[256];
	size_t		errlen = below(8) == 0 ? 1 + below(12) : sizeof(err);
	size_t		flen;
	size_t		wlen;
	void	   *flat = mlm_profile_from_wire(in, n, &flen, err, errlen);

	st->inputs++;
	if (flat == NULL)
	{
		st->rejected++;
		check_message("from_wire message", err, errlen, in, n);
	}
	else
	{
		unsigned char *canon = normalized(flat, flen, 1);
		void	   *wire = mlm_profile_to_wire(flat, flen, &wlen);

		st->accepted++;
		if (wire == NULL || wlen != n || memcmp(wire, in, n) != 0)
			mismatch("from_wire then to_wire", in, n);
		test_release(wire);
		roundtrip_flat("from_wire", flat, flen, canon, flat, in, n);
		free(canon);
		test_release(flat);
	}
	free(in);
}

/* Feed one input to mlm_profile_check and round-trip what it accepts. */
static void
feed_check(const unsigned char *p, size_t n, stats *st)
{
	unsigned char *in = exact_copy(p, n);
	char		err[256];
	size_t		errlen = below(8) == 0 ? 1 + below(12) : sizeof(err);

	st->inputs++;
	if (mlm_profile_check(in, n, err, errlen) != 0)
	{
		st->rejected++;
		check_message("check message", err, errlen, in, n);
	}
	else
	{
		unsigned char *zeroed = normalized(in, n, 0);
		unsigned char *canon = normalized(in, n, 1);

		st->accepted++;
		roundtrip_flat("check", in, n, canon, zeroed, in, n);
		free(zeroed);
		free(canon);
	}
	free(in);
}

/* Replace the number-like token after a random position by an awkward one. */
static size_t
replace_number(unsigned char *b, size_t n)
{
	static const char *const repl[] = {"0", "1", "-1", "-0", "0.5", "1e999", "-1e999", "1e-999",
		"18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
		"2147483647", "2147483648", "1000000", "1000001", "4.9e-324", "1.7976931348623157e308",
		"1e308", "62", "63", "61", "null", "true", "\"x\"", "[]", "{}", "[[]]", "1.5", "2", "3", "01",
		"123456789012345678901234567890", "1E+2", "-", "1.", ".5", "1e", "0x10", "Infinity", "NaN"};
	const char *r = repl[below(sizeof(repl) / sizeof(repl[0]))];
	size_t		rl = strlen(r);
	size_t		s = below(n);
	size_t		e;

	while (s < n && !(b[s] == '-' || (b[s] >= '0' && b[s] <= '9') || b[s] == 'n'))
		s++;
	if (s >= n)
		return n;
	e = s;
	while (e < n && strchr("0123456789+-.eEnul", b[e]) != NULL)
		e++;
	if (n - (e - s) + rl > MAX_INPUT)
		return n;
	memmove(b + s + rl, b + e, n - e);
	memcpy(b + s, r, rl);
	return n - (e - s) + rl;
}

/* Replace the string after a random position by a key name (known, unknown or escaped). */
static size_t
replace_string(unsigned char *b, size_t n)
{
	static const char *const repl[] = {"mlmon_profile", "kind", "mode", "cap", "count", "nulls", "nan",
		"posinf", "neginf", "min", "max", "mean", "m2", "other", "rank_error", "parity", "values", "counts",
		"levels", "categories", "numeric", "categorical", "exact", "sketch", "bogus", "\\u0063ount",
		"\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\u0000", "a\\", "\\x", "", "\\\"", "\x01"};
	const char *r = repl[below(sizeof(repl) / sizeof(repl[0]))];
	size_t		rl = strlen(r);
	size_t		s = below(n);
	size_t		e;

	while (s < n && b[s] != '"')
		s++;
	if (s >= n)
		return n;
	s++;
	e = s;
	while (e < n && b[e] != '"')
		e++;
	if (n - (e - s) + rl > MAX_INPUT)
		return n;
	memmove(b + s + rl, b + e, n - e);
	memcpy(b + s, r, rl);
	return n - (e - s) + rl;
}

/* Overwrite an aligned field with an awkward value (big-endian for the wire, native for flat). */
static void
replace_field(unsigned char *b, size_t n, int bigendian)
{
	static const uint64_t v64[] = {0, 1, 2, 3, UINT64_MAX, 0x7fffffffffffffffull, 0x8000000000000000ull,
		0x80000000ull, 0x100000000ull, 0x4000000000000000ull, 0x7ff8000000000000ull, 0x7ff0000000000000ull,
		0xfff0000000000000ull, 0x7ff8000000000001ull, 0xfff8000000000000ull, 0x7fefffffffffffffull,
		0x3ff0000000000000ull, 0xbff0000000000000ull, 1000000, 1000001, 62, 63, 0x3fffffffull, 0x40000000ull};
	static const uint32_t v32[] = {0, 1, 2, 0xffffffffu, 0x7fffffffu, 0x80000000u, 1000000, 1000001, 64, 65};
	uint64_t	u;
	unsigned char tmp[8];
	size_t		off;
	int			i;

	if (n < 8)
		return;
	switch (below(3))
	{
		case 0:
			off = 8 * below(n / 8);
			u = below(4) == 0 ? below(300) : v64[below(sizeof(v64) / sizeof(v64[0]))];
			if (bigendian)
				for (i = 0; i < 8; i++)
					tmp[i] = (unsigned char) (u >> (56 - 8 * i));
			else
				memcpy(tmp, &u, 8);
			memcpy(b + off, tmp, 8);
			break;
		case 1:
			{
				uint32_t	w = v32[below(sizeof(v32) / sizeof(v32[0]))];

				off = 4 * below(n / 4);
				if (bigendian)
					for (i = 0; i < 4; i++)
						tmp[i] = (unsigned char) (w >> (24 - 8 * i));
				else
					memcpy(tmp, &w, 4);
				memcpy(b + off, tmp, 4);
			}
			break;
		default:
			{
				static const unsigned char v8[] = {0, 1, 2, 3, 61, 62, 63, 255};

				b[below(4)] = v8[below(sizeof(v8))];
			}
			break;
	}
}

/* An awkward byte for replacements. */
static unsigned char
rand_byte(int textual)
{
	static const char interesting[] = "{}[]:,\"\\-0123456789.eE nul \t\n";

	if (textual && below(2))
		return (unsigned char) interesting[below(sizeof(interesting) - 1)];
	return (unsigned char) next();
}

/* Apply one random mutation to b[0..n) (capacity MAX_INPUT); returns the new length. */
static size_t
mutate_once(unsigned char *b, size_t n, int form, const blob *pool)
{
	size_t		i;
	size_t		k;
	size_t		j;

	switch (below(form == 0 ? 11 : 9))
	{
		case 0:					/* bit flip */
			if (n > 0)
			{
				i = below(n);
				b[i] ^= (unsigned char) (1u << below(8));
			}
			return n;
		case 1:					/* byte replacement */
			if (n > 0)
				b[below(n)] = rand_byte(form == 0);
			return n;
		case 2:					/* insertion of 1..4 bytes */
			k = 1 + below(4);
			if (n + k > MAX_INPUT)
				return n;
			i = below(n + 1);
			memmove(b + i + k, b + i, n - i);
			for (j = 0; j < k; j++)
				b[i + j] = rand_byte(form == 0);
			return n + k;
		case 3:					/* deletion of a range */
			if (n == 0)
				return n;
			i = below(n);
			k = 1 + below(below(2) ? 8 : n - i);
			if (k > n - i)
				k = n - i;
			memmove(b + i, b + i + k, n - i - k);
			return n - k;
		case 4:					/* truncation */
			return below(n + 1);
		case 5:					/* a chunk duplicated elsewhere */
			if (n == 0)
				return n;
			i = below(n);
			k = 1 + below(n - i < 64 ? n - i : 64);
			j = below(n + 1);
			if (n + k > MAX_INPUT)
				return n;
			{
				unsigned char chunk[64];

				memcpy(chunk, b + i, k);
				memmove(b + j + k, b + j, n - j);
				memcpy(b + j, chunk, k);
			}
			return n + k;
		case 6:					/* splice: a prefix of this, a suffix of another input */
			{
				const blob *o = &pool[below((uint64_t) ncorpus)];
				size_t		cut = below(n + 1);
				size_t		from = below(o->n + 1);

				if (cut + (o->n - from) > MAX_INPUT)
					return n;
				memcpy(b + cut, o->p + from, o->n - from);
				return cut + (o->n - from);
			}
		case 7:					/* binary: a field replaced; text: a number replaced */
		case 8:
			if (form == 0)
				return replace_number(b, n);
			replace_field(b, n, form == 1);
			return n;
		case 9:					/* text: a string replaced */
			return replace_string(b, n);
		default:				/* text: whitespace inserted */
			if (n + 1 > MAX_INPUT)
				return n;
			i = below(n + 1);
			memmove(b + i + 1, b + i, n - i);
			b[i] = " \n\t\r"[below(4)];
			return n + 1;
	}
}

/* The next fuzz input for a form (0 JSON, 1 wire, 2 flat) into b; returns its length. */
static size_t
make_input(unsigned char *b, int form)
{
	const blob *pool = form == 0 ? corpus_json : form == 1 ? corpus_wire : corpus_flat;
	size_t		n;
	int			rounds;
	int			r;

	if (below(10) == 0)
	{
		/* random bytes of a random length (for text, often from the JSON alphabet) */
		size_t		i;

		n = below(4) == 0 ? below(2048) : below(200);
		for (i = 0; i < n; i++)
			b[i] = rand_byte(form == 0 && below(2));
		if (form != 0 && n >= 4 && below(2))
		{
			/* a plausible header start, so that more get past the first checks */
			b[0] = 1;
			b[1] = (unsigned char) (1 + below(2));
			b[2] = (unsigned char) below(2);
			b[3] = (unsigned char) below(4);
		}
		return n;
	}
	{
		const blob *src = &pool[below((uint64_t) ncorpus)];

		n = src->n;
		memcpy(b, src->p, n);
	}
	rounds = below(8) == 0 ? 0 : 1 + (int) below(below(3) == 0 ? 8 : 3);
	for (r = 0; r < rounds; r++)
		n = mutate_once(b, n, form, pool);
	return n;
}

/* Build the corpus: valid flat profiles and their JSON and wire forms. */
static void
build_corpus(void)
{
	char		err[256];
	int			i;

	for (i = 0; i < CORPUS; i++)
	{
		blob		f;
		char	   *json;
		size_t		wlen;

		switch (i % 4)
		{
			case 0:
				f = make_numeric_exact();
				break;
			case 1:
				f = make_numeric_sketch();
				break;
			case 2:
				f = make_categorical(MLM_PROFILE_EXACT, i % 40 == 2);
				break;
			default:
				f = make_categorical(MLM_PROFILE_SKETCH, 0);
				break;
		}
		if (mlm_profile_check(f.p, f.n, err, sizeof(err)) != 0)
		{
			fprintf(stderr, "fuzz: generated profile %d is invalid: %s\n", i, err);
			exit(1);
		}
		json = mlm_profile_to_json(f.p, f.n);
		corpus_flat[i] = f;
		corpus_json[i].n = strlen(json);
		corpus_json[i].p = exact_copy((unsigned char *) json, corpus_json[i].n);
		test_release(json);
		corpus_wire[i].p = mlm_profile_to_wire(f.p, f.n, &wlen);
		corpus_wire[i].n = wlen;
		if (corpus_json[i].n > MAX_INPUT / 2 || wlen > MAX_INPUT / 2)
		{
			fprintf(stderr, "fuzz: corpus entry %d too large\n", i);
			exit(1);
		}
		{
			unsigned char *tmp = exact_copy(corpus_wire[i].p, wlen);

			test_release(corpus_wire[i].p);
			corpus_wire[i].p = tmp;
		}
		roundtrip_flat("corpus", f.p, f.n, f.p, f.p, f.p, f.n);
	}
	ncorpus = CORPUS;
}

/* Make the allocator fail at every point of every codec on some corpus entries; nothing may leak. */
static long long
fail_allocations(void)
{
	long long	calls = 0;
	int			i;
	long long	k;

	for (i = 0; i < ncorpus; i += 7)
	{
		for (k = 0; k < 6; k++)
		{
			char		err[128];
			size_t		len;
			void	   *r;

			fail_after = k;
			r = mlm_profile_from_json((const char *) corpus_json[i].p, corpus_json[i].n, &len, err, sizeof(err));
			test_release(r);
			fail_after = k;
			r = mlm_profile_from_wire(corpus_wire[i].p, corpus_wire[i].n, &len, err, sizeof(err));
			test_release(r);
			fail_after = k;
			r = mlm_profile_to_json(corpus_flat[i].p, corpus_flat[i].n);
			test_release(r);
			fail_after = k;
			r = mlm_profile_to_wire(corpus_flat[i].p, corpus_flat[i].n, &len);
			test_release(r);
			calls += 4;
		}
	}
	fail_after = -1;
	return calls;
}

/* Run the fuzzer: N inputs to each of from_json, from_wire and check. */
int
main(int argc, char **argv)
{
	long long	n = argc > 1 ? atoll(argv[1]) : 1000000;
	unsigned char *buf = xmalloc(MAX_INPUT);
	stats		st[3];
	static const char *const names[3] = {"mlm_profile_from_json", "mlm_profile_from_wire", "mlm_profile_check"};
	clock_t		t0 = clock();
	long long	i;
	long long	fails;
	int			f;

	if (argc > 2)
		xorshift_seed(argv[2]);
	mlm_set_env(&test_env);
	memset(st, 0, sizeof(st));
	build_corpus();
	for (i = 0; i < n; i++)
	{
		for (f = 0; f < 3; f++)
		{
			size_t		len = make_input(buf, f);

			if (f == 0)
				feed_json(buf, len, &st[0]);
			else if (f == 1)
				feed_wire(buf, len, &st[1]);
			else
				feed_check(buf, len, &st[2]);
		}
	}
	fails = fail_allocations();
	for (f = 0; f < 3; f++)
		printf("%-22s inputs %lld accepted %lld rejected %lld\n", names[f],
			   st[f].inputs, st[f].accepted, st[f].rejected);
	printf("allocation failure calls %lld, live allocations at the end %lld\n", fails, live_allocs);
	printf("round-trip mismatches %lld, %.1f s cpu\n", mismatches, (double) (clock() - t0) / CLOCKS_PER_SEC);
	for (i = 0; i < ncorpus; i++)
	{
		free(corpus_flat[i].p);
		free(corpus_json[i].p);
		free(corpus_wire[i].p);
	}
	free(buf);
	return (mismatches != 0 || live_allocs != 0) ? 1 : 0;
}
