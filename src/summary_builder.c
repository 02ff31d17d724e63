/*
 * summary_builder.c: the expanded form of mlmon.check_summary.
 *
 * A builder holds each section in the form that is cheap to update: counts
 * and sums as arrays, profiles as profile builders (profile_builder.c), a
 * grid's cells densely, keys in a hash table, a stream's pairs in arrival
 * order.  Merging a decoded summary adds each of its sections to the one
 * with the same id (or a new one); flattening writes the wire form
 * (core/summary_wire.c), sparse where the builder is dense.
 *
 * Merging is commutative and associative for every kind, so partial states
 * of parallel workers may arrive in any order, with one exception kept
 * explicit: closed streams of two summaries are concatenated in time order
 * and must cover disjoint time spans (a check merges disjoint buckets; two
 * partial states of one bucket are open streams, merged as pairs and
 * sorted when the aggregate's final function closes them).
 */
#include "summary.h"

#include <math.h>

#include "utils/float.h"
#include "utils/memutils.h"

#include "huge_alloc.h"

static Size builder_get_flat_size(ExpandedObjectHeader *eohptr);
static void builder_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods summary_methods = {
	builder_get_flat_size,
	builder_flatten_into
};

SummaryBuilder *
summary_builder_new(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon summary", ALLOCSET_DEFAULT_SIZES);
	SummaryBuilder *b = (SummaryBuilder *) MemoryContextAllocZero(cxt, sizeof(SummaryBuilder));

	EOH_init_header(&b->hdr, &summary_methods, cxt);
	b->cxt = cxt;
	return b;
}

SummaryBuilder *
summary_builder_from_datum(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &summary_methods)
		return NULL;
	return (SummaryBuilder *) eoh;
}

/* Drop the cached flat form: the builder is about to change. */
static void
changed(SummaryBuilder *b)
{
	if (b->flat != NULL)
	{
		pfree(b->flat);
		b->flat = NULL;
	}
}

Datum
summary_builder_datum(SummaryBuilder *b)
{
	changed(b);
	return EOHPGetRWDatum(&b->hdr);
}

