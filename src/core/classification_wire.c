/*
 * classification_wire.c: writing and checking the portable form of
 * mlmon.classification_metrics' partial state (layout in
 * classification_wire.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "classification_wire.h"

#include <stdio.h>
#include <string.h>

#include "byteorder.h"

unsigned char *
mlm_class_wire_put_header(unsigned char *p, const mlm_class_wire *w)
{
	p[0] = MLM_CLASS_WIRE_VERSION;
	p[1] = w->form;
	p[2] = w->multiclass ? MLM_CLASS_FLAG_MULTICLASS : 0;
	p[3] = w->form == MLM_CLASS_FORM_SCORES ? (unsigned char) w->nslots : 0;
	mlm_put64(p + 4, (uint64_t) w->npairs);
	mlm_put64(p + 12, (uint64_t) w->n);
	mlm_put64(p + 20, (uint64_t) w->n_scored);
	mlm_put32(p + 28, w->poslen);
	if (w->poslen > 0)
		memcpy(p + MLM_CLASS_WIRE_HEADER, w->pos, w->poslen);
	return p + MLM_CLASS_WIRE_HEADER + w->poslen;
}

unsigned char *
mlm_class_wire_put_pair(unsigned char *p, const char *actual, uint32_t alen,
						const char *predicted, uint32_t plen, int64_t count)
{
	mlm_put32(p, alen);
	memcpy(p + 4, actual, alen);
	p += 4 + alen;
	mlm_put32(p, plen);
	memcpy(p + 4, predicted, plen);
	p += 4 + plen;
	mlm_put64(p, (uint64_t) count);
	return p + 8;
}

unsigned char *
mlm_class_wire_put_scores(unsigned char *p, const char *label, uint32_t len, const double *v, int64_t n)
{
	int64_t		i;

	if (label != NULL)
	{
		mlm_put32(p, len);
		memcpy(p + 4, label, len);
		p += 4 + len;
	}
	mlm_put64(p, (uint64_t) n);
	p += 8;
	for (i = 0; i < n; i++, p += 8)
		mlm_put_double(p, v[i]);
	return p;
}

const unsigned char *
mlm_class_wire_pair(const unsigned char *p, const char **actual, uint32_t *alen,
					const char **predicted, uint32_t *plen, int64_t *count)
{
	*alen = mlm_get32(p);
	*actual = (const char *) p + 4;
	p += 4 + *alen;
	*plen = mlm_get32(p);
	*predicted = (const char *) p + 4;
	p += 4 + *plen;
	*count = (int64_t) mlm_get64(p);
	return p + 8;
}

double
mlm_class_wire_score(const mlm_class_wire *w, int s, int64_t i)
{
	return mlm_get_double(w->scores[s] + 8 * (size_t) i);
}

/* Byte order of two labels: memcmp on the common prefix, then shorter first. */
static int
cmp_bytes(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Rows of the checked pairs whose actual label is label[0..len). */
static uint64_t
rows_of_actual(const mlm_class_wire *w, const char *label, uint32_t len)
{
	const unsigned char *p = w->pairs;
	uint64_t	rows = 0;
	int64_t		i;

	for (i = 0; i < w->npairs; i++)
	{
		const char *a,
				   *pr;
		uint32_t	alen,
					plen;
		int64_t		c;

		p = mlm_class_wire_pair(p, &a, &alen, &pr, &plen, &c);
		if (alen == len && memcmp(a, label, len) == 0)
			rows += (uint64_t) c;
	}
	return rows;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/*
 * Check the score list at *pp (end: the end of the form) with room for at
 * most max_n scores: its count, then ascending scores in [0, 1].
 */
static int
check_scores(const unsigned char **pp, const unsigned char *end, const char *what, uint64_t max_n,
			 int64_t *n, const unsigned char **scores, char *err, size_t errlen)
{
	const unsigned char *p = *pp;
	uint64_t	k,
				i;
	double		prev = 0.0;

	if ((size_t) (end - p) < 8)
		FAIL("the scores of %s are cut short", what);
	k = mlm_get64(p);
	p += 8;
	if (k > (uint64_t) (end - p) / 8)
		FAIL("%llu scores of %s do not fit in %zu bytes", (unsigned long long) k, what, (size_t) (end - p));
	if (k > max_n)
		FAIL("%llu scores of %s are more than its %llu rows", (unsigned long long) k, what,
			 (unsigned long long) max_n);
	for (i = 0; i < k; i++)
	{
		uint64_t	bits = mlm_get64(p + 8 * i);
		double		v = mlm_get_double(p + 8 * i);

		if (!(v >= 0.0 && v <= 1.0) || bits == UINT64_C(0x8000000000000000))
			FAIL("score %llu of %s is not a probability (0 to 1, no -0)", (unsigned long long) i, what);
		if (v < prev)
			FAIL("score %llu of %s is below the one before it", (unsigned long long) i, what);
		prev = v;
	}
	*scores = p;
	*n = (int64_t) k;
	*pp = p + 8 * k;
	return 0;
}

int
mlm_class_wire_check(const void *buf, size_t len, mlm_class_wire *w, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *) buf;
	const unsigned char *end = p + len;
	uint64_t	npairs,
				n,
				n_scored,
				poslen,
				i,
				sum = 0,
				scored = 0;
	const char *prev_a = NULL,
			   *prev_p = NULL;
	uint32_t	prev_alen = 0,
				prev_plen = 0;
	unsigned	form,
				flags,
				nlabels;

	if (len < MLM_CLASS_WIRE_HEADER)
		FAIL("%zu bytes are too few for the header (%d)", len, MLM_CLASS_WIRE_HEADER);
	if (p[0] != MLM_CLASS_WIRE_VERSION)
		FAIL("unknown version %u", (unsigned) p[0]);
	form = p[1];
	flags = p[2];
	nlabels = p[3];
	if (form > MLM_CLASS_FORM_POSITIVE)
		FAIL("unknown form %u", form);
	if ((flags & ~MLM_CLASS_FLAG_MULTICLASS) != 0)
		FAIL("unknown flags %u", flags);
	if (flags != 0 && form != MLM_CLASS_FORM_SCORES)
		FAIL("the flag of more than two scored labels is set in form %u", form);
	if (form != MLM_CLASS_FORM_SCORES && nlabels != 0)
		FAIL("%u score labels in form %u", nlabels, form);
	if (nlabels > 2)
		FAIL("%u score labels, at most 2", nlabels);
	if (flags != 0 && nlabels != 0)
		FAIL("%u score labels kept with more than two scored labels", nlabels);
	npairs = mlm_get64(p + 4);
	n = mlm_get64(p + 12);
	n_scored = mlm_get64(p + 20);
	poslen = mlm_get32(p + 28);
	if (n > (uint64_t) INT64_MAX || n_scored > (uint64_t) INT64_MAX)
		FAIL("a total is out of range");
	if (form != MLM_CLASS_FORM_POSITIVE && poslen != 0)
		FAIL("a positive label in form %u", form);
	p += MLM_CLASS_WIRE_HEADER;
	if (poslen > (uint64_t) (end - p))
		FAIL("the positive label's %llu bytes do not fit", (unsigned long long) poslen);
	if (memchr(p, '\0', poslen) != NULL)
		FAIL("the positive label holds a NUL byte");
	w->pos = (const char *) p;
	w->poslen = (uint32_t) poslen;
	p += poslen;
	if (npairs > (uint64_t) (end - p) / MLM_CLASS_WIRE_PAIR_FIXED)
		FAIL("%llu pairs do not fit in %zu bytes", (unsigned long long) npairs, (size_t) (end - p));
	w->pairs = p;
	for (i = 0; i < npairs; i++)
	{
		uint32_t	alen,
					plen;
		const char *a,
				   *pr;
		uint64_t	c;
		int			cmp;

		if ((size_t) (end - p) < 4)
			FAIL("pair %llu is cut short", (unsigned long long) i);
		alen = mlm_get32(p);
		if ((size_t) (end - p) - 4 < (size_t) alen + 4)
			FAIL("pair %llu is cut short", (unsigned long long) i);
		a = (const char *) p + 4;
		p += 4 + (size_t) alen;
		plen = mlm_get32(p);
		if ((size_t) (end - p) - 4 < (size_t) plen + 8)
			FAIL("pair %llu is cut short", (unsigned long long) i);
		pr = (const char *) p + 4;
		p += 4 + (size_t) plen;
		c = mlm_get64(p);
		p += 8;
		if (memchr(a, '\0', alen) != NULL || memchr(pr, '\0', plen) != NULL)
			FAIL("a label of pair %llu holds a NUL byte", (unsigned long long) i);
		if (c == 0 || c > (uint64_t) INT64_MAX)
			FAIL("the count of pair %llu is out of range", (unsigned long long) i);
		if (prev_a != NULL)
		{
			cmp = cmp_bytes(prev_a, prev_alen, a, alen);
			if (cmp == 0)
				cmp = cmp_bytes(prev_p, prev_plen, pr, plen);
			if (cmp >= 0)
				FAIL("pair %llu is not after the one before it in byte order", (unsigned long long) i);
		}
		prev_a = a;
		prev_alen = alen;
		prev_p = pr;
		prev_plen = plen;
		if (c > (uint64_t) INT64_MAX - sum)
			FAIL("the counts overflow");
		sum += c;
	}
	if (sum != n)
		FAIL("the rows are not the sum of the counts");
	w->form = (uint8_t) form;
	w->multiclass = flags != 0;
	w->npairs = (int64_t) npairs;
	w->n = (int64_t) n;
	w->nslots = form == MLM_CLASS_FORM_SCORES ? (int) nlabels : form == MLM_CLASS_FORM_POSITIVE ? 2 : 0;
	if (form == MLM_CLASS_FORM_SCORES)
	{
		for (i = 0; i < nlabels; i++)
		{
			uint32_t	llen;
			const char *l;
			char		what[32];

			snprintf(what, sizeof(what), "label %llu", (unsigned long long) i);
			if ((size_t) (end - p) < 4)
				FAIL("score label %llu is cut short", (unsigned long long) i);
			llen = mlm_get32(p);
			if ((size_t) (end - p) - 4 < (size_t) llen)
				FAIL("score label %llu is cut short", (unsigned long long) i);
			l = (const char *) p + 4;
			p += 4 + (size_t) llen;
			if (i > 0 && cmp_bytes(w->label[0], w->labellen[0], l, llen) >= 0)
				FAIL("score label 1 is not after score label 0 in byte order");
			w->label[i] = l;
			w->labellen[i] = llen;
			if (check_scores(&p, end, what, rows_of_actual(w, l, llen), &w->nscores[i], &w->scores[i],
							 err, errlen) != 0)
				return -1;
			if (w->nscores[i] == 0)
				FAIL("score label %llu has no score", (unsigned long long) i);
			scored += (uint64_t) w->nscores[i];
		}
	}
	else if (form == MLM_CLASS_FORM_POSITIVE)
	{
		uint64_t	pos_rows = rows_of_actual(w, w->pos, w->poslen);

		if (check_scores(&p, end, "the negatives", n - pos_rows, &w->nscores[0], &w->scores[0], err, errlen) != 0 ||
			check_scores(&p, end, "the positives", pos_rows, &w->nscores[1], &w->scores[1], err, errlen) != 0)
			return -1;
		scored = (uint64_t) w->nscores[0] + (uint64_t) w->nscores[1];
	}
	if (p != end)
		FAIL("%zu bytes after the end", (size_t) (end - p));
	if (w->multiclass ? (n_scored < 3 || n_scored > n) : n_scored != scored)
		FAIL("%llu scored rows do not match the scores", (unsigned long long) n_scored);
	w->n_scored = (int64_t) n_scored;
	return 0;
}
