/*
 * summary_wire.c: the wire form of a summary (summary.h): decoding with
 * every rule checked before anything is trusted, and encoding.
 *
 * Untrusted bytes reach the decoder from the type's text and binary input,
 * from a stored value, and from partial aggregates of other processes or
 * machines; it reads nothing outside [wire, wire + len), computes every size
 * without overflow and rejects what encode would not write.
 */
#include "summary.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "byteorder.h"
#include "env.h"
#include "profile.h"

/* No summary may be larger than this (the largest PostgreSQL allocation). */
#define SUMMARY_LIMIT ((size_t) 1073741823)
#define SUMMARY_HDR 8
#define SECTION_HDR 16

static void
set_err(char *err, size_t errlen, const char *fmt,...) __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
mlm_keys_cmp(const mlm_bytes *a, const mlm_bytes *b, int arity)
{
	int			i;

	for (i = 0; i < arity; i++)
	{
		uint32_t	n = a[i].len < b[i].len ? a[i].len : b[i].len;
		int			c = n > 0 ? memcmp(a[i].data, b[i].data, n) : 0;

		if (c != 0)
			return c < 0 ? -1 : 1;
		if (a[i].len != b[i].len)
			return a[i].len < b[i].len ? -1 : 1;
	}
	return 0;
}