SectionBuilder *
summary_builder_find(SummaryBuilder *b, uint32 id)
{
	int			lo = 0,
				hi = b->nsec;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (b->sec[mid]->id == id)
			return b->sec[mid];
		if (b->sec[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A new section in its place among the ids (the id must not be there yet). */
static SectionBuilder *
insert_section(SummaryBuilder *b, uint32 id, uint8 kind)
{
	SectionBuilder *s;
	int			pos = b->nsec;

	if (b->nsec == b->seccap)
	{
		b->seccap = Max(8, b->seccap * 2);
		b->sec = b->sec == NULL ? MemoryContextAlloc(b->cxt, sizeof(SectionBuilder *) * b->seccap)
			: repalloc(b->sec, sizeof(SectionBuilder *) * b->seccap);
	}
	while (pos > 0 && b->sec[pos - 1]->id > id)
		pos--;
	memmove(&b->sec[pos + 1], &b->sec[pos], sizeof(SectionBuilder *) * (b->nsec - pos));
	s = MemoryContextAllocZero(b->cxt, sizeof(SectionBuilder));
	s->id = id;
	s->kind = kind;
	b->sec[pos] = s;
	b->nsec++;
	changed(b);
	return s;
}

SectionBuilder *
summary_builder_add(SummaryBuilder *b, uint32 id, uint8 kind)
{
	if (b->nsec > 0 && b->sec[b->nsec - 1]->id >= id)
		elog(ERROR, "summary sections must be added in ascending id order");
	return insert_section(b, id, kind);
}

void
section_init_counts(SummaryBuilder *b, SectionBuilder *s, int64 n)
{
	s->n = n;
	s->counts = huge_alloc(b->cxt, sizeof(int64) * Max(n, 1));
	memset(s->counts, 0, sizeof(int64) * Max(n, 1));
}

void
section_init_sums(SummaryBuilder *b, SectionBuilder *s, int64 n)
{
	s->n = n;
	s->sums = MemoryContextAllocZero(b->cxt, sizeof(mlm_ksum) * Max(n, 1));
}

void
section_init_profile(SummaryBuilder *b, SectionBuilder *s, int kind, int cap)
{
	s->profile = profile_builder_new(b->cxt, kind, cap);
}

void
section_init_grid(SummaryBuilder *b, SectionBuilder *s, int64 gridpoints)
{
	int64		j;

	s->ncells = 2 * gridpoints + 1;
	s->cells = huge_alloc(b->cxt, sizeof(int64) * s->ncells);
	memset(s->cells, 0, sizeof(int64) * s->ncells);
	s->cellmax = huge_alloc(b->cxt, sizeof(double) * (gridpoints + 1));
	for (j = 0; j <= gridpoints; j++)
		s->cellmax[j] = -INFINITY;
}

void
section_init_keys(SummaryBuilder *b, SectionBuilder *s, int arity, int64 cap)
{
	s->arity = arity;
	s->cap = cap;
	catcount_init(&s->keys, b->cxt);
}

void
section_init_stream(SummaryBuilder *b, SectionBuilder *s)
{
	time_stream_init(&s->open, b->cxt);
}

void
section_init_scores(SummaryBuilder *b, SectionBuilder *s)
{
	s->nlabels = 0;
}

void
section_add_key(SectionBuilder *s, const char *a, int32 alen, const char *b2, int32 blen, int64 count)
{
	if (s->arity == 1)
		catcount_add(&s->keys, a, alen, count, 0);
	else
	{
		char		sbuf[256];
		int32		len = (int32) sizeof(uint32) + alen + blen;
		char	   *k = len <= (int32) sizeof(sbuf) ? sbuf : palloc(len);
		uint32		al = (uint32) alen;

		memcpy(k, &al, sizeof(uint32));
		memcpy(k + sizeof(uint32), a, alen);
		memcpy(k + sizeof(uint32) + alen, b2, blen);
		catcount_add(&s->keys, k, len, count, 0);
		if (k != sbuf)
			pfree(k);
	}
}

/* The slot of a label in a SCORES section: added when there is room, -1 once it overflows. */
static int
scores_slot(SummaryBuilder *b, SectionBuilder *s, const char *label, int32 len)
{
	int			i;

	if (s->overflow)
		return -1;
	for (i = 0; i < s->nlabels; i++)
		if (s->labellen[i] == len && memcmp(s->label[i], label, len) == 0)
			return i;
	if (s->nlabels == 2)
	{
		/* a third label: the score metrics are undefined for this sample */
		s->overflow = true;
		s->nlabels = 0;
		return -1;
	}
	i = s->nlabels++;
	s->label[i] = MemoryContextAlloc(b->cxt, Max(len, 1));
	memcpy(s->label[i], label, len);
	s->labellen[i] = len;
	s->rows[i] = 0;
	memset(s->ssums[i], 0, sizeof(s->ssums[i]));
	s->scores[i] = profile_builder_new(b->cxt, MLM_PROFILE_NUMERIC, mlm_profile_exact_cap);
	return i;
}

/*
 * The four sums of a score p under its actual label: -log p, -log(1 - p)
 * (with scikit-learn's clipping to [eps, 1 - eps], eps = DBL_EPSILON), p^2
 * and (1 - p)^2.  With the positive label known at the end, a row of it adds
 * -log p and (1 - p)^2 to the log loss and the Brier loss, a row of the
 * other label -log(1 - p) and p^2.
 */
void
section_add_score(SummaryBuilder *b, SectionBuilder *s, const char *label, int32 len, double score)
{
	int			i = scores_slot(b, s, label, len);

	if (i < 0)
		return;
	s->rows[i]++;
	mlm_binary_score_sums(score, &s->ssums[i][0], &s->ssums[i][1], &s->ssums[i][2], &s->ssums[i][3]);
	profile_builder_add_number(s->scores[i], score);
}

/* ---------------------------------------------------------------- merging */

static void
merge_mismatch(uint32 id)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("cannot merge summaries built for different checks"),
			 errdetail("Section %u differs in shape.", id)));
}

/* Room for `more` closed values and one more segment. */
static void
stream_reserve_closed(SummaryBuilder *b, SectionBuilder *d, int64 more)
{
	if (d->n + more > d->values_cap)
	{
		d->values_cap = Max(d->n + more, Max(2 * d->values_cap, 1024));
		d->values = d->values == NULL ? huge_alloc(b->cxt, sizeof(double) * d->values_cap)
			: huge_realloc(d->values, sizeof(double) * d->values_cap);
	}
	if (d->nseg + 1 > d->seg_cap)
	{
		d->seg_cap = Max(16, 2 * d->seg_cap);
		d->seg_first = d->seg_first == NULL ? MemoryContextAlloc(b->cxt, sizeof(int64) * d->seg_cap)
			: repalloc(d->seg_first, sizeof(int64) * d->seg_cap);
		d->seg_last = d->seg_last == NULL ? MemoryContextAlloc(b->cxt, sizeof(int64) * d->seg_cap)
			: repalloc(d->seg_last, sizeof(int64) * d->seg_cap);
		d->seg_n = d->seg_n == NULL ? MemoryContextAlloc(b->cxt, sizeof(int64) * d->seg_cap)
			: repalloc(d->seg_n, sizeof(int64) * d->seg_cap);
	}
}

