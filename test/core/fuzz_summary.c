/*
 * fuzz_summary.c: a self-contained fuzzer for the summary wire codec
 * (src/core/summary_wire.c: mlm_summary_open, mlm_summary_section,
 * mlm_summary_find, mlm_summary_check, mlm_summary_encode).
 *
 * It builds a corpus of valid summaries with a fixed-seed xorshift
 * generator, every section kind in every variant (COUNTS, SUMS, PROFILE with
 * numeric exact, numeric sketch and categorical profiles made as valid flat
 * profiles, GRID, KEYS of arity 1 and 2 with and without cap and truncation,
 * REGRESSION, STREAM open and closed with float and binary values over
 * several segments, SCORES with 0, 1 and 2 labels and overflowing), encodes
 * them with mlm_summary_encode, checks that mlm_summary_check accepts them
 * and that they decode to the sections they were made from.  Then it feeds
 * mlm_summary_check, and mlm_summary_open followed by mlm_summary_section on
 * every section, N inputs each: random bytes (often with a plausible header
 * and section table) and mutations of the corpus (bit flips, byte
 * replacements, insertions, deletions, truncations, duplicated chunks,
 * splices, awkward big-endian fields, and mutations that keep the section
 * table consistent: a section's payload mutated, its kind changed, sections
 * dropped, duplicated, swapped or taken from another summary).  Every input
 * is copied to an allocation of exactly its length, so AddressSanitizer sees
 * any read past it.  Whatever is accepted is decoded section by section and
 * encoded again with mlm_summary_encode, which must give back exactly the
 * same bytes (NaN payloads included); the two ways of checking must agree.
 * Every call must give back all the memory it does not return.  A last phase
 * makes the allocator fail at every possible point of every function on
 * part of the corpus and checks that nothing leaks.  Exit status 1 on any
 * mismatch or leak.
 *
 * Build: gcc -std=gnu99 -O2 [-fsanitize=address,undefined] -I src/core
 *        test/core/fuzz_summary.c src/core/summary_wire.c src/core/profile_*.c
 *        src/core/env.c -lm
 * Run:   fuzz_summary [inputs per function, default 1000000] [seed]
 */
#include "summary.h"
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
#define CORPUS 304
#define NVARIANTS 19
#define MAX_KEPT 8192
#define MAX_TABLE 64

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

enum
{
	ST_CHECK, ST_OPEN, ST_SECTION, ST_ENCODE, NSTATS
};

static long long mismatches;
static long long live_allocs;
static long long alloc_calls;
static long long fail_after = -1;	/* >= 0: that many more allocations succeed, then all fail */
static long long variant_seen[NVARIANTS];

static blob corpus_wire[CORPUS];
static int	ncorpus;

/* The fuzzer's own memory for the sections it builds, freed after each corpus entry. */
static void *kept[MAX_KEPT];
static int	nkept;

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

/* Fuzzer memory that lives until drop_kept(). */
static void *
kalloc(size_t n)
{
	if (nkept == MAX_KEPT)
	{
		fprintf(stderr, "fuzz: too many blocks kept\n");
		exit(2);
	}
	kept[nkept] = xmalloc(n);
	memset(kept[nkept], 0, n ? n : 1);
	return kept[nkept++];
}

static void
drop_kept(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
}