const mlm_section_ref *
mlm_summary_find(const mlm_summary_wire *w, uint32_t id)
{
	uint32_t	lo = 0,
				hi = w->nsections;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (w->ref[mid].id == id)
			return &w->ref[mid];
		if (w->ref[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---------------------------------------------------------------- decoding */

/* A cursor over the bytes of one section's payload. */
typedef struct Reader
{
	const unsigned char *p;
	size_t		left;
	char	   *err;
	size_t		errlen;
	uint32_t	id;
} Reader;

static int
need(Reader *r, size_t n)
{
	if (r->left < n)
	{
		set_err(r->err, r->errlen, "section %u is truncated", r->id);
		return -1;
	}
	return 0;
}

static const unsigned char *
take(Reader *r, size_t n)
{
	const unsigned char *p = r->p;

	r->p += n;
	r->left -= n;
	return p;
}

/* An element count that fits what is left at `each` bytes per element. */
static int
read_count(Reader *r, size_t each, int64_t *n)
{
	uint64_t	u;

	if (need(r, 8) != 0)
		return -1;
	u = mlm_get64(take(r, 8));
	if (each > 0 ? u > r->left / each : u > SUMMARY_LIMIT)
	{
		set_err(r->err, r->errlen, "section %u counts more elements than it holds", r->id);
		return -1;
	}
	*n = (int64_t) u;
	return 0;
}

/* Memory for n elements of size `each` (at least one byte). */
static void *
alloc_array(Reader *r, int64_t n, size_t each)
{
	void	   *p = mlm_core_env->alloc(n > 0 ? (size_t) n * each : 1);

	if (p == NULL)
		set_err(r->err, r->errlen, "out of memory");
	return p;
}

static void
release(void *p)
{
	if (p != NULL)
		mlm_core_env->release(p);
}

/* Give back the memory of a decoded section (its byte strings point into the wire form). */
static void
release_section(mlm_section *s)
{
	release(s->counts);
	release(s->sums);
	release(s->profile.buf);
	release(s->cell);
	release(s->max);
	release(s->key);
	release(s->ts);
	release(s->values);
	release(s->seg_first);
	release(s->seg_last);
	release(s->seg_n);
	release(s->scores[0].buf);
	release(s->scores[1].buf);
	s->counts = NULL;
	s->sums = NULL;
	s->profile.buf = NULL;
	s->cell = NULL;
	s->max = NULL;
	s->key = NULL;
	s->ts = NULL;
	s->values = NULL;
	s->seg_first = s->seg_last = s->seg_n = NULL;
	s->scores[0].buf = s->scores[1].buf = NULL;
}

static int
read_ksums(Reader *r, mlm_ksum *k, int64_t n)
{
	int64_t		i;

	if (need(r, (size_t) n * 16) != 0)
		return -1;
	for (i = 0; i < n; i++)
	{
		k[i].s = mlm_get_double(take(r, 8));
		k[i].c = mlm_get_double(take(r, 8));
	}
	return 0;
}

/* A profile's wire form of `len` bytes into a checked flat profile. */
static int
read_profile(Reader *r, size_t len, mlm_flat_profile *fp)
{
	char		perr[200];

	if (need(r, len) != 0)
		return -1;
	fp->buf = mlm_profile_from_wire(take(r, len), len, &fp->len, perr, sizeof(perr));
	if (fp->buf == NULL)
	{
		set_err(r->err, r->errlen, "section %u: %s", r->id, perr);
		return -1;
	}
	return 0;
}

static int
read_bytes(Reader *r, mlm_bytes *b)
{
	uint32_t	len;

	if (need(r, 4) != 0)
		return -1;
	len = mlm_get32(take(r, 4));
	if (need(r, len) != 0)
		return -1;
	b->data = (const char *) take(r, len);
	b->len = len;
	return 0;
}

static int
decode_counts(Reader *r, mlm_section *s)
{
	int64_t		i;

	if (read_count(r, 8, &s->n) != 0 || (s->counts = alloc_array(r, s->n, 8)) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		s->counts[i] = (int64_t) mlm_get64(take(r, 8));
	return 0;
}

static int
decode_sums(Reader *r, mlm_section *s)
{
	if (read_count(r, 16, &s->n) != 0 || (s->sums = alloc_array(r, s->n, sizeof(mlm_ksum))) == NULL)
		return -1;
	return read_ksums(r, s->sums, s->n);
}

static int
decode_grid(Reader *r, mlm_section *s)
{
	int64_t		i;
	uint64_t	cells;

	if (need(r, 8) != 0)
		return -1;
	cells = mlm_get64(take(r, 8));
	if (cells % 2 != 1 || cells > (uint64_t) INT64_MAX)
	{
		set_err(r->err, r->errlen, "section %u: a grid must have an odd number of cells, below 2^63", r->id);
		return -1;
	}
	s->ncells = (int64_t) cells;
	if (read_count(r, 24, &s->n) != 0 ||
		(s->cell = alloc_array(r, s->n, 8)) == NULL ||
		(s->counts = alloc_array(r, s->n, 8)) == NULL ||
		(s->max = alloc_array(r, s->n, 8)) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
	{
		uint64_t	c = mlm_get64(take(r, 8));

		s->counts[i] = (int64_t) mlm_get64(take(r, 8));
		s->max[i] = mlm_get_double(take(r, 8));
		if (c >= cells || (i > 0 && (int64_t) c <= s->cell[i - 1]) || s->counts[i] <= 0)
		{
			set_err(r->err, r->errlen, "section %u: grid cells must be ascending, in range, with positive counts", r->id);
			return -1;
		}
		s->cell[i] = (int64_t) c;
		/* grid points carry no maximum; an open cell's is a finite number */
		if (c % 2 == 1 ? !isnan(s->max[i]) : !isfinite(s->max[i]))
		{
			set_err(r->err, r->errlen, "section %u: a grid cell has an invalid largest value", r->id);
			return -1;
		}
	}
	return 0;
}

static int
decode_keys(Reader *r, mlm_section *s)
{
	const unsigned char *h;
	int64_t		i;
	uint64_t	cap;
	int			a;

	if (need(r, 16) != 0)
		return -1;
	h = take(r, 8);
	s->arity = h[0];
	s->truncated = h[1];
	if ((s->arity != 1 && s->arity != 2) || s->truncated > 1 || h[2] || h[3] || h[4] || h[5] || h[6] || h[7])
	{
		set_err(r->err, r->errlen, "section %u: invalid key header", r->id);
		return -1;
	}
	cap = mlm_get64(take(r, 8));
	if (cap > (uint64_t) INT64_MAX)
	{
		set_err(r->err, r->errlen, "section %u: invalid key cap", r->id);
		return -1;
	}
	s->cap = (int64_t) cap;
	/* each key takes at least arity x 4 + 8 bytes */
	if (read_count(r, (size_t) s->arity * 4 + 8, &s->n) != 0 ||
		(s->key = alloc_array(r, s->n * s->arity, sizeof(mlm_bytes))) == NULL ||
		(s->counts = alloc_array(r, s->n, 8)) == NULL)
		return -1;
	if (s->cap > 0 && s->n > s->cap)
	{
		set_err(r->err, r->errlen, "section %u holds more keys than its cap", r->id);
		return -1;
	}
	for (i = 0; i < s->n; i++)
	{
		for (a = 0; a < s->arity; a++)
			if (read_bytes(r, &s->key[i * s->arity + a]) != 0)
				return -1;
		if (need(r, 8) != 0)
			return -1;
		s->counts[i] = (int64_t) mlm_get64(take(r, 8));
		if (s->counts[i] <= 0 ||
			(i > 0 && mlm_keys_cmp(&s->key[(i - 1) * s->arity], &s->key[i * s->arity], s->arity) >= 0))
		{
			set_err(r->err, r->errlen, "section %u: keys must be ascending and distinct with positive counts", r->id);
			return -1;
		}
	}
	return 0;
}

static int
decode_regression(Reader *r, mlm_section *s)
{
	if (need(r, 72) != 0)
		return -1;
	s->reg.n = (int64_t) mlm_get64(take(r, 8));
	if (read_ksums(r, &s->reg.abs_err, 1) != 0 || read_ksums(r, &s->reg.sq_err, 1) != 0 ||
		read_ksums(r, &s->reg.ape, 1) != 0)
		return -1;
	s->reg.mean_y = mlm_get_double(take(r, 8));
	s->reg.m2_y = mlm_get_double(take(r, 8));
	if (s->reg.n < 0)
	{
		set_err(r->err, r->errlen, "section %u: negative row count", r->id);
		return -1;
	}
	return 0;
}

static int
decode_stream(Reader *r, mlm_section *s)
{
	const unsigned char *h;
	int64_t		i,
				total = 0;

	if (need(r, 8) != 0)
		return -1;
	h = take(r, 8);
	s->closed = h[0];
	s->binary = h[1];
	if (s->closed > 1 || s->binary > 1 || (s->binary && !s->closed) || h[2] || h[3] || h[4] || h[5] || h[6] || h[7])
	{
		set_err(r->err, r->errlen, "section %u: invalid stream header", r->id);
		return -1;
	}
	if (!s->closed)
	{
		if (read_count(r, 16, &s->n) != 0 || (s->ts = alloc_array(r, s->n, 8)) == NULL ||
			(s->values = alloc_array(r, s->n, 8)) == NULL)
			return -1;
		for (i = 0; i < s->n; i++)
		{
			s->ts[i] = (int64_t) mlm_get64(take(r, 8));
			s->values[i] = mlm_get_double(take(r, 8));
			if (!isfinite(s->values[i]))
			{
				set_err(r->err, r->errlen, "section %u: a stream value is not finite", r->id);
				return -1;
			}
		}
		return 0;
	}
	if (read_count(r, 0, &s->n) != 0 || read_count(r, 24, &s->nseg) != 0 ||
		(s->seg_first = alloc_array(r, s->nseg, 8)) == NULL ||
		(s->seg_last = alloc_array(r, s->nseg, 8)) == NULL ||
		(s->seg_n = alloc_array(r, s->nseg, 8)) == NULL)
		return -1;
	for (i = 0; i < s->nseg; i++)
	{
		s->seg_first[i] = (int64_t) mlm_get64(take(r, 8));
		s->seg_last[i] = (int64_t) mlm_get64(take(r, 8));
		s->seg_n[i] = (int64_t) mlm_get64(take(r, 8));
		if (s->seg_first[i] > s->seg_last[i] || s->seg_n[i] <= 0 || s->seg_n[i] > s->n - total ||
			(i > 0 && s->seg_first[i] <= s->seg_last[i - 1]))
		{
			set_err(r->err, r->errlen, "section %u: stream segments must be ordered, disjoint and non-empty", r->id);
			return -1;
		}
		total += s->seg_n[i];
	}
	if (total != s->n)
	{
		set_err(r->err, r->errlen, "section %u: stream segments do not add up to its values", r->id);
		return -1;
	}
	/* the values must be there before memory is taken for them (n is only bounded by SUMMARY_LIMIT) */
	if (s->binary ? (uint64_t) (s->n / 8 + (s->n % 8 != 0)) > r->left : (uint64_t) s->n > r->left / 8)
	{
		set_err(r->err, r->errlen, "section %u is truncated", r->id);
		return -1;
	}
	if ((s->values = alloc_array(r, s->n, 8)) == NULL)
		return -1;
	if (s->binary)
	{
		size_t		nb = (size_t) (s->n / 8 + (s->n % 8 != 0));
		const unsigned char *b;

		b = take(r, nb);
		for (i = 0; i < s->n; i++)
			s->values[i] = (b[i / 8] >> (i % 8)) & 1;
		if (s->n % 8 != 0 && (b[nb - 1] >> (s->n % 8)) != 0)
		{
			set_err(r->err, r->errlen, "section %u: unused stream bits are set", r->id);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < s->n; i++)
	{
		s->values[i] = mlm_get_double(take(r, 8));
		if (!isfinite(s->values[i]))
		{
			set_err(r->err, r->errlen, "section %u: a stream value is not finite", r->id);
			return -1;
		}
	}
	return 0;
}

static int
decode_scores(Reader *r, mlm_section *s)
{
	const unsigned char *h;
	int			i;

	if (need(r, 8) != 0)
		return -1;
	h = take(r, 8);
	s->overflow = h[0];
	s->n = h[1];
	if (s->overflow > 1 || s->n > 2 || (s->overflow && s->n != 0) || h[2] || h[3] || h[4] || h[5] || h[6] || h[7])
	{
		set_err(r->err, r->errlen, "section %u: invalid scores header", r->id);
		return -1;
	}
	if ((s->sums = alloc_array(r, 2 * MLM_SCORE_SUMS, sizeof(mlm_ksum))) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
	{
		uint64_t	plen;

		if (read_bytes(r, &s->label[i]) != 0 || need(r, 8) != 0)
			return -1;
		s->rows[i] = (int64_t) mlm_get64(take(r, 8));
		if (read_ksums(r, &s->sums[i * MLM_SCORE_SUMS], MLM_SCORE_SUMS) != 0 || need(r, 8) != 0)
			return -1;
		plen = mlm_get64(take(r, 8));
		if (plen > r->left)
		{
			set_err(r->err, r->errlen, "section %u is truncated", r->id);
			return -1;
		}
		if (read_profile(r, (size_t) plen, &s->scores[i]) != 0)
			return -1;
		/* the readers take it as a sample of numbers */
		if (((const mlm_profile_hdr *) s->scores[i].buf)->kind != MLM_PROFILE_NUMERIC)
		{
			set_err(r->err, r->errlen, "section %u: a score profile must be numeric", r->id);
			return -1;
		}
		if (s->rows[i] < 0 || (i > 0 && mlm_keys_cmp(&s->label[0], &s->label[1], 1) >= 0))
		{
			set_err(r->err, r->errlen, "section %u: score labels must be ascending and distinct", r->id);
			return -1;
		}
	}
	return 0;
}

int
mlm_summary_open(const void *wire, size_t len, mlm_summary_wire *w, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *) wire;
	size_t		off;
	uint32_t	i,
				n;

	w->nsections = 0;
	w->ref = NULL;
	if (len < SUMMARY_HDR)
	{
		set_err(err, errlen, "summary is truncated");
		return -1;
	}
	if (p[0] != MLM_SUMMARY_VERSION)
	{
		set_err(err, errlen, "unsupported summary version %d", p[0]);
		return -1;
	}
	if (p[1] || p[2] || p[3])
	{
		set_err(err, errlen, "summary header has non-zero padding");
		return -1;
	}
	n = mlm_get32(p + 4);
	if (n > (len - SUMMARY_HDR) / SECTION_HDR)
	{
		set_err(err, errlen, "summary counts more sections than it holds");
		return -1;
	}
	w->ref = mlm_core_env->alloc(n > 0 ? n * sizeof(mlm_section_ref) : 1);
	if (w->ref == NULL)
	{
		set_err(err, errlen, "out of memory");
		return -1;
	}
	off = SUMMARY_HDR;
	for (i = 0; i < n; i++)
	{
		mlm_section_ref *r = &w->ref[i];
		uint64_t	plen;

		if (len - off < SECTION_HDR)
		{
			set_err(err, errlen, "summary is truncated");
			goto bad;
		}
		r->id = mlm_get32(p + off);
		r->kind = p[off + 4];
		if (p[off + 5] || p[off + 6] || p[off + 7])
		{
			set_err(err, errlen, "section %u has non-zero padding", r->id);
			goto bad;
		}
		if (r->kind < MLM_SEC_COUNTS || r->kind > MLM_SEC_SCORES)
		{
			set_err(err, errlen, "section %u has unknown kind %d", r->id, r->kind);
			goto bad;
		}
		plen = mlm_get64(p + off + 8);
		off += SECTION_HDR;
		if (plen > len - off)
		{
			set_err(err, errlen, "section %u is truncated", r->id);
			goto bad;
		}
		if (i > 0 && r->id <= w->ref[i - 1].id)
		{
			set_err(err, errlen, "section ids must be strictly ascending");
			goto bad;
		}
		r->payload = p + off;
		r->len = (size_t) plen;
		off += (size_t) plen;
	}
	if (off != len)
	{
		set_err(err, errlen, "summary has trailing bytes");
		goto bad;
	}
	w->nsections = n;
	return 0;

bad:
	release(w->ref);
	w->ref = NULL;
	return -1;
}

int
mlm_summary_section(const mlm_section_ref *ref, mlm_section *sec, char *err, size_t errlen)
{
	Reader		r;
	int			rc;

	memset(sec, 0, sizeof(*sec));
	sec->id = ref->id;
	sec->kind = ref->kind;
	r.p = ref->payload;
	r.left = ref->len;
	r.err = err;
	r.errlen = errlen;
	r.id = ref->id;
	switch (ref->kind)
	{
		case MLM_SEC_COUNTS:
			rc = decode_counts(&r, sec);
			break;
		case MLM_SEC_SUMS:
			rc = decode_sums(&r, sec);
			break;
		case MLM_SEC_PROFILE:
			rc = read_profile(&r, r.left, &sec->profile);
			break;
		case MLM_SEC_GRID:
			rc = decode_grid(&r, sec);
			break;
		case MLM_SEC_KEYS:
			rc = decode_keys(&r, sec);
			break;
		case MLM_SEC_REGRESSION:
			rc = decode_regression(&r, sec);
			break;
		case MLM_SEC_STREAM:
			rc = decode_stream(&r, sec);
			break;
		case MLM_SEC_SCORES:
			rc = decode_scores(&r, sec);
			break;
		default:
			set_err(err, errlen, "section %u has unknown kind %d", ref->id, ref->kind);
			return -1;
	}
	if (rc == 0 && r.left != 0)
	{
		set_err(err, errlen, "section %u has trailing bytes", ref->id);
		rc = -1;
	}
	/* on failure nothing stays allocated */
	if (rc != 0)
		release_section(sec);
	return rc == 0 ? 0 : -1;
}

int
mlm_summary_check(const void *wire, size_t len, char *err, size_t errlen)
{
	mlm_summary_wire w;
	mlm_section sec;
	uint32_t	i;
	int			rc = 0;

	if (mlm_summary_open(wire, len, &w, err, errlen) != 0)
		return -1;
	for (i = 0; i < w.nsections && rc == 0; i++)
	{
		rc = mlm_summary_section(&w.ref[i], &sec, err, errlen);
		if (rc == 0)
			release_section(&sec);
	}
	release(w.ref);
	return rc;
}

/* ---------------------------------------------------------------- encoding */

/*
 * The encoder runs twice over the sections: once to size (out NULL), once
 * to write.  Profiles are converted to their wire form on the sizing pass
 * and kept for the writing pass.
 */
typedef struct Writer
{
	unsigned char *out;			/* NULL: only count */
	size_t		size;
	size_t		limit;
	int			over;
} Writer;

static void
wbytes(Writer *w, const void *p, size_t n)
{
	if (w->over || n > w->limit - w->size)
	{
		w->over = 1;
		return;
	}
	if (w->out && n > 0)
		memcpy(w->out + w->size, p, n);
	w->size += n;
}

static void
w64(Writer *w, uint64_t u)
{
	unsigned char b[8];

	mlm_put64(b, u);
	wbytes(w, b, 8);
}

static void
w32(Writer *w, uint32_t u)
{
	unsigned char b[4];

	mlm_put32(b, u);
	wbytes(w, b, 4);
}

static void
wdouble(Writer *w, double d)
{
	unsigned char b[8];

	mlm_put_double(b, d);
	wbytes(w, b, 8);
}

static void
w8s(Writer *w, unsigned char a, unsigned char b)
{
	unsigned char h[8] = {a, b, 0, 0, 0, 0, 0, 0};

	wbytes(w, h, 8);
}

static void
wksums(Writer *w, const mlm_ksum *k, int64_t n)
{
	int64_t		i;

	for (i = 0; i < n; i++)
	{
		wdouble(w, k[i].s);
		wdouble(w, k[i].c);
	}
}

/* Wire forms of the profiles of one section (up to two), made on the first pass. */
typedef struct ProfileWires
{
	void	   *wire[2];
	size_t		len[2];
} ProfileWires;

static int
profile_wire(const mlm_flat_profile *fp, ProfileWires *pw, int i, char *err, size_t errlen)
{
	if (pw->wire[i] != NULL)
		return 0;
	pw->wire[i] = mlm_profile_to_wire(fp->buf, fp->len, &pw->len[i]);
	if (pw->wire[i] == NULL)
	{
		set_err(err, errlen, "a profile of the summary is invalid");
		return -1;
	}
	return 0;
}

static int
write_section(Writer *w, const mlm_section *s, ProfileWires *pw, char *err, size_t errlen)
{
	int64_t		i;
	int			a;

	switch (s->kind)
	{
		case MLM_SEC_COUNTS:
			w64(w, (uint64_t) s->n);
			for (i = 0; i < s->n; i++)
				w64(w, (uint64_t) s->counts[i]);
			return 0;
		case MLM_SEC_SUMS:
			w64(w, (uint64_t) s->n);
			wksums(w, s->sums, s->n);
			return 0;
		case MLM_SEC_PROFILE:
			if (profile_wire(&s->profile, pw, 0, err, errlen) != 0)
				return -1;
			wbytes(w, pw->wire[0], pw->len[0]);
			return 0;
		case MLM_SEC_GRID:
			w64(w, (uint64_t) s->ncells);
			w64(w, (uint64_t) s->n);
			for (i = 0; i < s->n; i++)
			{
				w64(w, (uint64_t) s->cell[i]);
				w64(w, (uint64_t) s->counts[i]);
				wdouble(w, s->max[i]);
			}
			return 0;
		case MLM_SEC_KEYS:
			w8s(w, (unsigned char) s->arity, (unsigned char) (s->truncated != 0));
			w64(w, (uint64_t) s->cap);
			w64(w, (uint64_t) s->n);
			for (i = 0; i < s->n; i++)
			{
				for (a = 0; a < s->arity; a++)
				{
					w32(w, s->key[i * s->arity + a].len);
					wbytes(w, s->key[i * s->arity + a].data, s->key[i * s->arity + a].len);
				}
				w64(w, (uint64_t) s->counts[i]);
			}
			return 0;
		case MLM_SEC_REGRESSION:
			w64(w, (uint64_t) s->reg.n);
			wksums(w, &s->reg.abs_err, 1);
			wksums(w, &s->reg.sq_err, 1);
			wksums(w, &s->reg.ape, 1);
			wdouble(w, s->reg.mean_y);
			wdouble(w, s->reg.m2_y);
			return 0;
		case MLM_SEC_STREAM:
			w8s(w, (unsigned char) (s->closed != 0), (unsigned char) (s->binary != 0));
			w64(w, (uint64_t) s->n);
			if (!s->closed)
			{
				for (i = 0; i < s->n; i++)
				{
					w64(w, (uint64_t) s->ts[i]);
					wdouble(w, s->values[i]);
				}
				return 0;
			}
			w64(w, (uint64_t) s->nseg);
			for (i = 0; i < s->nseg; i++)
			{
				w64(w, (uint64_t) s->seg_first[i]);
				w64(w, (uint64_t) s->seg_last[i]);
				w64(w, (uint64_t) s->seg_n[i]);
			}
			if (s->binary)
			{
				unsigned char byte = 0;

				for (i = 0; i < s->n; i++)
				{
					byte |= (unsigned char) ((s->values[i] != 0) << (i % 8));
					if (i % 8 == 7 || i == s->n - 1)
					{
						wbytes(w, &byte, 1);
						byte = 0;
					}
				}
			}
			else
				for (i = 0; i < s->n; i++)
					wdouble(w, s->values[i]);
			return 0;
		case MLM_SEC_SCORES:
			w8s(w, (unsigned char) (s->overflow != 0), (unsigned char) (s->overflow ? 0 : s->n));
			if (s->overflow)
				return 0;
			for (i = 0; i < s->n; i++)
			{
				if (profile_wire(&s->scores[i], pw, (int) i, err, errlen) != 0)
					return -1;
				w32(w, s->label[i].len);
				wbytes(w, s->label[i].data, s->label[i].len);
				w64(w, (uint64_t) s->rows[i]);
				wksums(w, &s->sums[i * MLM_SCORE_SUMS], MLM_SCORE_SUMS);
				w64(w, (uint64_t) pw->len[i]);
				wbytes(w, pw->wire[i], pw->len[i]);
			}
			return 0;
	}
	set_err(err, errlen, "section %u has unknown kind %d", s->id, s->kind);
	return -1;
}

void *
mlm_summary_encode(const mlm_summary *s, size_t limit, size_t *len, char *err, size_t errlen)
{
	ProfileWires *pw;
	size_t	   *plen;
	Writer		w;
	int			pass;
	uint32_t	i;
	int			ok = 0;

	if (limit > SUMMARY_LIMIT)
		limit = SUMMARY_LIMIT;
	memset(&w, 0, sizeof(w));
	pw = mlm_core_env->alloc(s->nsections > 0 ? s->nsections * sizeof(ProfileWires) : 1);
	if (pw != NULL)
		memset(pw, 0, s->nsections > 0 ? s->nsections * sizeof(ProfileWires) : 1);
	plen = mlm_core_env->alloc(s->nsections > 0 ? s->nsections * sizeof(size_t) : 1);
	if (pw == NULL || plen == NULL)
	{
		set_err(err, errlen, "out of memory");
		goto done;
	}
	for (pass = 0; pass < 2; pass++)
	{
		unsigned char hdr[8] = {MLM_SUMMARY_VERSION, 0, 0, 0, 0, 0, 0, 0};

		if (pass == 1)
		{
			w.out = mlm_core_env->alloc(w.size > 0 ? w.size : 1);
			if (w.out == NULL)
			{
				set_err(err, errlen, "out of memory");
				goto done;
			}
		}
		w.size = 0;
		w.limit = limit;
		w.over = 0;
		mlm_put32(hdr + 4, s->nsections);
		wbytes(&w, hdr, 8);
		for (i = 0; i < s->nsections; i++)
		{
			const mlm_section *sec = &s->sec[i];
			unsigned char sh[8] = {0, 0, 0, 0, sec->kind, 0, 0, 0};
			size_t		start;

			if (i > 0 && sec->id <= s->sec[i - 1].id)
			{
				set_err(err, errlen, "section ids must be strictly ascending");
				goto done;
			}
			mlm_put32(sh, sec->id);
			wbytes(&w, sh, 8);
			w64(&w, pass == 0 ? 0 : (uint64_t) plen[i]);
			start = w.size;
			if (write_section(&w, sec, &pw[i], err, errlen) != 0)
				goto done;
			plen[i] = w.size - start;
		}
		if (w.over)
		{
			set_err(err, errlen, "summary would exceed %zu bytes", limit);
			goto done;
		}
	}
	ok = 1;
	*len = w.size;

done:
	/* the scratch goes in every case, the output unless it is returned */
	if (pw != NULL)
		for (i = 0; i < s->nsections; i++)
		{
			release(pw[i].wire[0]);
			release(pw[i].wire[1]);
		}
	release(pw);
	release(plen);
	if (!ok)
	{
		release(w.out);
		return NULL;
	}
	return w.out;
}