/* Put segment i of s (values from offset off) at position pos of d's segments, shifting later ones. */
static void
stream_insert_segment(SummaryBuilder *b, SectionBuilder *d, const mlm_section *s, int64 i, int64 off)
{
	int64		pos = d->nseg,
				voff = d->n,
				k;

	while (pos > 0 && d->seg_first[pos - 1] > s->seg_first[i])
	{
		pos--;
		voff -= d->seg_n[pos];
	}
	if ((pos > 0 && d->seg_last[pos - 1] >= s->seg_first[i]) ||
		(pos < d->nseg && d->seg_first[pos] <= s->seg_last[i]))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot merge summaries of overlapping time spans")));
	stream_reserve_closed(b, d, s->seg_n[i]);
	memmove(d->values + voff + s->seg_n[i], d->values + voff, sizeof(double) * (d->n - voff));
	memcpy(d->values + voff, s->values + off, sizeof(double) * s->seg_n[i]);
	for (k = d->nseg; k > pos; k--)
	{
		d->seg_first[k] = d->seg_first[k - 1];
		d->seg_last[k] = d->seg_last[k - 1];
		d->seg_n[k] = d->seg_n[k - 1];
	}
	d->seg_first[pos] = s->seg_first[i];
	d->seg_last[pos] = s->seg_last[i];
	d->seg_n[pos] = s->seg_n[i];
	d->nseg++;
	d->n += s->seg_n[i];
}

static void
merge_stream(SummaryBuilder *b, SectionBuilder *d, const mlm_section *s)
{
	int64		i,
				off = 0;

	if (!s->closed)
	{
		if (d->closed && d->n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("cannot merge an open stream into a closed one")));
		d->closed = false;
		time_stream_reserve(&d->open, s->n);
		for (i = 0; i < s->n; i++)
			time_stream_add(&d->open, s->ts[i], s->values[i]);
		return;
	}
	if (s->n == 0)
		return;
	if (!d->closed)
	{
		if (d->open.n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("cannot merge a closed stream into an open one")));
		d->closed = true;
	}
	for (i = 0; i < s->nseg; i++)
	{
		stream_insert_segment(b, d, s, i, off);
		off += s->seg_n[i];
	}
}

static void
merge_scores(SummaryBuilder *b, SectionBuilder *d, const mlm_section *s)
{
	int			i,
				k;

	if (s->overflow)
	{
		d->overflow = true;
		d->nlabels = 0;
		return;
	}
	for (i = 0; i < s->n; i++)
	{
		mlm_profile_view v;
		int			slot = scores_slot(b, d, s->label[i].data, (int32) s->label[i].len);

		if (slot < 0)
			return;
		d->rows[slot] += s->rows[i];
		for (k = 0; k < MLM_SCORE_SUMS; k++)
		{
			mlm_ksum_add(&d->ssums[slot][k], s->sums[i * MLM_SCORE_SUMS + k].s);
			mlm_ksum_add(&d->ssums[slot][k], s->sums[i * MLM_SCORE_SUMS + k].c);
		}
		mlm_profile_view_of(s->scores[i].buf, &v);
		profile_builder_merge(d->scores[slot], &v);
	}
}

static void
merge_keys(SectionBuilder *d, const mlm_section *s)
{
	int64		i;

	if (s->arity != d->arity)
		merge_mismatch(s->id);
	if (s->truncated)
		d->truncated = true;
	if (s->cap > 0 && (d->cap == 0 || s->cap < d->cap))
		d->cap = s->cap;
	for (i = 0; i < s->n; i++)
	{
		const mlm_bytes *k = &s->key[i * s->arity];

		section_add_key(d, k[0].data, (int32) k[0].len,
						s->arity == 2 ? k[1].data : NULL, s->arity == 2 ? (int32) k[1].len : 0, s->counts[i]);
	}
}