/* The core's allocator: counts live blocks and calls, fails on demand. */
static void *
test_alloc(size_t n)
{
	void	   *p;

	alloc_calls++;
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

/* Report a failure (round trip, disagreement, leak) with the input in hex. */
static void
mismatch(const char *what, const unsigned char *in, size_t n)
{
	size_t		i;

	mismatches++;
	if (mismatches > 10)
		return;
	fprintf(stderr, "MISMATCH %s, input of %zu bytes:\n", what, n);
	for (i = 0; i < n && i < 512; i++)
		fprintf(stderr, "%02x%s", in[i], i % 32 == 31 ? "\n" : " ");
	fputc('\n', stderr);
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

/* Copy n bytes into a fresh allocation of exactly n bytes. */
static unsigned char *
exact_copy(const unsigned char *p, size_t n)
{
	unsigned char *q = xmalloc(n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t	u = 0;
	int			i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return u;
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static void
put64(unsigned char *p, uint64_t u)
{
	int			i;

	for (i = 7; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char) u;
}

static void
put32(unsigned char *p, uint32_t u)
{
	p[0] = (unsigned char) (u >> 24);
	p[1] = (unsigned char) (u >> 16);
	p[2] = (unsigned char) (u >> 8);
	p[3] = (unsigned char) u;
}

/* ---------------------------------------------------------------- random values */

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

/* A NaN, often with a payload or its sign bit set. */
static double
rand_nan(void)
{
	uint64_t	u;
	double		d;

	if (below(3) == 0)
		return NAN;
	u = 0x7ff0000000000000ull | (next() & 0x800fffffffffffffull);
	if ((u & 0x000fffffffffffffull) == 0)
		u |= 1;
	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Any double: finite, infinite or NaN (SUMS and REGRESSION take every bit pattern). */
static double
rand_any_double(void)
{
	switch (below(8))
	{
		case 0:
			return rand_nan();
		case 1:
			return below(2) ? INFINITY : -INFINITY;
		default:
			return rand_double();
	}
}

/* Any int64, often an extreme. */
static int64_t
rand_int64(void)
{
	switch (below(6))
	{
		case 0:
			return 0;
		case 1:
			return INT64_MAX - (int64_t) below(2);
		case 2:
			return INT64_MIN + (int64_t) below(2);
		case 3:
			return (int64_t) below(2001) - 1000;
		default:
			return (int64_t) next();
	}
}

/* A positive count. */
static int64_t
rand_count(void)
{
	switch (below(5))
	{
		case 0:
			return INT64_MAX - (int64_t) below(2);
		case 1:
			return 1 + (int64_t) below((uint64_t) 1 << 40);
		default:
			return 1 + (int64_t) below(9);
	}
}

/* A number of elements: mostly small, sometimes larger. */
static int64_t
rand_n(int64_t large)
{
	switch (below(8))
	{
		case 0:
			return 0;
		case 1:
			return (int64_t) below((uint64_t) large + 1);
		default:
			return (int64_t) below(9);
	}
}

/* ---------------------------------------------------------------- valid flat profiles */

/* Order doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* A random count for nulls, nan, posinf, neginf. */
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

/* A valid numeric exact profile (kept memory). */
static blob
make_numeric_exact(void)
{
	mlm_profile_hdr h;
	int64_t		n = rand_n(60);
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
	b.p = kalloc(b.n);
	memcpy(b.p, &h, HDR);
	memcpy(b.p + HDR, v, (size_t) n * sizeof(double));
	memcpy(b.p + HDR + (size_t) n * sizeof(double), c, (size_t) n * sizeof(int64_t));
	free(v);
	free(c);
	return b;
}

/* A valid numeric sketch, often with empty levels (kept memory). */
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

		len[lev] = below(3) == 0 ? 0 : (int64_t) below(lev < 3 ? 12 : 3);
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
	b.p = kalloc(b.n);
	memcpy(b.p, &h, HDR);
	for (lev = 0; lev < nlevels; lev++)
		memcpy(b.p + HDR + (size_t) lev * 8, &len[lev], 8);
	memcpy(b.p + HDR + (size_t) nlevels * 8, v, (size_t) n * sizeof(double));
	free(v);
	return b;
}

typedef struct cat
{
	unsigned char s[16];
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

/* A random category byte (no NUL): mostly letters, sometimes controls or high bytes. */
static unsigned char
rand_cat_byte(void)
{
	switch (below(6))
	{
		case 0:
			return (unsigned char) (1 + below(31));
		case 1:
			return (unsigned char) (0x80 + below(128));
		default:
			return (unsigned char) ('a' + below(4));
	}
}

/* A valid categorical profile, exact or sketch (kept memory). */
static blob
make_categorical(int mode)
{
	mlm_profile_hdr h;
	int64_t		n = rand_n(40);
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

		c[i].len = (int) below(below(4) == 0 ? 16 : 4);
		for (j = 0; j < c[i].len; j++)
			c[i].s[j] = rand_cat_byte();
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
	b.p = kalloc(b.n);
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

/* A valid flat profile of one of the four kinds and modes, checked. */
static mlm_flat_profile
make_profile(int which)
{
	char		err[256];
	blob		b;
	mlm_flat_profile fp;

	switch (which)
	{
		case 0:
			b = make_numeric_exact();
			break;
		case 1:
			b = make_numeric_sketch();
			break;
		case 2:
			b = make_categorical(MLM_PROFILE_EXACT);
			break;
		default:
			b = make_categorical(MLM_PROFILE_SKETCH);
			break;
	}
	if (mlm_profile_check(b.p, b.n, err, sizeof(err)) != 0)
	{
		fprintf(stderr, "fuzz: generated profile is invalid: %s\n", err);
		exit(1);
	}
	fp.buf = b.p;
	fp.len = b.n;
	return fp;
}

/* ---------------------------------------------------------------- valid sections */

/* A random byte string of up to maxlen bytes (small alphabet: equal prefixes are common). */
static mlm_bytes
rand_bytes(int maxlen)
{
	mlm_bytes	b;
	char	   *p;
	uint32_t	i;

	b.len = (uint32_t) below(below(4) == 0 ? (uint64_t) maxlen + 1 : 4);
	p = kalloc(b.len);
	for (i = 0; i < b.len; i++)
		p[i] = below(5) == 0 ? (char) next() : (char) ('a' + below(3));
	b.data = p;
	return b;
}

/* Byte order of two strings: memcmp on the common prefix, then shorter first (independent of mlm_keys_cmp). */
static int
cmp_bytes(const mlm_bytes *a, const mlm_bytes *b)
{
	uint32_t	n = a->len < b->len ? a->len : b->len;
	int			c = n > 0 ? memcmp(a->data, b->data, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

typedef struct key2
{
	mlm_bytes	part[2];
} key2;

static int	key_arity;

static int
cmp_key2(const void *a, const void *b)
{
	const key2 *x = a;
	const key2 *y = b;
	int			c = cmp_bytes(&x->part[0], &y->part[0]);

	if (c != 0 || key_arity == 1)
		return c;
	return cmp_bytes(&x->part[1], &y->part[1]);
}

/* Order int64 for qsort. */
static int
cmp_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static void
gen_counts(mlm_section *s)
{
	int64_t		i;

	s->kind = MLM_SEC_COUNTS;
	s->n = rand_n(100);
	s->counts = kalloc((size_t) s->n * 8);
	for (i = 0; i < s->n; i++)
		s->counts[i] = rand_int64();
}

static void
gen_sums(mlm_section *s)
{
	int64_t		i;

	s->kind = MLM_SEC_SUMS;
	s->n = rand_n(60);
	s->sums = kalloc((size_t) s->n * sizeof(mlm_ksum));
	for (i = 0; i < s->n; i++)
	{
		s->sums[i].s = rand_any_double();
		s->sums[i].c = rand_any_double();
	}
}

static void
gen_grid(mlm_section *s)
{
	uint64_t	g;
	uint64_t	cells;
	int64_t		m,
				i,
				k = 0;
	int64_t    *c;

	s->kind = MLM_SEC_GRID;
	switch (below(4))
	{
		case 0:
			g = below(3);
			break;
		case 1:
			g = below(60);
			break;
		case 2:
			g = below((uint64_t) 1 << 40);
			break;
		default:
			g = ((uint64_t) INT64_MAX - 1) / 2 - below(3);
			break;
	}
	cells = 2 * g + 1;
	m = rand_n(60);
	c = xmalloc((size_t) m * 8);
	for (i = 0; i < m; i++)
	{
		switch (below(6))
		{
			case 0:
				c[i] = 0;
				break;
			case 1:
				c[i] = (int64_t) (cells - 1);
				break;
			case 2:
				c[i] = (int64_t) below(cells < 20 ? cells : 20);
				break;
			default:
				c[i] = (int64_t) below(cells);
				break;
		}
	}
	qsort(c, (size_t) m, 8, cmp_int64);
	for (i = 0; i < m; i++)
		if (k == 0 || c[i] > c[k - 1])
			c[k++] = c[i];
	s->ncells = (int64_t) cells;
	s->n = k;
	s->cell = kalloc((size_t) k * 8);
	s->counts = kalloc((size_t) k * 8);
	s->max = kalloc((size_t) k * 8);
	for (i = 0; i < k; i++)
	{
		s->cell[i] = c[i];
		s->counts[i] = rand_count();
		s->max[i] = c[i] % 2 == 1 ? rand_nan() : rand_double();
	}
	free(c);
}

/* KEYS of this arity; capped: a cap of at least the number of keys (and truncation, sometimes). */
static void
gen_keys(mlm_section *s, int arity, int capped)
{
	int64_t		m = rand_n(60);
	int64_t		i,
				k = 0;
	key2	   *keys = xmalloc((size_t) m * sizeof(key2));

	s->kind = MLM_SEC_KEYS;
	s->arity = arity;
	for (i = 0; i < m; i++)
	{
		keys[i].part[0] = rand_bytes(12);
		keys[i].part[1] = arity == 2 ? rand_bytes(12) : keys[i].part[0];
	}
	key_arity = arity;
	qsort(keys, (size_t) m, sizeof(key2), cmp_key2);
	for (i = 0; i < m; i++)
		if (k == 0 || cmp_key2(&keys[i], &keys[k - 1]) != 0)
			keys[k++] = keys[i];
	s->n = k;
	s->key = kalloc((size_t) k * (size_t) arity * sizeof(mlm_bytes));
	s->counts = kalloc((size_t) k * 8);
	for (i = 0; i < k; i++)
	{
		s->key[i * arity] = keys[i].part[0];
		if (arity == 2)
			s->key[i * arity + 1] = keys[i].part[1];
		s->counts[i] = rand_count();
		/* mlm_keys_cmp must order them as the independent comparison does */
		if (i > 0 && mlm_keys_cmp(&s->key[(i - 1) * arity], &s->key[i * arity], arity) != -1)
			mismatch("mlm_keys_cmp disagrees with the byte order", (const unsigned char *) s->key[i * arity].data,
					 s->key[i * arity].len);
		if (i > 0 && mlm_keys_cmp(&s->key[i * arity], &s->key[(i - 1) * arity], arity) != 1)
			mismatch("mlm_keys_cmp is not antisymmetric", (const unsigned char *) s->key[i * arity].data,
					 s->key[i * arity].len);
	}
	if (k > 0 && mlm_keys_cmp(&s->key[0], &s->key[0], arity) != 0)
		mismatch("mlm_keys_cmp of a key with itself", (const unsigned char *) s->key[0].data, s->key[0].len);
	free(keys);
	if (capped)
	{
		switch (below(4))
		{
			case 0:
				s->cap = INT64_MAX;
				break;
			case 1:
				s->cap = k + (int64_t) below(1000);
				break;
			default:
				s->cap = k > 0 ? k : 1;
				break;
		}
		s->truncated = (int) below(2);
	}
	else
	{
		s->cap = 0;
		s->truncated = below(4) == 0;
	}
}

static void
gen_regression(mlm_section *s)
{
	s->kind = MLM_SEC_REGRESSION;
	s->reg.n = below(2) ? (int64_t) below(1000) : rand_int64() & INT64_MAX;
	s->reg.abs_err.s = rand_any_double();
	s->reg.abs_err.c = rand_any_double();
	s->reg.sq_err.s = rand_any_double();
	s->reg.sq_err.c = rand_any_double();
	s->reg.ape.s = rand_any_double();
	s->reg.ape.c = rand_any_double();
	s->reg.mean_y = rand_any_double();
	s->reg.m2_y = rand_any_double();
}

static void
gen_stream_open(mlm_section *s)
{
	int64_t		i;

	s->kind = MLM_SEC_STREAM;
	s->n = rand_n(60);
	s->ts = kalloc((size_t) s->n * 8);
	s->values = kalloc((size_t) s->n * 8);
	for (i = 0; i < s->n; i++)
	{
		s->ts[i] = rand_int64();
		s->values[i] = rand_double();
	}
}

/* A closed stream: disjoint ascending segments, float or 0/1 values. */
static void
gen_stream_closed(mlm_section *s, int binary)
{
	int64_t		nseg = below(5) == 0 ? 0 : 1 + (int64_t) below(below(3) == 0 ? 8 : 3);
	int64_t		t = below(4) == 0 ? INT64_MIN + (int64_t) below(3) : (int64_t) below(1000000) - 500000;
	int64_t		i,
				k = 0,
				total = 0;

	s->kind = MLM_SEC_STREAM;
	s->closed = 1;
	s->binary = binary;
	s->seg_first = kalloc((size_t) nseg * 8);
	s->seg_last = kalloc((size_t) nseg * 8);
	s->seg_n = kalloc((size_t) nseg * 8);
	for (i = 0; i < nseg; i++)
	{
		int64_t		first,
					last;
		int64_t		gap = below(3) == 0 ? 0 : (int64_t) below(below(4) == 0 ? (uint64_t) 1 << 50 : 100);
		int64_t		span = below(3) == 0 ? 0 : (int64_t) below(below(4) == 0 ? (uint64_t) 1 << 50 : 100);

		if (i > 0 && __builtin_add_overflow(t, 1, &t))
			break;
		if (__builtin_add_overflow(t, gap, &first) || __builtin_add_overflow(first, span, &last))
			break;
		if (below(8) == 0)
			last = INT64_MAX;
		s->seg_first[k] = first;
		s->seg_last[k] = last;
		s->seg_n[k] = 1 + (int64_t) below(below(4) == 0 ? 40 : 9);
		total += s->seg_n[k];
		k++;
		t = last;
		if (last == INT64_MAX)
			break;
	}
	s->nseg = k;
	s->n = total;
	s->values = kalloc((size_t) total * 8);
	for (i = 0; i < total; i++)
		s->values[i] = binary ? (double) below(2) : rand_double();
}

/* SCORES: labels 0, 1 or 2, or overflowing (labels < 0). */
static void
gen_scores(mlm_section *s, int labels)
{
	int			i;

	s->kind = MLM_SEC_SCORES;
	s->sums = kalloc(2 * MLM_SCORE_SUMS * sizeof(mlm_ksum));
	if (labels < 0)
	{
		s->overflow = 1;
		return;
	}
	s->n = labels;
	for (i = 0; i < labels; i++)
	{
		int			j;

		s->label[i] = rand_bytes(12);
		s->rows[i] = below(4) == 0 ? 0 : below(4) == 0 ? INT64_MAX : (int64_t) below(1000);
		for (j = 0; j < MLM_SCORE_SUMS; j++)
		{
			s->sums[i * MLM_SCORE_SUMS + j].s = rand_any_double();
			s->sums[i * MLM_SCORE_SUMS + j].c = rand_any_double();
		}
		s->scores[i] = make_profile((int) below(2));
	}
	if (labels == 2)
	{
		int			c = cmp_bytes(&s->label[0], &s->label[1]);

		if (c == 0)
		{
			/* make them distinct: a longer second label */
			char	   *p = kalloc(s->label[1].len + 1);

			memcpy(p, s->label[1].data, s->label[1].len);
			p[s->label[1].len] = 'z';
			s->label[1].data = p;
			s->label[1].len++;
		}
		else if (c > 0)
		{
			mlm_bytes	t = s->label[0];

			s->label[0] = s->label[1];
			s->label[1] = t;
		}
	}
}

/* A valid section of one of the NVARIANTS variants. */
static void
gen_variant(mlm_section *s, int v)
{
	variant_seen[v]++;
	switch (v)
	{
		case 0:
			gen_counts(s);
			break;
		case 1:
			gen_sums(s);
			break;
		case 2:
		case 3:
		case 4:
		case 5:
			s->kind = MLM_SEC_PROFILE;
			s->profile = make_profile(v - 2);
			break;
		case 6:
			gen_grid(s);
			break;
		case 7:
		case 8:
			gen_keys(s, 1, v == 8);
			break;
		case 9:
		case 10:
			gen_keys(s, 2, v == 10);
			break;
		case 11:
			gen_regression(s);
			break;
		case 12:
			gen_stream_open(s);
			break;
		case 13:
		case 14:
			gen_stream_closed(s, v == 14);
			break;
		case 15:
		case 16:
		case 17:
			gen_scores(s, v - 15);
			break;
		default:
			gen_scores(s, -1);
			break;
	}
}

/* ---------------------------------------------------------------- decoded sections */

static int
same_mem(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

static int
same_flat(const mlm_flat_profile *a, const mlm_flat_profile *b)
{
	return a->len == b->len && same_mem(a->buf, b->buf, a->len);
}

static int
same_string(const mlm_bytes *a, const mlm_bytes *b)
{
	return a->len == b->len && same_mem(a->data, b->data, a->len);
}

/* Is the decoded section d the built section s, bit for bit? */
static int
same_section(const mlm_section *s, const mlm_section *d)
{
	size_t		n = (size_t) s->n;
	int64_t		i;

	if (s->id != d->id || s->kind != d->kind)
		return 0;
	switch (s->kind)
	{
		case MLM_SEC_COUNTS:
			return d->n == s->n && same_mem(s->counts, d->counts, n * 8);
		case MLM_SEC_SUMS:
			return d->n == s->n && same_mem(s->sums, d->sums, n * sizeof(mlm_ksum));
		case MLM_SEC_PROFILE:
			return same_flat(&s->profile, &d->profile);
		case MLM_SEC_GRID:
			return d->ncells == s->ncells && d->n == s->n && same_mem(s->cell, d->cell, n * 8) &&
				same_mem(s->counts, d->counts, n * 8) && same_mem(s->max, d->max, n * 8);
		case MLM_SEC_KEYS:
			if (d->arity != s->arity || d->truncated != (s->truncated != 0) || d->cap != s->cap || d->n != s->n ||
				!same_mem(s->counts, d->counts, n * 8))
				return 0;
			for (i = 0; i < s->n * s->arity; i++)
				if (!same_string(&s->key[i], &d->key[i]))
					return 0;
			return 1;
		case MLM_SEC_REGRESSION:
			return memcmp(&s->reg, &d->reg, sizeof(s->reg)) == 0;
		case MLM_SEC_STREAM:
			if (d->closed != s->closed || d->binary != s->binary || d->n != s->n ||
				!same_mem(s->values, d->values, n * 8))
				return 0;
			if (!s->closed)
				return same_mem(s->ts, d->ts, n * 8);
			return d->nseg == s->nseg && same_mem(s->seg_first, d->seg_first, (size_t) s->nseg * 8) &&
				same_mem(s->seg_last, d->seg_last, (size_t) s->nseg * 8) &&
				same_mem(s->seg_n, d->seg_n, (size_t) s->nseg * 8);
		case MLM_SEC_SCORES:
			if (d->overflow != s->overflow || d->n != s->n ||
				!same_mem(s->sums, d->sums, n * MLM_SCORE_SUMS * sizeof(mlm_ksum)))
				return 0;
			for (i = 0; i < s->n; i++)
				if (!same_string(&s->label[i], &d->label[i]) || d->rows[i] != s->rows[i] ||
					!same_flat(&s->scores[i], &d->scores[i]))
					return 0;
			return 1;
	}
	return 0;
}

/* Give back what mlm_summary_section allocated for a section. */
static void
free_decoded(mlm_section *s)
{
	test_release(s->counts);
	test_release(s->sums);
	test_release(s->profile.buf);
	test_release(s->cell);
	test_release(s->max);
	test_release(s->key);
	test_release(s->ts);
	test_release(s->values);
	test_release(s->seg_first);
	test_release(s->seg_last);
	test_release(s->seg_n);
	test_release(s->scores[0].buf);
	test_release(s->scores[1].buf);
}

/* Does a section that failed to decode hold any memory? */
static int
holds_memory(const mlm_section *s)
{
	return s->counts || s->sums || s->profile.buf || s->cell || s->max || s->key || s->ts || s->values ||
		s->seg_first || s->seg_last || s->seg_n || s->scores[0].buf || s->scores[1].buf;
}

/* A random errlen: usually the whole buffer, sometimes a tiny one. */
static size_t
rand_errlen(size_t size)
{
	switch (below(16))
	{
		case 0:
			return 0;
		case 1:
		case 2:
			return 1 + below(12);
		default:
			return size;
	}
}

/*
 * The section table of an opened wire form, checked against the bytes: ids
 * ascending, payloads one after the other inside the input, and
 * mlm_summary_find finding each id (and no other).
 */
static void
check_table(const mlm_summary_wire *w, const unsigned char *in, size_t n)
{
	const unsigned char *at = in + 8;
	uint32_t	i;

	if (w->nsections != get32(in + 4))
		mismatch("open: nsections is not the header's", in, n);
	for (i = 0; i < w->nsections; i++)
	{
		const mlm_section_ref *r = &w->ref[i];
		uint32_t	probe;

		if (r->id != get32(at) || r->kind != at[4] || r->len != get64(at + 8) || r->payload != at + 16 ||
			(i > 0 && r->id <= w->ref[i - 1].id))
		{
			mismatch("open: the section table does not match the bytes", in, n);
			return;
		}
		at += 16 + r->len;
		if (mlm_summary_find(w, r->id) != r)
			mismatch("mlm_summary_find misses a section", in, n);
		probe = r->id + 1;
		if (probe != 0 && (i + 1 == w->nsections || w->ref[i + 1].id != probe) && mlm_summary_find(w, probe) != NULL)
			mismatch("mlm_summary_find finds an absent id", in, n);
	}
	if (at != in + n)
		mismatch("open: the payloads do not end at the end of the input", in, n);
	if ((w->nsections == 0 || w->ref[0].id > 0) && mlm_summary_find(w, 0) != NULL)
		mismatch("mlm_summary_find finds an absent id 0", in, n);
}

/*
 * Encode decoded sections and compare with the input: the bytes must be the
 * same.  The limit is usually generous, sometimes exactly the size (which
 * must work), sometimes one byte short (which must fail).
 */
static void
encode_again(const mlm_section *sec, uint32_t nsec, const unsigned char *in, size_t n, stats *st)
{
	mlm_summary s;
	char		err[256];
	size_t		errlen = rand_errlen(sizeof(err));
	size_t		len = 0;
	size_t		limit;
	int			tight = 0;
	long long	before = live_allocs;
	void	   *out;

	switch (below(16))
	{
		case 0:
			limit = n;
			break;
		case 1:
			limit = n - 1;
			tight = 1;
			break;
		default:
			limit = SIZE_MAX;
			break;
	}
	s.nsections = nsec;
	s.sec = (mlm_section *) sec;
	out = mlm_summary_encode(&s, limit, &len, err, errlen);
	st->inputs++;
	if (out == NULL)
	{
		st->rejected++;
		if (!tight)
			mismatch("encode fails on decoded sections", in, n);
		else if (errlen == sizeof(err) && strstr(err, "summary would exceed") == NULL)
			mismatch("encode over its limit: wrong message", in, n);
		check_message("encode message", err, errlen, in, n);
	}
	else
	{
		st->accepted++;
		if (tight)
			mismatch("encode ignores its limit", in, n);
		if (len != n || memcmp(out, in, n) != 0)
			mismatch("decode then encode gives other bytes", in, n);
		test_release(out);
	}
	if (live_allocs != before)
		mismatch("encode leaks", in, n);
}

/* Decode every section of an opened wire form; nsec_ok gets how many decoded. */
static mlm_section *
decode_all(const mlm_summary_wire *w, const unsigned char *in, size_t n, uint32_t *nsec_ok, stats *st, char *err,
		   size_t errlen)
{
	mlm_section *sec = xmalloc((w->nsections > 0 ? w->nsections : 1) * sizeof(mlm_section));
	uint32_t	i;

	*nsec_ok = 0;
	for (i = 0; i < w->nsections; i++)
	{
		long long	before = live_allocs;

		if (st)
			st->inputs++;
		if (mlm_summary_section(&w->ref[i], &sec[i], err, errlen) != 0)
		{
			if (st)
				st->rejected++;
			check_message("section message", err, errlen, in, n);
			if (holds_memory(&sec[i]) || live_allocs != before)
				mismatch("a section that fails to decode keeps memory", in, n);
			break;
		}
		if (st)
			st->accepted++;
		if (sec[i].id != w->ref[i].id || sec[i].kind != w->ref[i].kind)
			mismatch("a decoded section has another id or kind", in, n);
		*nsec_ok = i + 1;
	}
	return sec;
}

static void
free_all(mlm_section *sec, uint32_t nsec)
{
	uint32_t	i;

	for (i = 0; i < nsec; i++)
		free_decoded(&sec[i]);
	free(sec);
}

/* ---------------------------------------------------------------- feeding */

/* Feed one input to mlm_summary_check; what it accepts must decode and encode to the same bytes. */
static void
feed_check(const unsigned char *p, size_t n, stats *st)
{
	unsigned char *in = exact_copy(p, n);
	char		err[256];
	size_t		errlen = rand_errlen(sizeof(err));
	long long	before = live_allocs;
	int			rc = mlm_summary_check(in, n, err, errlen);

	st[ST_CHECK].inputs++;
	if (live_allocs != before)
		mismatch("check leaks", in, n);
	if (rc != 0)
	{
		st[ST_CHECK].rejected++;
		check_message("check message", err, errlen, in, n);
	}
	else
	{
		mlm_summary_wire w;
		uint32_t	nok;
		mlm_section *sec;

		st[ST_CHECK].accepted++;
		if (mlm_summary_open(in, n, &w, err, sizeof(err)) != 0)
		{
			mismatch("check accepts what open rejects", in, n);
			free(in);
			return;
		}
		sec = decode_all(&w, in, n, &nok, NULL, err, sizeof(err));
		if (nok != w.nsections)
			mismatch("check accepts a section that does not decode", in, n);
		else
			encode_again(sec, nok, in, n, &st[ST_ENCODE]);
		free_all(sec, nok);
		test_release(w.ref);
	}
	if (live_allocs != before)
		mismatch("check round trip leaks", in, n);
	free(in);
}

/* Feed one input to mlm_summary_open, then every section to mlm_summary_section. */
static void
feed_open(const unsigned char *p, size_t n, stats *st)
{
	unsigned char *in = exact_copy(p, n);
	char		err[256];
	size_t		errlen = rand_errlen(sizeof(err));
	long long	before = live_allocs;
	mlm_summary_wire w;
	int			verdict;

	st[ST_OPEN].inputs++;
	if (mlm_summary_open(in, n, &w, err, errlen) != 0)
	{
		st[ST_OPEN].rejected++;
		check_message("open message", err, errlen, in, n);
		if (w.ref != NULL || w.nsections != 0 || live_allocs != before)
			mismatch("open fails but keeps a table", in, n);
		verdict = -1;
	}
	else
	{
		uint32_t	nok;
		mlm_section *sec;

		st[ST_OPEN].accepted++;
		check_table(&w, in, n);
		sec = decode_all(&w, in, n, &nok, &st[ST_SECTION], err, rand_errlen(sizeof(err)));
		verdict = nok == w.nsections ? 0 : -1;
		if (verdict == 0)
			encode_again(sec, nok, in, n, &st[ST_ENCODE]);
		free_all(sec, nok);
		test_release(w.ref);
	}
	/* the full check must say the same */
	if (mlm_summary_check(in, n, NULL, 0) != verdict)
		mismatch(verdict == 0 ? "open and section accept what check rejects" :
				 "check accepts what open or section rejects", in, n);
	if (live_allocs != before)
		mismatch("open, section or encode leaks", in, n);
	free(in);
}

/* ---------------------------------------------------------------- mutations */

/* Overwrite a field with an awkward big-endian value (8-aligned, 4-aligned, or one of the first header bytes). */
static void
replace_field(unsigned char *b, size_t n)
{
	static const uint64_t v64[] = {0, 1, 2, 3, 7, 8, 9, 16, 24, UINT64_MAX, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0x80000000ull, 0x100000000ull, 0x4000000000000000ull, 0x7ff8000000000000ull,
		0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000001ull, 0xfff8000000000000ull,
		0x7fefffffffffffffull, 0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3fffffffull, 0x40000000ull,
	0x1fffffffffffffffull, 0x2000000000000000ull, 0x5555555555555555ull, 0x3fffffffffffffffull};
	static const uint32_t v32[] = {0, 1, 2, 3, 8, 0xffffffffu, 0x7fffffffu, 0x80000000u, 1000000, 65536};
	size_t		off;

	if (n < 8)
		return;
	switch (below(4))
	{
		case 0:
		case 1:
			off = 8 * below(n / 8);
			put64(b + off, below(4) == 0 ? below(300) : v64[below(sizeof(v64) / sizeof(v64[0]))]);
			break;
		case 2:
			off = 4 * below(n / 4);
			put32(b + off, v32[below(sizeof(v32) / sizeof(v32[0]))]);
			break;
		default:
			{
				static const unsigned char v8[] = {0, 1, 2, 3, 7, 8, 9, 255};

				b[below(8)] = v8[below(sizeof(v8))];
			}
			break;
	}
}

/* Apply one byte-level mutation to b[0..n) (capacity cap); returns the new length. */
static size_t
mutate_bytes(unsigned char *b, size_t n, size_t cap)
{
	size_t		i;
	size_t		k;
	size_t		j;

	switch (below(9))
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
				b[below(n)] = below(2) ? (unsigned char) next() : (unsigned char) below(3);
			return n;
		case 2:					/* insertion of 1..8 bytes */
			k = 1 + below(8);
			if (n + k > cap)
				return n;
			i = below(n + 1);
			memmove(b + i + k, b + i, n - i);
			for (j = 0; j < k; j++)
				b[i + j] = below(2) ? 0 : (unsigned char) next();
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
			if (n + k > cap)
				return n;
			{
				unsigned char chunk[64];

				memcpy(chunk, b + i, k);
				memmove(b + j + k, b + j, n - j);
				memcpy(b + j, chunk, k);
			}
			return n + k;
		case 6:					/* splice: a prefix of this, a suffix of a corpus entry */
			{
				const blob *o = &corpus_wire[below((uint64_t) ncorpus)];
				size_t		cut = below(n + 1);
				size_t		from = below(o->n + 1);

				if (cut + (o->n - from) > cap)
					return n;
				memcpy(b + cut, o->p + from, o->n - from);
				return cut + (o->n - from);
			}
		default:				/* an awkward field */
			replace_field(b, n);
			return n;
	}
}

typedef struct tsec
{
	uint32_t	id;
	uint8_t		kind;
	const unsigned char *payload;
	size_t		len;
} tsec;

/* Read the section table of b[0..n) (lenient: no rule on ids or kinds); -1 if it is not consistent. */
static int
parse_table(const unsigned char *b, size_t n, tsec *t, int *nt)
{
	uint32_t	k;
	uint32_t	i;
	size_t		off = 8;

	if (n < 8)
		return -1;
	k = get32(b + 4);
	if (k > MAX_TABLE)
		return -1;
	for (i = 0; i < k; i++)
	{
		uint64_t	len;

		if (n - off < 16)
			return -1;
		len = get64(b + off + 8);
		if (len > n - off - 16)
			return -1;
		t[i].id = get32(b + off);
		t[i].kind = b[off + 4];
		t[i].payload = b + off + 16;
		t[i].len = (size_t) len;
		off += 16 + (size_t) len;
	}
	if (off != n)
		return -1;
	*nt = (int) k;
	return 0;
}

/*
 * A mutation that keeps the section table consistent (so that the section
 * decoders see it): one payload mutated, a kind changed, ids disordered,
 * sections dropped, duplicated, swapped or taken from another summary, the
 * section count changed.  Falls back to a byte-level mutation.
 */
static size_t
mutate_table(unsigned char *b, size_t n)
{
	static unsigned char out[MAX_INPUT];
	static unsigned char pay[MAX_INPUT];
	tsec		t[MAX_TABLE + 1];
	tsec		o[MAX_TABLE];
	int			nt,
				no,
				k,
				i;
	size_t		off,
				plen = 0;
	int			fix_count = 1;

	if (parse_table(b, n, t, &nt) != 0 || nt == 0)
		return mutate_bytes(b, n, MAX_INPUT);
	k = (int) below((uint64_t) nt);
	switch (below(12))
	{
		case 0:
		case 1:
		case 2:
		case 3:
		case 4:					/* a payload mutated (its length follows) */
			memcpy(pay, t[k].payload, t[k].len);
			plen = t[k].len;
			{
				int			r,
							rounds = 1 + (int) below(3);

				for (r = 0; r < rounds; r++)
				{
					if (below(4) == 0 && plen > 0)
					{
						/* a bit near the end (binary stream bits, the last fields) */
						size_t		at = below(2) ? plen - 1 : plen - 1 - below(plen < 8 ? plen : 8);

						pay[at] ^= (unsigned char) (1u << below(8));
					}
					else if (below(3) == 0)
						replace_field(pay, plen);
					else
						plen = mutate_bytes(pay, plen, MAX_INPUT / 2);
				}
			}
			t[k].payload = pay;
			t[k].len = plen;
			break;
		case 5:					/* another kind */
			t[k].kind = below(8) == 0 ? (uint8_t) (below(2) ? 0 : 9 + below(247)) : (uint8_t) (1 + below(8));
			break;
		case 6:					/* ids disordered */
			if (nt > 1 && k > 0)
			{
				if (below(2))
					t[k].id = t[k - 1].id;
				else
				{
					tsec		x = t[k];

					t[k] = t[k - 1];
					t[k - 1] = x;
				}
			}
			else
				t[k].id = below(2) ? 0 : UINT32_MAX - (uint32_t) below(2);
			break;
		case 7:					/* a section dropped */
			memmove(&t[k], &t[k + 1], (size_t) (nt - k - 1) * sizeof(tsec));
			nt--;
			break;
		case 8:					/* a section duplicated (same id or the next) */
			if (nt < MAX_TABLE)
			{
				memmove(&t[k + 1], &t[k], (size_t) (nt - k) * sizeof(tsec));
				nt++;
				if (below(2))
					t[k + 1].id++;
			}
			break;
		case 9:					/* a payload (and kind) from a section of another summary */
		case 10:
			{
				const blob *src = &corpus_wire[below((uint64_t) ncorpus)];

				if (parse_table(src->p, src->n, o, &no) == 0 && no > 0)
				{
					int			j = (int) below((uint64_t) no);

					t[k].payload = o[j].payload;
					t[k].len = o[j].len;
					if (below(4) != 0)
						t[k].kind = o[j].kind;
				}
			}
			break;
		default:				/* the section count off by one */
			fix_count = 0;
			break;
	}
	/* write the summary again */
	off = 8;
	memcpy(out, b, 4);
	put32(out + 4, fix_count ? (uint32_t) nt : (uint32_t) (nt + (below(2) ? 1 : -1)));
	for (i = 0; i < nt; i++)
	{
		if (off + 16 + t[i].len > MAX_INPUT)
			return n;
		put32(out + off, t[i].id);
		out[off + 4] = t[i].kind;
		out[off + 5] = out[off + 6] = out[off + 7] = 0;
		put64(out + off + 8, t[i].len);
		memcpy(out + off + 16, t[i].payload, t[i].len);
		off += 16 + t[i].len;
	}
	memcpy(b, out, off);
	return off;
}

/* Random bytes, often shaped as a header and a section table with random payloads. */
static size_t
random_input(unsigned char *b)
{
	size_t		n,
				i;

	if (below(2))
	{
		n = below(4) == 0 ? below(2048) : below(200);
		for (i = 0; i < n; i++)
			b[i] = (unsigned char) next();
		if (n >= 8 && below(2))
		{
			b[0] = 1;
			b[1] = b[2] = b[3] = 0;
			put32(b + 4, (uint32_t) below(4));
		}
		return n;
	}
	else
	{
		uint32_t	k = (uint32_t) below(4);
		uint32_t	id = (uint32_t) below(10);

		b[0] = 1;
		b[1] = b[2] = b[3] = 0;
		put32(b + 4, k);
		n = 8;
		for (i = 0; i < k; i++)
		{
			size_t		len = below(3) == 0 ? below(400) : below(40);
			size_t		j;

			put32(b + n, id);
			id += 1 + (uint32_t) below(5);
			b[n + 4] = (unsigned char) (1 + below(8));
			b[n + 5] = b[n + 6] = b[n + 7] = 0;
			put64(b + n + 8, len);
			n += 16;
			for (j = 0; j < len; j++)
				b[n + j] = below(3) == 0 ? (unsigned char) next() : (unsigned char) below(3);
			/* plausible small counts and header bytes */
			if (len >= 8 && below(2))
			{
				memset(b + n, 0, 8);
				b[n] = (unsigned char) below(3);
				b[n + 1] = (unsigned char) below(3);
			}
			if (len >= 16 && below(2))
				put64(b + n + 8, below(4));
			n += len;
		}
		return n;
	}
}

/* The next fuzz input into b (capacity MAX_INPUT); returns its length. */
static size_t
make_input(unsigned char *b)
{
	size_t		n;
	int			rounds;
	int			r;

	if (below(10) == 0)
		return random_input(b);
	{
		const blob *src = &corpus_wire[below((uint64_t) ncorpus)];

		n = src->n;
		memcpy(b, src->p, n);
	}
	rounds = below(8) == 0 ? 0 : 1 + (int) below(below(3) == 0 ? 6 : 2);
	for (r = 0; r < rounds; r++)
		n = below(3) == 0 ? mutate_bytes(b, n, MAX_INPUT) : mutate_table(b, n);
	return n;
}

/* ---------------------------------------------------------------- the corpus */

/* Build the corpus: summaries of valid sections of every variant, encoded, checked and decoded back. */
static void
build_corpus(void)
{
	char		err[256];
	int			i;

	for (i = 0; i < CORPUS; i++)
	{
		uint32_t	nsec = i % 38 == 37 ? 0 : 1 + (uint32_t) below(below(4) == 0 ? 8 : 3);
		uint32_t	primary = (uint32_t) below(nsec);
		uint32_t	id = below(4) == 0 ? 0 : (uint32_t) below(1000);
		mlm_section *sec = kalloc((nsec > 0 ? nsec : 1) * sizeof(mlm_section));
		mlm_summary s;
		mlm_summary_wire w;
		mlm_section *dec;
		uint32_t	j,
					nok;
		size_t		len;
		unsigned char *wire;

		for (j = 0; j < nsec; j++)
		{
			sec[j].id = id;
			id += 1 + (uint32_t) below(below(8) == 0 ? 100000 : 3);
			if (j + 2 == nsec && below(4) == 0)
				id = UINT32_MAX;
			gen_variant(&sec[j], j == primary ? i % NVARIANTS : (int) below(NVARIANTS));
		}
		s.nsections = nsec;
		s.sec = sec;
		wire = mlm_summary_encode(&s, SIZE_MAX, &len, err, sizeof(err));
		if (wire == NULL)
		{
			fprintf(stderr, "fuzz: corpus entry %d does not encode: %s\n", i, err);
			exit(1);
		}
		if (len > MAX_INPUT / 4)
		{
			fprintf(stderr, "fuzz: corpus entry %d too large (%zu bytes)\n", i, len);
			exit(1);
		}
		corpus_wire[i].p = exact_copy(wire, len);
		corpus_wire[i].n = len;
		test_release(wire);
		wire = corpus_wire[i].p;
		if (mlm_summary_check(wire, len, err, sizeof(err)) != 0)
		{
			fprintf(stderr, "fuzz: corpus entry %d is rejected: %s\n", i, err);
			mismatch("check rejects a valid summary", wire, len);
		}
		else if (mlm_summary_open(wire, len, &w, err, sizeof(err)) != 0)
			mismatch("open rejects a valid summary", wire, len);
		else
		{
			check_table(&w, wire, len);
			dec = decode_all(&w, wire, len, &nok, NULL, err, sizeof(err));
			if (nok != nsec)
			{
				fprintf(stderr, "fuzz: corpus entry %d, section %u: %s\n", i, nok, err);
				mismatch("a valid section does not decode", wire, len);
			}
			for (j = 0; j < nok; j++)
				if (!same_section(&sec[j], &dec[j]))
				{
					fprintf(stderr, "fuzz: corpus entry %d, section %u (kind %d) decodes to other values\n", i, j,
							sec[j].kind);
					mismatch("a valid section decodes to other values", wire, len);
				}
			free_all(dec, nok);
			test_release(w.ref);
		}
		drop_kept();
	}
	ncorpus = CORPUS;
	for (i = 0; i < NVARIANTS; i++)
		if (variant_seen[i] == 0)
		{
			fprintf(stderr, "fuzz: the corpus has no section of variant %d\n", i);
			mismatches++;
		}
}

/* ---------------------------------------------------------------- allocation failures */

/*
 * Make the allocator fail at every point of check, open with section, and
 * encode, on part of the corpus: each call must fail cleanly while an
 * allocation is refused, succeed once none is, and leak nothing.
 */
static long long
fail_allocations(void)
{
	long long	calls = 0;
	int			i;

	for (i = 0; i < ncorpus; i += 3)
	{
		const unsigned char *in = corpus_wire[i].p;
		size_t		n = corpus_wire[i].n;
		char		err[256];
		long long	need,
					k;
		mlm_summary_wire w;
		mlm_section *sec;
		mlm_summary s;
		uint32_t	nok;
		size_t		len;
		void	   *out;

		/* check */
		alloc_calls = 0;
		if (mlm_summary_check(in, n, err, sizeof(err)) != 0)
			continue;
		need = alloc_calls;
		for (k = 0; k <= need; k++)
		{
			int			rc;

			fail_after = k;
			rc = mlm_summary_check(in, n, err, sizeof(err));
			fail_after = -1;
			calls++;
			if (rc != (k < need ? -1 : 0))
				mismatch("check under failing allocations", in, n);
		}
		/* open and every section */
		alloc_calls = 0;
		if (mlm_summary_open(in, n, &w, err, sizeof(err)) != 0)
			continue;
		sec = decode_all(&w, in, n, &nok, NULL, err, sizeof(err));
		free_all(sec, nok);
		test_release(w.ref);
		need = alloc_calls;
		for (k = 0; k <= need; k++)
		{
			int			ok = 0;

			fail_after = k;
			calls++;
			if (mlm_summary_open(in, n, &w, err, sizeof(err)) == 0)
			{
				sec = decode_all(&w, in, n, &nok, NULL, err, sizeof(err));
				ok = nok == w.nsections;
				free_all(sec, nok);
				test_release(w.ref);
			}
			else if (w.ref != NULL)
				mismatch("open keeps a table after failing", in, n);
			fail_after = -1;
			if (ok != (k >= need))
				mismatch("open and section under failing allocations", in, n);
		}
		/* encode */
		if (mlm_summary_open(in, n, &w, err, sizeof(err)) != 0)
			continue;
		sec = decode_all(&w, in, n, &nok, NULL, err, sizeof(err));
		s.nsections = nok;
		s.sec = sec;
		alloc_calls = 0;
		out = mlm_summary_encode(&s, SIZE_MAX, &len, err, sizeof(err));
		test_release(out);
		need = alloc_calls;
		for (k = 0; k <= need; k++)
		{
			fail_after = k;
			out = mlm_summary_encode(&s, SIZE_MAX, &len, err, sizeof(err));
			fail_after = -1;
			calls++;
			if ((out == NULL) != (k < need))
				mismatch("encode under failing allocations", in, n);
			if (out != NULL && (len != n || memcmp(out, in, n) != 0))
				mismatch("encode under failing allocations gives other bytes", in, n);
			test_release(out);
		}
		free_all(sec, nok);
		test_release(w.ref);
	}
	fail_after = -1;
	return calls;
}

/* Run the fuzzer: N inputs to check and N to open (each section to section, what is accepted to encode). */
int
main(int argc, char **argv)
{
	long long	n = argc > 1 ? atoll(argv[1]) : 1000000;
	unsigned char *buf = xmalloc(MAX_INPUT);
	stats		st[NSTATS];
	static const char *const names[NSTATS] = {"mlm_summary_check", "mlm_summary_open", "mlm_summary_section",
	"mlm_summary_encode"};
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
		size_t		len = make_input(buf);

		feed_check(buf, len, st);
		len = make_input(buf);
		feed_open(buf, len, st);
	}
	fails = fail_allocations();
	printf("corpus: %d summaries, sections per variant:", ncorpus);
	for (f = 0; f < NVARIANTS; f++)
		printf(" %lld", variant_seen[f]);
	printf("\n");
	for (f = 0; f < NSTATS; f++)
		printf("%-20s inputs %lld accepted %lld rejected %lld\n", names[f],
			   st[f].inputs, st[f].accepted, st[f].rejected);
	printf("allocation failure calls %lld, live allocations at the end %lld\n", fails, live_allocs);
	printf("round-trip mismatches %lld, %.1f s cpu\n", mismatches, (double) (clock() - t0) / CLOCKS_PER_SEC);
	for (i = 0; i < ncorpus; i++)
		free(corpus_wire[i].p);
	free(buf);
	return (mismatches != 0 || live_allocs != 0) ? 1 : 0;
}
