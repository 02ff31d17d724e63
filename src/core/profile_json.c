/*
 * profile_json.c: the JSON text form of a reference profile.
 *
 * Output: one line, keys in a fixed order, doubles with "%.17g" (so they
 * read back to the same bits), the moments of an empty numeric profile as
 * null, categories in their (ascending) flat order with ", \ and control
 * characters escaped and every other byte copied as it is.
 *
 * Input: a small strict RFC 8259 tokenizer and a typed parser that knows
 * the one object shape the format has (no generic JSON values, so nesting
 * is bounded by construction).  Parsing takes two passes over the text:
 * the first checks the syntax and the keys, remembers where each value
 * starts and counts the array elements and category bytes; the flat
 * profile is then allocated at its exact size and the second pass fills its
 * arrays from the remembered positions.  The result goes through
 * mlm_profile_check before it is returned.  Positions in messages are
 * 0-based byte offsets into the text, array items 0-based indexes.
 *
 * Numbers go through snprintf and strtod, which follow LC_NUMERIC: the host
 * must run with the "C" numeric locale (PostgreSQL backends always do).
 */
#include "profile_codec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest number token accepted (ours are at most 24 characters). */
#define MAX_NUMBER_TOKEN 400
/* Longest key we can recognise, plus one. */
#define KEY_BUF 32

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

/* The keys of the JSON form. */
typedef enum jkey
{
	K_VERSION, K_KIND, K_MODE, K_CAP, K_COUNT, K_NULLS, K_NAN, K_POSINF, K_NEGINF,
	K_MIN, K_MAX, K_MEAN, K_M2, K_OTHER, K_RANK_ERROR, K_PARITY,
	K_VALUES, K_COUNTS, K_LEVELS, K_CATEGORIES, NKEYS
} jkey;

static const char *const key_names[NKEYS] = {
	"mlmon_profile", "kind", "mode", "cap", "count", "nulls", "nan", "posinf", "neginf",
	"min", "max", "mean", "m2", "other", "rank_error", "parity",
	"values", "counts", "levels", "categories"
};

#define BIT(k) ((uint32_t) 1 << (k))
#define KEYS_COMMON (BIT(K_VERSION) | BIT(K_KIND) | BIT(K_MODE) | BIT(K_CAP) | BIT(K_COUNT) | BIT(K_NULLS))
#define KEYS_NUMERIC (KEYS_COMMON | BIT(K_NAN) | BIT(K_POSINF) | BIT(K_NEGINF) | \
					  BIT(K_MIN) | BIT(K_MAX) | BIT(K_MEAN) | BIT(K_M2))
#define KEYS_NUM_EXACT (KEYS_NUMERIC | BIT(K_VALUES) | BIT(K_COUNTS))
#define KEYS_NUM_SKETCH (KEYS_NUMERIC | BIT(K_RANK_ERROR) | BIT(K_PARITY) | BIT(K_LEVELS))
#define KEYS_CAT_EXACT (KEYS_COMMON | BIT(K_CATEGORIES) | BIT(K_COUNTS))
#define KEYS_CAT_SKETCH (KEYS_CAT_EXACT | BIT(K_OTHER) | BIT(K_RANK_ERROR))

/* The tokenizer's state: the text, the position and where errors go. */
typedef struct jlex
{
	const char *s;
	size_t		len;
	size_t		pos;
	char	   *err;
	size_t		errlen;
} jlex;

/* What an item is, for messages: a key, or element index of a key's array (level >= 0: of that level). */
typedef struct jwhere
{
	const char *key;
	int			level;
	int64_t		index;			/* -1: the key's value itself */
} jwhere;

/* What the first pass learns. */
typedef struct jparse
{
	uint32_t	present;
	size_t		pos[NKEYS];		/* offset of each key's value */
	uint64_t	u[NKEYS];		/* integer values */
	double		d[NKEYS];		/* double values (NaN for null) */
	int			isnull[NKEYS];
	int			kind;
	int			mode;
	int64_t		nvalues;
	int64_t		ncounts;
	int64_t		ncategories;
	int64_t		nlevelitems;
	int			nlevels;
	int64_t		level_len[MLM_PROFILE_MAX_LEVELS];
	size_t		catbytes;
} jparse;

/* The output buffer of mlm_profile_to_json. */
typedef struct jout
{
	char	   *buf;
	size_t		len;
	size_t		cap;
	int			failed;
} jout;

/* Describe an item for an error message, e.g. value 3 of "values". */
static void
describe(const jwhere *w, char *buf, size_t n)
{
	if (w->index < 0)
		snprintf(buf, n, "\"%s\"", w->key);
	else if (w->level < 0)
		snprintf(buf, n, "value %lld of \"%s\"", (long long) w->index, w->key);
	else
		snprintf(buf, n, "value %lld of level %d of \"%s\"", (long long) w->index, w->level, w->key);
}