static void
merge_section(SummaryBuilder *b, SectionBuilder *d, const mlm_section *s)
{
	int64		i;
	mlm_profile_view v;

	if (d->kind != s->kind)
		merge_mismatch(s->id);
	switch (s->kind)
	{
		case MLM_SEC_COUNTS:
			if (d->n != s->n)
				merge_mismatch(s->id);
			for (i = 0; i < s->n; i++)
				d->counts[i] += s->counts[i];
			break;
		case MLM_SEC_SUMS:
			if (d->n != s->n)
				merge_mismatch(s->id);
			for (i = 0; i < s->n; i++)
			{
				mlm_ksum_add(&d->sums[i], s->sums[i].s);
				mlm_ksum_add(&d->sums[i], s->sums[i].c);
			}
			break;
		case MLM_SEC_PROFILE:
			mlm_profile_view_of(s->profile.buf, &v);
			profile_builder_merge(d->profile, &v);
			break;
		case MLM_SEC_GRID:
			if (d->ncells != s->ncells)
				merge_mismatch(s->id);
			for (i = 0; i < s->n; i++)
			{
				d->cells[s->cell[i]] += s->counts[i];
				if (s->cell[i] % 2 == 0 && s->max[i] > d->cellmax[s->cell[i] / 2])
					d->cellmax[s->cell[i] / 2] = s->max[i];
			}
			break;
		case MLM_SEC_KEYS:
			merge_keys(d, s);
			break;
		case MLM_SEC_REGRESSION:
			mlm_regression_merge(&d->reg, &s->reg);
			break;
		case MLM_SEC_STREAM:
			merge_stream(b, d, s);
			break;
		case MLM_SEC_SCORES:
			merge_scores(b, d, s);
			break;
		default:
			elog(ERROR, "unknown summary section kind %d", s->kind);
	}
}

/* An empty section shaped like s, in b. */
static SectionBuilder *
section_like(SummaryBuilder *b, const mlm_section *s)
{
	SectionBuilder *d = insert_section(b, s->id, s->kind);
	mlm_profile_view v;

	switch (s->kind)
	{
		case MLM_SEC_COUNTS:
			section_init_counts(b, d, s->n);
			break;
		case MLM_SEC_SUMS:
			section_init_sums(b, d, s->n);
			break;
		case MLM_SEC_PROFILE:
			mlm_profile_view_of(s->profile.buf, &v);
			section_init_profile(b, d, v.h->kind, v.h->cap);
			break;
		case MLM_SEC_GRID:
			/* held densely while merged: no larger than a grid on an exact reference can be */
			if (s->ncells > 2 * (int64) MLM_PROFILE_MAX_CAP + 1)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("cannot merge a summary grid of " INT64_FORMAT " cells", s->ncells),
						 errdetail("A check keeps a grid on at most %d reference values, %d cells.",
								   MLM_PROFILE_MAX_CAP, 2 * MLM_PROFILE_MAX_CAP + 1)));
			section_init_grid(b, d, s->ncells / 2);
			break;
		case MLM_SEC_KEYS:
			section_init_keys(b, d, s->arity, s->cap);
			break;
		case MLM_SEC_STREAM:
			section_init_stream(b, d);
			d->closed = s->closed;
			break;
		case MLM_SEC_SCORES:
			section_init_scores(b, d);
			break;
		default:
			break;
	}
	return d;
}

void
summary_builder_merge(SummaryBuilder *b, const mlm_summary_wire *w)
{
	uint32		i;
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "mlmon summary merge", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);

	changed(b);
	for (i = 0; i < w->nsections; i++)
	{
		mlm_section sec;
		SectionBuilder *d;

		summary_section(w, w->ref[i].id, &sec);
		d = summary_builder_find(b, sec.id);
		if (d == NULL)
		{
			MemoryContextSwitchTo(b->cxt);
			d = section_like(b, &sec);
			MemoryContextSwitchTo(tmp);
		}
		merge_section(b, d, &sec);
		MemoryContextReset(tmp);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/* ---------------------------------------------------------------- closing */

void
summary_builder_close(SummaryBuilder *b)
{
	int			i;

	if (b->flush)
		b->flush(b);
	for (i = 0; i < b->nsec; i++)
	{
		SectionBuilder *s = b->sec[i];
		int64		j;

		if (s->kind != MLM_SEC_STREAM || s->closed)
			continue;
		s->closed = true;
		s->n = 0;
		s->nseg = 0;
		if (s->open.n == 0)
			continue;
		time_stream_sort(&s->open);
		stream_reserve_closed(b, s, s->open.n);
		for (j = 0; j < s->open.n; j++)
			s->values[j] = s->open.p[j].v;
		s->n = s->open.n;
		s->seg_first[0] = s->open.p[0].t;
		s->seg_last[0] = s->open.p[s->open.n - 1].t;
		s->seg_n[0] = s->open.n;
		s->nseg = 1;
		pfree(s->open.p);
		time_stream_init(&s->open, b->cxt);
		changed(b);
	}
}

/* ---------------------------------------------------------------- flattening */

static const CatEntry *const *keys_sort_of;
static int	keys_sort_arity;

/* The parts of a KEYS entry's bytes. */
static void
key_parts(const CatEntry *e, int arity, mlm_bytes *parts)
{
	if (arity == 1)
	{
		parts[0].data = e->key.data;
		parts[0].len = (uint32) e->key.len;
	}
	else
	{
		uint32		al;

		memcpy(&al, e->key.data, sizeof(uint32));
		parts[0].data = e->key.data + sizeof(uint32);
		parts[0].len = al;
		parts[1].data = e->key.data + sizeof(uint32) + al;
		parts[1].len = (uint32) e->key.len - (uint32) sizeof(uint32) - al;
	}
}

static int
key_entry_cmp(const void *x, const void *y)
{
	mlm_bytes	a[2],
				b[2];

	key_parts(*(const CatEntry *const *) x, keys_sort_arity, a);
	key_parts(*(const CatEntry *const *) y, keys_sort_arity, b);
	return mlm_keys_cmp(a, b, keys_sort_arity);
}

static void
flat_keys(SectionBuilder *s, mlm_section *o)
{
	int64		n = catcount_size(&s->keys),
				m = 0,
				i;
	uint64		it = 0;
	CatEntry  **e = palloc(sizeof(CatEntry *) * Max(n, 1));
	CatEntry   *x;

	while ((x = catcount_next(&s->keys, &it)) != NULL)
		if (x->c[0] > 0)
			e[m++] = x;
	keys_sort_of = (const CatEntry *const *) e;
	keys_sort_arity = s->arity;
	qsort(e, m, sizeof(CatEntry *), key_entry_cmp);
	keys_sort_of = NULL;
	o->arity = s->arity;
	o->cap = s->cap;
	o->truncated = s->truncated;
	if (s->cap > 0 && m > s->cap)
	{
		m = s->cap;
		o->truncated = true;
	}
	o->n = m;
	o->key = palloc(sizeof(mlm_bytes) * Max(m * s->arity, 1));
	o->counts = palloc(sizeof(int64) * Max(m, 1));
	for (i = 0; i < m; i++)
	{
		key_parts(e[i], s->arity, &o->key[i * s->arity]);
		o->counts[i] = e[i]->c[0];
	}
}

static void
flat_profile(ProfileBuilder *pb, mlm_flat_profile *fp)
{
	struct varlena *vl = profile_builder_flat(pb);

	fp->buf = (void *) PROFILE_PAYLOAD(vl);
	fp->len = PROFILE_PAYLOAD_SIZE(vl);
}

static void
flat_section(SectionBuilder *s, mlm_section *o)
{
	int64		i,
				m;

	o->id = s->id;
	o->kind = s->kind;
	switch (s->kind)
	{
		case MLM_SEC_COUNTS:
			o->n = s->n;
			o->counts = s->counts;
			break;
		case MLM_SEC_SUMS:
			o->n = s->n;
			o->sums = s->sums;
			break;
		case MLM_SEC_PROFILE:
			flat_profile(s->profile, &o->profile);
			break;
		case MLM_SEC_GRID:
			o->ncells = s->ncells;
			for (i = 0, m = 0; i < s->ncells; i++)
				m += s->cells[i] > 0;
			o->n = m;
			o->cell = palloc(sizeof(int64) * Max(m, 1));
			o->counts = palloc(sizeof(int64) * Max(m, 1));
			o->max = palloc(sizeof(double) * Max(m, 1));
			for (i = 0, m = 0; i < s->ncells; i++)
				if (s->cells[i] > 0)
				{
					o->cell[m] = i;
					o->counts[m] = s->cells[i];
					o->max[m] = i % 2 == 1 ? get_float8_nan() : s->cellmax[i / 2];
					m++;
				}
			break;
		case MLM_SEC_KEYS:
			flat_keys(s, o);
			break;
		case MLM_SEC_REGRESSION:
			o->reg = s->reg;
			break;
		case MLM_SEC_STREAM:
			o->closed = s->closed;
			if (!s->closed)
			{
				o->n = s->open.n;
				o->ts = palloc(sizeof(int64) * Max(o->n, 1));
				o->values = palloc(sizeof(double) * Max(o->n, 1));
				for (i = 0; i < o->n; i++)
				{
					o->ts[i] = s->open.p[i].t;
					o->values[i] = s->open.p[i].v;
				}
				break;
			}
			o->n = s->n;
			o->values = s->values;
			o->nseg = s->nseg;
			o->seg_first = s->seg_first;
			o->seg_last = s->seg_last;
			o->seg_n = s->seg_n;
			o->binary = true;
			for (i = 0; i < s->n && o->binary; i++)
				o->binary = s->values[i] == 0.0 || s->values[i] == 1.0;
			break;
		case MLM_SEC_SCORES:
			o->overflow = s->overflow;
			o->n = s->overflow ? 0 : s->nlabels;
			o->sums = palloc0(sizeof(mlm_ksum) * 2 * MLM_SCORE_SUMS);
			/* labels in ascending order */
			for (i = 0; i < o->n; i++)
			{
				int			k = (int) i;

				if (o->n == 2 && catcount_cmp(s->label[0], s->labellen[0], s->label[1], s->labellen[1]) > 0)
					k = 1 - (int) i;
				o->label[i].data = s->label[k];
				o->label[i].len = (uint32) s->labellen[k];
				o->rows[i] = s->rows[k];
				memcpy(&o->sums[i * MLM_SCORE_SUMS], s->ssums[k], sizeof(mlm_ksum) * MLM_SCORE_SUMS);
				flat_profile(s->scores[k], &o->scores[i]);
			}
			break;
	}
}

static struct varlena *
build_flat(SummaryBuilder *b)
{
	mlm_summary s;
	int			i;
	void	   *wire;
	size_t		len;
	char		err[256];
	struct varlena *vl;

	s.nsections = b->nsec;
	s.sec = palloc0(sizeof(mlm_section) * Max(b->nsec, 1));
	for (i = 0; i < b->nsec; i++)
		flat_section(b->sec[i], &s.sec[i]);
	wire = mlm_summary_encode(&s, MaxAllocSize - VARHDRSZ, &len, err, sizeof(err));
	if (wire == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("summary too large"),
				 errdetail("%s", err)));
	vl = (struct varlena *) MemoryContextAlloc(b->cxt, VARHDRSZ + len);
	SET_VARSIZE(vl, VARHDRSZ + len);
	memcpy(VARDATA(vl), wire, len);
	pfree(wire);
	return vl;
}