/* Skip JSON whitespace. */
static void
skip_ws(jlex *lx)
{
	while (lx->pos < lx->len)
	{
		char		c = lx->s[lx->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		lx->pos++;
	}
}

/* Skip whitespace and consume c if it comes next; 1 if it did. */
static int
accept_char(jlex *lx, char c)
{
	skip_ws(lx);
	if (lx->pos < lx->len && lx->s[lx->pos] == c)
	{
		lx->pos++;
		return 1;
	}
	return 0;
}

/* Report that `wanted` does not come at the current position; returns -1. */
static int
unexpected(jlex *lx, const char *wanted)
{
	unsigned char c;

	if (lx->pos >= lx->len)
	{
		set_err(lx->err, lx->errlen, "unexpected end of input at byte %zu", lx->pos);
		return -1;
	}
	c = (unsigned char) lx->s[lx->pos];
	if (c >= 0x20 && c < 0x7f)
		set_err(lx->err, lx->errlen, "expected %s but found '%c' at byte %zu", wanted, c, lx->pos);
	else
		set_err(lx->err, lx->errlen, "expected %s but found byte 0x%02x at byte %zu", wanted, c, lx->pos);
	return -1;
}

/* Report that item w is not what it must be (e.g. "a number") at byte pos; returns -1. */
static int
wrong_item(jlex *lx, const jwhere *w, const char *what, size_t pos)
{
	char		desc[96];

	if (pos >= lx->len)
	{
		set_err(lx->err, lx->errlen, "unexpected end of input at byte %zu", pos);
		return -1;
	}
	describe(w, desc, sizeof(desc));
	set_err(lx->err, lx->errlen, "%s must be %s at byte %zu", desc, what, pos);
	return -1;
}

/*
 * Scan the JSON number at the current position (after whitespace), leaving
 * the position after it; its first byte in *start, whether it has neither
 * fraction nor exponent in *integral, whether it starts with '-' in *negative.
 */
static int
scan_number(jlex *lx, size_t *start, int *integral, int *negative)
{
	const char *s = lx->s;
	size_t		n = lx->len;
	size_t		p = lx->pos;

	*start = p;
	*integral = 1;
	*negative = 0;
	if (p < n && s[p] == '-')
	{
		*negative = 1;
		p++;
	}
	if (p >= n || !IS_DIGIT(s[p]))
	{
		lx->pos = p;
		return unexpected(lx, "a digit");
	}
	if (s[p] == '0')
		p++;
	else
		while (p < n && IS_DIGIT(s[p]))
			p++;
	if (p < n && s[p] == '.')
	{
		*integral = 0;
		p++;
		if (p >= n || !IS_DIGIT(s[p]))
		{
			lx->pos = p;
			return unexpected(lx, "a digit");
		}
		while (p < n && IS_DIGIT(s[p]))
			p++;
	}
	if (p < n && (s[p] == 'e' || s[p] == 'E'))
	{
		*integral = 0;
		p++;
		if (p < n && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= n || !IS_DIGIT(s[p]))
		{
			lx->pos = p;
			return unexpected(lx, "a digit");
		}
		while (p < n && IS_DIGIT(s[p]))
			p++;
	}
	lx->pos = p;
	return 0;
}

/* Parse a non-negative JSON integer no greater than max. */
static int
parse_uint(jlex *lx, const jwhere *w, uint64_t max, uint64_t *out)
{
	size_t		start;
	size_t		p;
	int			integral;
	int			negative;
	uint64_t	u = 0;
	char		desc[96];

	skip_ws(lx);
	if (lx->pos >= lx->len || (lx->s[lx->pos] != '-' && !IS_DIGIT(lx->s[lx->pos])))
		return wrong_item(lx, w, "a non-negative integer", lx->pos);
	if (scan_number(lx, &start, &integral, &negative) != 0)
		return -1;
	if (negative)
		return wrong_item(lx, w, "a non-negative integer", start);
	if (!integral)
		return wrong_item(lx, w, "an integer without fraction or exponent", start);
	for (p = start; p < lx->pos; p++)
	{
		uint64_t	d = (uint64_t) (lx->s[p] - '0');

		if (u > (UINT64_MAX - d) / 10 || u * 10 + d > max)
		{
			describe(w, desc, sizeof(desc));
			set_err(lx->err, lx->errlen, "%s is out of range (more than %llu) at byte %zu",
					desc, (unsigned long long) max, start);
			return -1;
		}
		u = u * 10 + d;
	}
	*out = u;
	return 0;
}

/*
 * Parse a JSON number (or null, if allow_null: *out = NaN, *isnull = 1).
 * With out NULL only the syntax is checked (the first pass).
 */
static int
parse_double(jlex *lx, const jwhere *w, int allow_null, double *out, int *isnull)
{
	size_t		start;
	size_t		toklen;
	int			integral;
	int			negative;
	char		tok[MAX_NUMBER_TOKEN + 1];
	char	   *end;
	double		d;
	char		desc[96];

	skip_ws(lx);
	*isnull = 0;
	if (allow_null && lx->len - lx->pos >= 4 && memcmp(lx->s + lx->pos, "null", 4) == 0)
	{
		lx->pos += 4;
		*isnull = 1;
		if (out != NULL)
			*out = NAN;
		return 0;
	}
	if (lx->pos >= lx->len || (lx->s[lx->pos] != '-' && !IS_DIGIT(lx->s[lx->pos])))
		return wrong_item(lx, w, allow_null ? "a number or null" : "a number", lx->pos);
	if (scan_number(lx, &start, &integral, &negative) != 0)
		return -1;
	toklen = lx->pos - start;
	if (toklen > MAX_NUMBER_TOKEN)
	{
		describe(w, desc, sizeof(desc));
		set_err(lx->err, lx->errlen, "%s has more than %d characters at byte %zu",
				desc, MAX_NUMBER_TOKEN, start);
		return -1;
	}
	if (out == NULL)
		return 0;
	memcpy(tok, lx->s + start, toklen);
	tok[toklen] = '\0';
	d = strtod(tok, &end);
	if (end != tok + toklen || !isfinite(d))
	{
		describe(w, desc, sizeof(desc));
		set_err(lx->err, lx->errlen, "%s is not a finite double (out of range) at byte %zu", desc, start);
		return -1;
	}
	*out = d;
	return 0;
}

/* The value of 4 hex digits at s[p..p+4) (p + 4 <= n checked here), or -1. */
static long
hex4(const char *s, size_t n, size_t p)
{
	long		v = 0;
	int			i;

	if (p > n || n - p < 4)
		return -1;
	for (i = 0; i < 4; i++)
	{
		char		c = s[p + (size_t) i];

		v <<= 4;
		if (IS_DIGIT(c))
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Parse a JSON string, decoding it into dst (at most cap bytes are stored;
 * dst may be NULL to only measure it); its decoded length in *outlen.
 */
static int
parse_string(jlex *lx, const jwhere *w, char *dst, size_t cap, size_t *outlen)
{
	const char *s = lx->s;
	size_t		n = lx->len;
	size_t		p;
	size_t		o = 0;
	unsigned char utf[4];
	int			nutf;
	int			i;

#define PUT(ch) do { if (dst != NULL && o < cap) dst[o] = (char) (ch); o++; } while (0)

	skip_ws(lx);
	if (lx->pos >= n || s[lx->pos] != '"')
		return wrong_item(lx, w, "a string", lx->pos);
	p = lx->pos + 1;
	for (;;)
	{
		unsigned char c;

		if (p >= n)
		{
			set_err(lx->err, lx->errlen, "unexpected end of input at byte %zu", p);
			return -1;
		}
		c = (unsigned char) s[p];
		if (c == '"')
		{
			p++;
			break;
		}
		if (c < 0x20)
		{
			set_err(lx->err, lx->errlen, "unescaped control character 0x%02x in a string at byte %zu", c, p);
			return -1;
		}
		if (c != '\\')
		{
			PUT(c);
			p++;
			continue;
		}
		if (p + 1 >= n)
		{
			set_err(lx->err, lx->errlen, "unexpected end of input at byte %zu", p + 1);
			return -1;
		}
		switch (s[p + 1])
		{
			case '"':
			case '\\':
			case '/':
				PUT(s[p + 1]);
				p += 2;
				continue;
			case 'b':
				PUT('\b');
				p += 2;
				continue;
			case 'f':
				PUT('\f');
				p += 2;
				continue;
			case 'n':
				PUT('\n');
				p += 2;
				continue;
			case 'r':
				PUT('\r');
				p += 2;
				continue;
			case 't':
				PUT('\t');
				p += 2;
				continue;
			case 'u':
				break;
			default:
				set_err(lx->err, lx->errlen, "invalid escape in a string at byte %zu", p);
				return -1;
		}
		{
			long		cp = hex4(s, n, p + 2);
			size_t		esc = p;

			if (cp < 0)
			{
				set_err(lx->err, lx->errlen, "invalid \\u escape in a string at byte %zu", p);
				return -1;
			}
			p += 6;
			if (cp == 0)
			{
				set_err(lx->err, lx->errlen, "\\u0000 is not allowed in a string at byte %zu", esc);
				return -1;
			}
			if (cp >= 0xDC00 && cp <= 0xDFFF)
			{
				set_err(lx->err, lx->errlen, "lone surrogate \\u%04lx in a string at byte %zu", cp, esc);
				return -1;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF)
			{
				long		lo = -1;

				if (n - p >= 6 && s[p] == '\\' && s[p + 1] == 'u')
					lo = hex4(s, n, p + 2);
				if (lo < 0xDC00 || lo > 0xDFFF)
				{
					set_err(lx->err, lx->errlen, "lone surrogate \\u%04lx in a string at byte %zu", cp, esc);
					return -1;
				}
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (cp < 0x80)
			{
				utf[0] = (unsigned char) cp;
				nutf = 1;
			}
			else if (cp < 0x800)
			{
				utf[0] = (unsigned char) (0xC0 | (cp >> 6));
				utf[1] = (unsigned char) (0x80 | (cp & 0x3F));
				nutf = 2;
			}
			else if (cp < 0x10000)
			{
				utf[0] = (unsigned char) (0xE0 | (cp >> 12));
				utf[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
				utf[2] = (unsigned char) (0x80 | (cp & 0x3F));
				nutf = 3;
			}
			else
			{
				utf[0] = (unsigned char) (0xF0 | (cp >> 18));
				utf[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
				utf[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
				utf[3] = (unsigned char) (0x80 | (cp & 0x3F));
				nutf = 4;
			}
			for (i = 0; i < nutf; i++)
				PUT(utf[i]);
		}
	}
#undef PUT
	lx->pos = p;
	*outlen = o;
	return 0;
}

/* Consume '[' (the start of the array w); -1 with a message if it is not there. */
static int
open_array(jlex *lx, const jwhere *w)
{
	skip_ws(lx);
	if (lx->pos < lx->len && lx->s[lx->pos] == '[')
	{
		lx->pos++;
		return 0;
	}
	return wrong_item(lx, w, "an array", lx->pos);
}

/* After an array element: 1 if another follows (','), 0 at the end (']'), -1 on error. */
static int
next_element(jlex *lx)
{
	if (accept_char(lx, ','))
		return 1;
	if (accept_char(lx, ']'))
		return 0;
	return unexpected(lx, "',' or ']'");
}

/*
 * Parse an array of numbers ("values", or level `level` of "levels") into
 * out (room for cap; NULL in the first pass, which only checks the syntax);
 * the number of elements in *n.
 */
static int
parse_double_array(jlex *lx, const char *key, int level, double *out, int64_t cap, int64_t *n)
{
	jwhere		w = {key, level, -1};
	int64_t		i = 0;
	int			isnull;
	int			more;

	if (level >= 0)
	{
		/* describe the inner array itself as "value <level> of "levels"" */
		jwhere		outer = {key, -1, level};

		if (open_array(lx, &outer) != 0)
			return -1;
	}
	else if (open_array(lx, &w) != 0)
		return -1;
	if (accept_char(lx, ']'))
	{
		*n = 0;
		return 0;
	}
	do
	{
		w.index = i;
		maybe_cancel(i);
		if (out != NULL && i >= cap)
		{
			set_err(lx->err, lx->errlen, "\"%s\" changed between passes", key);
			return -1;
		}
		if (parse_double(lx, &w, 0, out != NULL ? out + i : NULL, &isnull) != 0)
			return -1;
		i++;
	} while ((more = next_element(lx)) == 1);
	if (more < 0)
		return -1;
	*n = i;
	return 0;
}

/* Parse "counts" (integers up to INT64_MAX) into out (room for cap; NULL to count only). */
static int
parse_count_array(jlex *lx, int64_t *out, int64_t cap, int64_t *n)
{
	jwhere		w = {"counts", -1, -1};
	int64_t		i = 0;
	uint64_t	u;
	int			more;

	if (open_array(lx, &w) != 0)
		return -1;
	if (accept_char(lx, ']'))
	{
		*n = 0;
		return 0;
	}
	do
	{
		w.index = i;
		maybe_cancel(i);
		if (parse_uint(lx, &w, (uint64_t) INT64_MAX, &u) != 0)
			return -1;
		if (out != NULL)
		{
			if (i >= cap)
			{
				set_err(lx->err, lx->errlen, "\"counts\" changed between passes");
				return -1;
			}
			out[i] = (int64_t) u;
		}
		i++;
	} while ((more = next_element(lx)) == 1);
	if (more < 0)
		return -1;
	*n = i;
	return 0;
}

/*
 * Parse "levels" (an array of at most MLM_PROFILE_MAX_LEVELS arrays of
 * numbers) into out (room for cap values; NULL in the first pass) and
 * level_len (room for MLM_PROFILE_MAX_LEVELS); the numbers of levels and of
 * values in *nlevels and *nitems.
 */
static int
parse_levels(jlex *lx, double *out, int64_t cap, int64_t *level_len, int *nlevels, int64_t *nitems)
{
	jwhere		w = {"levels", -1, -1};
	int64_t		total = 0;
	int			lev = 0;
	int			more;

	if (open_array(lx, &w) != 0)
		return -1;
	if (accept_char(lx, ']'))
	{
		*nlevels = 0;
		*nitems = 0;
		return 0;
	}
	do
	{
		int64_t		n;

		skip_ws(lx);
		if (lev >= MLM_PROFILE_MAX_LEVELS)
		{
			set_err(lx->err, lx->errlen, "\"levels\" has more than %d levels at byte %zu",
					MLM_PROFILE_MAX_LEVELS, lx->pos);
			return -1;
		}
		if (parse_double_array(lx, "levels", lev, out != NULL ? out + total : NULL, cap - total, &n) != 0)
			return -1;
		level_len[lev++] = n;
		total += n;				/* each element took input bytes: no overflow */
	} while ((more = next_element(lx)) == 1);
	if (more < 0)
		return -1;
	*nlevels = lev;
	*nitems = total;
	return 0;
}

/*
 * Parse "categories" (an array of strings) into lens and bytes (room for
 * cap strings and bytecap bytes; both NULL in the first pass); the number of
 * strings in *n and of bytes in *catbytes.
 */
static int
parse_categories(jlex *lx, int32_t *lens, char *bytes, int64_t cap, size_t bytecap,
				 int64_t *n, size_t *catbytes)
{
	jwhere		w = {"categories", -1, -1};
	int64_t		i = 0;
	size_t		total = 0;
	int			more;

	if (open_array(lx, &w) != 0)
		return -1;
	if (accept_char(lx, ']'))
	{
		*n = 0;
		*catbytes = 0;
		return 0;
	}
	do
	{
		size_t		slen;
		size_t		start;

		w.index = i;
		maybe_cancel(i);
		skip_ws(lx);
		start = lx->pos;
		if (parse_string(lx, &w, bytes != NULL ? bytes + total : NULL,
						 bytes != NULL ? bytecap - total : 0, &slen) != 0)
			return -1;
		if (slen > (size_t) INT32_MAX)
		{
			set_err(lx->err, lx->errlen, "value %lld of \"categories\" is too long at byte %zu",
					(long long) i, start);
			return -1;
		}
		if (lens != NULL)
		{
			if (i >= cap || slen > bytecap - total)
			{
				set_err(lx->err, lx->errlen, "\"categories\" changed between passes");
				return -1;
			}
			lens[i] = (int32_t) slen;
		}
		total += slen;			/* bounded by the input length */
		i++;
	} while ((more = next_element(lx)) == 1);
	if (more < 0)
		return -1;
	*n = i;
	*catbytes = total;
	return 0;
}

/* Parse "kind" or "mode": a string that must be one of two names; index of the match in *out. */
static int
parse_choice(jlex *lx, const jwhere *w, const char *a, const char *b, int *out)
{
	char		buf[KEY_BUF];
	size_t		slen;
	size_t		start;
	char		desc[96];

	skip_ws(lx);
	start = lx->pos;
	if (parse_string(lx, w, buf, sizeof(buf), &slen) != 0)
		return -1;
	if (slen == strlen(a) && memcmp(buf, a, slen) == 0)
		*out = 0;
	else if (slen == strlen(b) && memcmp(buf, b, slen) == 0)
		*out = 1;
	else
	{
		describe(w, desc, sizeof(desc));
		set_err(lx->err, lx->errlen, "%s must be \"%s\" or \"%s\" at byte %zu", desc, a, b, start);
		return -1;
	}
	return 0;
}

/* Parse the value of key k (first pass: scalars are stored, arrays measured). */
static int
parse_value(jlex *lx, jparse *jp, jkey k)
{
	jwhere		w = {key_names[k], -1, -1};
	int			choice;

	switch (k)
	{
		case K_VERSION:
			if (parse_uint(lx, &w, UINT64_MAX, &jp->u[k]) != 0)
				return -1;
			if (jp->u[k] != MLM_PROFILE_VERSION)
			{
				set_err(lx->err, lx->errlen, "unsupported \"mlmon_profile\" version %llu",
						(unsigned long long) jp->u[k]);
				return -1;
			}
			return 0;
		case K_KIND:
			if (parse_choice(lx, &w, "numeric", "categorical", &choice) != 0)
				return -1;
			jp->kind = choice == 0 ? MLM_PROFILE_NUMERIC : MLM_PROFILE_CATEGORICAL;
			return 0;
		case K_MODE:
			if (parse_choice(lx, &w, "exact", "sketch", &choice) != 0)
				return -1;
			jp->mode = choice == 0 ? MLM_PROFILE_EXACT : MLM_PROFILE_SKETCH;
			return 0;
		case K_CAP:
			return parse_uint(lx, &w, (uint64_t) INT32_MAX, &jp->u[k]);
		case K_COUNT:
		case K_NULLS:
		case K_NAN:
		case K_POSINF:
		case K_NEGINF:
		case K_OTHER:
			return parse_uint(lx, &w, (uint64_t) INT64_MAX, &jp->u[k]);
		case K_PARITY:
			return parse_uint(lx, &w, UINT64_MAX, &jp->u[k]);
		case K_MIN:
		case K_MAX:
		case K_MEAN:
		case K_M2:
			return parse_double(lx, &w, 1, &jp->d[k], &jp->isnull[k]);
		case K_RANK_ERROR:
			return parse_double(lx, &w, 0, &jp->d[k], &jp->isnull[k]);
		case K_VALUES:
			return parse_double_array(lx, "values", -1, NULL, 0, &jp->nvalues);
		case K_COUNTS:
			return parse_count_array(lx, NULL, 0, &jp->ncounts);
		case K_LEVELS:
			return parse_levels(lx, NULL, 0, jp->level_len, &jp->nlevels, &jp->nlevelitems);
		case K_CATEGORIES:
			return parse_categories(lx, NULL, NULL, 0, 0, &jp->ncategories, &jp->catbytes);
		case NKEYS:
			break;
	}
	return -1;
}

/* Parse an object key and return its index, or -1 (with a message) if it is unknown or repeated. */
static int
parse_key(jlex *lx, jparse *jp)
{
	char		buf[KEY_BUF];
	char		shown[KEY_BUF + 4];
	size_t		slen;
	size_t		start;
	size_t		i;
	int			k;
	jwhere		w = {"key", -1, -1};

	skip_ws(lx);
	start = lx->pos;
	if (lx->pos >= lx->len || lx->s[lx->pos] != '"')
		return unexpected(lx, "a string key");
	if (parse_string(lx, &w, buf, sizeof(buf), &slen) != 0)
		return -1;
	for (k = 0; k < NKEYS; k++)
	{
		if (slen == strlen(key_names[k]) && memcmp(buf, key_names[k], slen) == 0)
		{
			if (jp->present & BIT(k))
			{
				set_err(lx->err, lx->errlen, "duplicate key \"%s\" at byte %zu", key_names[k], start);
				return -1;
			}
			return k;
		}
	}
	/* show at most KEY_BUF - 1 bytes of it, anything unusual as '?' */
	for (i = 0; i < slen && i < KEY_BUF - 1; i++)
	{
		unsigned char c = (unsigned char) buf[i];

		shown[i] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char) c;
	}
	if (slen > i)
	{
		memcpy(shown + i, "...", 3);
		i += 3;
	}
	shown[i] = '\0';
	set_err(lx->err, lx->errlen, "unknown key \"%s\" at byte %zu", shown, start);
	return -1;
}

/* First pass: the object's syntax, its keys and scalar values, the array sizes. */
static int
parse_object(jlex *lx, jparse *jp)
{
	int			more;

	skip_ws(lx);
	if (lx->pos >= lx->len || lx->s[lx->pos] != '{')
		return unexpected(lx, "'{'");
	lx->pos++;
	if (!accept_char(lx, '}'))
	{
		do
		{
			int			k = parse_key(lx, jp);

			if (k < 0)
				return -1;
			if (!accept_char(lx, ':'))
				return unexpected(lx, "':'");
			skip_ws(lx);
			jp->present |= BIT(k);
			jp->pos[k] = lx->pos;
			if (parse_value(lx, jp, (jkey) k) != 0)
				return -1;
			if (accept_char(lx, ','))
				more = 1;
			else if (accept_char(lx, '}'))
				more = 0;
			else
				return unexpected(lx, "',' or '}'");
		} while (more);
	}
	skip_ws(lx);
	if (lx->pos != lx->len)
	{
		set_err(lx->err, lx->errlen, "unexpected text after the profile at byte %zu", lx->pos);
		return -1;
	}
	return 0;
}

/* Check that exactly the keys of this kind and mode are present and that null moments match count. */
static int
check_keys(jlex *lx, const jparse *jp)
{
	static const jkey first[3] = {K_VERSION, K_KIND, K_MODE};
	uint32_t	want;
	int			k;

	for (k = 0; k < 3; k++)
	{
		if (!(jp->present & BIT(first[k])))
		{
			set_err(lx->err, lx->errlen, "missing key \"%s\"", key_names[first[k]]);
			return -1;
		}
	}
	if (jp->kind == MLM_PROFILE_NUMERIC)
		want = jp->mode == MLM_PROFILE_EXACT ? KEYS_NUM_EXACT : KEYS_NUM_SKETCH;
	else
		want = jp->mode == MLM_PROFILE_EXACT ? KEYS_CAT_EXACT : KEYS_CAT_SKETCH;
	for (k = 0; k < NKEYS; k++)
	{
		if ((want & BIT(k)) && !(jp->present & BIT(k)))
		{
			set_err(lx->err, lx->errlen, "missing key \"%s\"", key_names[k]);
			return -1;
		}
		if (!(want & BIT(k)) && (jp->present & BIT(k)))
		{
			set_err(lx->err, lx->errlen, "key \"%s\" is not allowed in a %s %s profile", key_names[k],
					jp->kind == MLM_PROFILE_NUMERIC ? "numeric" : "categorical",
					jp->mode == MLM_PROFILE_EXACT ? "exact" : "sketch");
			return -1;
		}
	}
	if (jp->kind == MLM_PROFILE_NUMERIC)
	{
		for (k = K_MIN; k <= K_M2; k++)
		{
			if (jp->u[K_COUNT] == 0 && !jp->isnull[k])
			{
				set_err(lx->err, lx->errlen, "\"%s\" must be null when \"count\" is 0", key_names[k]);
				return -1;
			}
			if (jp->u[K_COUNT] != 0 && jp->isnull[k])
			{
				set_err(lx->err, lx->errlen, "\"%s\" is null but \"count\" is %llu", key_names[k],
						(unsigned long long) jp->u[K_COUNT]);
				return -1;
			}
		}
		if (jp->mode == MLM_PROFILE_EXACT && jp->ncounts != jp->nvalues)
		{
			set_err(lx->err, lx->errlen, "\"counts\" must have as many elements as \"values\"");
			return -1;
		}
	}
	else if (jp->ncounts != jp->ncategories)
	{
		set_err(lx->err, lx->errlen, "\"counts\" must have as many elements as \"categories\"");
		return -1;
	}
	return 0;
}

/* Second pass: fill the arrays of the flat profile at buf (header already there). */
static int
fill_arrays(jlex *lx, const jparse *jp, char *buf)
{
	const mlm_profile_hdr *h = (const mlm_profile_hdr *) (const void *) buf;
	char	   *p = buf + HDR_SIZE;
	size_t		n = (size_t) h->nentries;
	int64_t		got;
	int64_t		got2;
	int			nlev;
	size_t		nbytes;

	if (h->kind == MLM_PROFILE_NUMERIC && h->mode == MLM_PROFILE_EXACT)
	{
		lx->pos = jp->pos[K_VALUES];
		if (parse_double_array(lx, "values", -1, (double *) (void *) p, h->nentries, &got) != 0)
			return -1;
		lx->pos = jp->pos[K_COUNTS];
		if (parse_count_array(lx, (int64_t *) (void *) (p + n * sizeof(double)), h->nentries, &got2) != 0)
			return -1;
	}
	else if (h->kind == MLM_PROFILE_NUMERIC)
	{
		lx->pos = jp->pos[K_LEVELS];
		if (parse_levels(lx, (double *) (void *) (p + (size_t) h->nlevels * sizeof(int64_t)), h->nentries,
						 (int64_t *) (void *) p, &nlev, &got) != 0)
			return -1;
		got2 = got;
	}
	else
	{
		lx->pos = jp->pos[K_COUNTS];
		if (parse_count_array(lx, (int64_t *) (void *) p, h->nentries, &got) != 0)
			return -1;
		lx->pos = jp->pos[K_CATEGORIES];
		if (parse_categories(lx, (int32_t *) (void *) (p + n * sizeof(int64_t)),
							 p + n * sizeof(int64_t) + MLM_ALIGN8(n * sizeof(int32_t)),
							 h->nentries, jp->catbytes, &got2, &nbytes) != 0)
			return -1;
	}
	if (got != h->nentries || got2 != h->nentries)
	{
		set_err(lx->err, lx->errlen, "the input changed between passes");
		return -1;
	}
	return 0;
}

/* Parse the JSON text form into a checked flat profile. */
void *
mlm_profile_from_json(const char *text, size_t len, size_t *outlen, char *err, size_t errlen)
{
	jlex		lx;
	jparse		jp;
	mlm_profile_hdr h;
	size_t		size;
	char	   *buf;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL)
	{
		set_err(err, errlen, "input is missing");
		return NULL;
	}
	lx.s = text;
	lx.len = len;
	lx.pos = 0;
	lx.err = err;
	lx.errlen = errlen;
	memset(&jp, 0, sizeof(jp));
	if (parse_object(&lx, &jp) != 0 || check_keys(&lx, &jp) != 0)
		return NULL;

	memset(&h, 0, sizeof(h));
	h.version = MLM_PROFILE_VERSION;
	h.kind = (uint8_t) jp.kind;
	h.mode = (uint8_t) jp.mode;
	h.cap = (int32_t) jp.u[K_CAP];
	h.count = (int64_t) jp.u[K_COUNT];
	h.nulls = (int64_t) jp.u[K_NULLS];
	h.min = h.max = h.mean = h.m2 = NAN;
	if (jp.kind == MLM_PROFILE_NUMERIC)
	{
		h.nan = (int64_t) jp.u[K_NAN];
		h.posinf = (int64_t) jp.u[K_POSINF];
		h.neginf = (int64_t) jp.u[K_NEGINF];
		h.min = jp.d[K_MIN];
		h.max = jp.d[K_MAX];
		h.mean = jp.d[K_MEAN];
		h.m2 = jp.d[K_M2];
		if (jp.mode == MLM_PROFILE_EXACT)
			h.nentries = jp.nvalues;
		else
		{
			h.nlevels = (uint8_t) jp.nlevels;
			h.nentries = jp.nlevelitems;
			h.rank_error = jp.d[K_RANK_ERROR];
			h.parity = jp.u[K_PARITY];
		}
	}
	else
	{
		h.nentries = jp.ncategories;
		if (jp.mode == MLM_PROFILE_SKETCH)
		{
			h.other = (int64_t) jp.u[K_OTHER];
			h.rank_error = jp.d[K_RANK_ERROR];
		}
	}
	buf = mlm_profile_alloc(&h, jp.catbytes, &size, err, errlen);
	if (buf == NULL)
		return NULL;
	if (fill_arrays(&lx, &jp, buf) != 0 || mlm_profile_check(buf, size, err, errlen) != 0)
	{
		mlm_core_env->release(buf);
		return NULL;
	}
	*outlen = size;
	return buf;
}

/* Make room for extra more bytes in the output; 0 (and o->failed) if impossible. */
static int
out_reserve(jout *o, size_t extra)
{
	size_t		need;
	size_t		newcap;
	char	   *nb;

	if (o->failed)
		return 0;
	if (__builtin_add_overflow(o->len, extra, &need))
	{
		o->failed = 1;
		return 0;
	}
	if (need <= o->cap)
		return 1;
	if (__builtin_mul_overflow(o->cap, (size_t) 2, &newcap) || newcap < need)
		newcap = need;
	/* do not overshoot the largest PostgreSQL allocation when the text fits in it */
	if (newcap > PROFILE_LIMIT && need <= PROFILE_LIMIT)
		newcap = PROFILE_LIMIT;
	nb = mlm_core_env->alloc(newcap);
	if (nb == NULL)
	{
		o->failed = 1;
		return 0;
	}
	if (o->len > 0)
		memcpy(nb, o->buf, o->len);
	if (o->buf != NULL)
		mlm_core_env->release(o->buf);
	o->buf = nb;
	o->cap = newcap;
	return 1;
}

/* Append n bytes. */
static void
out_mem(jout *o, const char *s, size_t n)
{
	if (n == 0 || !out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Append a NUL-terminated string. */
static void
out_str(jout *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* Append ", "key": " (or "{"key": " for the first key). */
static void
out_key(jout *o, jkey k)
{
	out_mem(o, k == K_VERSION ? "{\"" : ", \"", k == K_VERSION ? 2 : 3);
	out_str(o, key_names[k]);
	out_mem(o, "\": ", 3);
}

/* Append an unsigned integer. */
static void
out_u64(jout *o, uint64_t u)
{
	char		tmp[24];
	int			n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long) u);

	out_mem(o, tmp, (size_t) n);
}

/* Append a double with 17 significant digits, or null for NaN. */
static void
out_double(jout *o, double d)
{
	char		tmp[40];
	int			n;

	if (!isfinite(d))
	{
		/* only NaN moments of an empty profile get here (checked profiles have no infinities) */
		out_mem(o, "null", 4);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.17g", d);
	out_mem(o, tmp, (size_t) n);
}

/* Append a JSON string: escape ", \ and control characters, copy the other bytes. */
static void
out_string(jout *o, const char *s, size_t n)
{
	size_t		i = 0;

	out_mem(o, "\"", 1);
	while (i < n)
	{
		size_t		run = i;
		unsigned char c;

		while (run < n && (unsigned char) s[run] >= 0x20 && s[run] != '"' && s[run] != '\\')
			run++;
		out_mem(o, s + i, run - i);
		if (run >= n)
			break;
		c = (unsigned char) s[run];
		switch (c)
		{
			case '"':
				out_mem(o, "\\\"", 2);
				break;
			case '\\':
				out_mem(o, "\\\\", 2);
				break;
			case '\b':
				out_mem(o, "\\b", 2);
				break;
			case '\f':
				out_mem(o, "\\f", 2);
				break;
			case '\n':
				out_mem(o, "\\n", 2);
				break;
			case '\r':
				out_mem(o, "\\r", 2);
				break;
			case '\t':
				out_mem(o, "\\t", 2);
				break;
			default:
				{
					char		tmp[8];

					snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned) c);
					out_mem(o, tmp, 6);
				}
				break;
		}
		i = run + 1;
	}
	out_mem(o, "\"", 1);
}

/* Append an array of doubles. */
static void
out_doubles(jout *o, const double *v, int64_t n)
{
	int64_t		i;

	out_mem(o, "[", 1);
	for (i = 0; i < n && !o->failed; i++)
	{
		maybe_cancel(i);
		if (i > 0)
			out_mem(o, ", ", 2);
		out_double(o, v[i]);
	}
	out_mem(o, "]", 1);
}

/* Append an array of counts. */
static void
out_counts(jout *o, const int64_t *v, int64_t n)
{
	int64_t		i;

	out_mem(o, "[", 1);
	for (i = 0; i < n && !o->failed; i++)
	{
		maybe_cancel(i);
		if (i > 0)
			out_mem(o, ", ", 2);
		out_u64(o, (uint64_t) v[i]);
	}
	out_mem(o, "]", 1);
}

/* The JSON text form of a checked flat profile (checked again here: NULL if invalid or out of memory). */
char *
mlm_profile_to_json(const void *buf, size_t len)
{
	mlm_profile_view v;
	const mlm_profile_hdr *h;
	jout		o;
	uint64_t	guess;
	int64_t		i;

	if (mlm_profile_check(buf, len, NULL, 0) != 0)
		return NULL;
	mlm_profile_view_of(buf, &v);
	h = v.h;
	o.buf = NULL;
	o.len = 0;
	o.cap = 0;
	o.failed = 0;
	/* a first guess at the size, so that the buffer rarely grows */
	guess = 400 + (uint64_t) h->nentries * 28 + (uint64_t) (len - HDR_SIZE);
	if (!out_reserve(&o, guess < PROFILE_LIMIT ? (size_t) guess : PROFILE_LIMIT))
		return NULL;

	out_key(&o, K_VERSION);
	out_u64(&o, MLM_PROFILE_VERSION);
	out_key(&o, K_KIND);
	out_str(&o, h->kind == MLM_PROFILE_NUMERIC ? "\"numeric\"" : "\"categorical\"");
	out_key(&o, K_MODE);
	out_str(&o, h->mode == MLM_PROFILE_EXACT ? "\"exact\"" : "\"sketch\"");
	out_key(&o, K_CAP);
	out_u64(&o, (uint64_t) h->cap);
	out_key(&o, K_COUNT);
	out_u64(&o, (uint64_t) h->count);
	out_key(&o, K_NULLS);
	out_u64(&o, (uint64_t) h->nulls);
	if (h->kind == MLM_PROFILE_NUMERIC)
	{
		out_key(&o, K_NAN);
		out_u64(&o, (uint64_t) h->nan);
		out_key(&o, K_POSINF);
		out_u64(&o, (uint64_t) h->posinf);
		out_key(&o, K_NEGINF);
		out_u64(&o, (uint64_t) h->neginf);
		out_key(&o, K_MIN);
		out_double(&o, h->min);
		out_key(&o, K_MAX);
		out_double(&o, h->max);
		out_key(&o, K_MEAN);
		out_double(&o, h->mean);
		out_key(&o, K_M2);
		out_double(&o, h->m2);
		if (h->mode == MLM_PROFILE_EXACT)
		{
			out_key(&o, K_VALUES);
			out_doubles(&o, v.values, h->nentries);
			out_key(&o, K_COUNTS);
			out_counts(&o, v.counts, h->nentries);
		}
		else
		{
			int64_t		start = 0;
			int			lev;

			out_key(&o, K_RANK_ERROR);
			out_double(&o, h->rank_error);
			out_key(&o, K_PARITY);
			out_u64(&o, h->parity);
			out_key(&o, K_LEVELS);
			out_mem(&o, "[", 1);
			for (lev = 0; lev < h->nlevels; lev++)
			{
				if (lev > 0)
					out_mem(&o, ", ", 2);
				out_doubles(&o, v.values + start, v.level_len[lev]);
				start += v.level_len[lev];
			}
			out_mem(&o, "]", 1);
		}
	}
	else
	{
		const char *p = v.bytes;

		if (h->mode == MLM_PROFILE_SKETCH)
		{
			out_key(&o, K_OTHER);
			out_u64(&o, (uint64_t) h->other);
			out_key(&o, K_RANK_ERROR);
			out_double(&o, h->rank_error);
		}
		out_key(&o, K_CATEGORIES);
		out_mem(&o, "[", 1);
		for (i = 0; i < h->nentries && !o.failed; i++)
		{
			maybe_cancel(i);
			if (i > 0)
				out_mem(&o, ", ", 2);
			out_string(&o, p, (size_t) v.lens[i]);
			p += v.lens[i];
		}
		out_mem(&o, "]", 1);
		out_key(&o, K_COUNTS);
		out_counts(&o, v.counts, h->nentries);
	}
	out_mem(&o, "}", 2);		/* with the terminating NUL */
	if (o.failed)
	{
		if (o.buf != NULL)
			mlm_core_env->release(o.buf);
		return NULL;
	}
	return o.buf;
}