/* The cached flat form, encoded in the builder's context (the scratch memory freed with a child context). */
static struct varlena *
cached_flat(SummaryBuilder *b)
{
	if (b->flush)
		b->flush(b);
	if (b->flat == NULL)
	{
		MemoryContext tmp = AllocSetContextCreate(b->cxt, "mlmon summary flatten", ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(tmp);
		struct varlena *vl = build_flat(b);

		MemoryContextSwitchTo(old);
		b->flat = vl;
		/* vl lives in b->cxt (build_flat allocates it there); the scratch goes */
		MemoryContextDelete(tmp);
	}
	return b->flat;
}

static Size
builder_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(cached_flat((SummaryBuilder *) eohptr));
}

static void
builder_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *vl = cached_flat((SummaryBuilder *) eohptr);

	Assert(allocated_size == VARSIZE(vl));
	memcpy(result, vl, VARSIZE(vl));
}

struct varlena *
summary_builder_flat(SummaryBuilder *b)
{
	struct varlena *vl = cached_flat(b);
	struct varlena *copy = palloc(VARSIZE(vl));

	memcpy(copy, vl, VARSIZE(vl));
	return copy;
}

/* ---------------------------------------------------------------- arguments */

static void
corrupted(const char *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid mlmon.check_summary value"),
			 errdetail("%s", err)));
}

void
summary_open_varlena(struct varlena *vl, mlm_summary_wire *w)
{
	char		err[256];

	if (mlm_summary_open(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl), w, err, sizeof(err)) != 0)
		corrupted(err);
}

void
summary_arg(FunctionCallInfo fcinfo, int argno, mlm_summary_wire *w)
{
	summary_open_varlena(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)), w);
}

bool
summary_section(const mlm_summary_wire *w, uint32 id, mlm_section *out)
{
	const mlm_section_ref *r = mlm_summary_find(w, id);
	char		err[256];

	if (r == NULL)
		return false;
	if (mlm_summary_section(r, out, err, sizeof(err)) != 0)
		corrupted(err);
	return true;
}
