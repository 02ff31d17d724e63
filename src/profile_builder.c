/*
 * profile_builder.c: the expanded form of mlmon.profile.
 *
 * A profile is built row by row: numeric values go to a hash table of
 * distinct values with counts until there are more than `cap` of them,
 * then to a quantile sketch (core/qsketch.c); categories go to a counter
 * (catcount.c) until there are more than `cap`, then it is kept as a
 * frequent-items summary: when it holds more than 2 cap categories, the
 * (cap+1)-th largest count is subtracted from every counter and the
 * categories left with nothing are dropped (Misra and Gries; Agarwal et al.
 * show the summary stays mergeable).  The subtracted mass goes to the
 * "other" bucket and bounds every listed count's error.
 *
 * The count, NULLs, NaN and infinities, min, max, mean and the sum of
 * squared deviations are kept exactly beside, merged with Chan's formulas.
 */
#include "profile_builder.h"

#include <math.h>

#include "common/hashfn.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "core/sort.h"
#include "core/summation.h"

/* Distinct numbers with counts, keyed by the bits of the double. */
typedef struct NumEntry
{
	uint64		key;
	char		status;
	int64		count;
} NumEntry;

#define SH_PREFIX numhash
#define SH_ELEMENT_TYPE NumEntry
#define SH_KEY_TYPE uint64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) (k) ^ (uint32) ((k) >> 32) * 0x9e3779b9u)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct ProfileBuilder
{
	ExpandedObjectHeader hdr;
	int			kind;
	int			cap;
	int			mode;
	int64		count;
	int64		nulls;
	int64		nan;
	int64		posinf;
	int64		neginf;
	double		min;
	double		max;
	double		mean;
	double		m2;
	numhash_hash *nums;			/* numeric, exact */
	mlm_qsketch qs;				/* numeric, sketch */
	CatCounter	cats;			/* categorical: c[0] is the count */
	int64		other;			/* categorical sketch: mass of unlisted categories */
	double		cat_error;		/* categorical sketch: bound on each count's error */
	/* batched numbers (profile_builder_batch): kept here until sorted and counted in one go */
	double	   *pend;
	double	   *pendtmp;
	int64		npend;
	int64		pendalloc;		/* room in pend, growing up to pendcap */
	int64		pendcap;
	struct varlena *flat;		/* cached flat form, or NULL */
};

static Size builder_get_flat_size(ExpandedObjectHeader *eohptr);
static void builder_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods builder_methods = {
	builder_get_flat_size,
	builder_flatten_into
};

ProfileBuilder *
profile_builder_new(MemoryContext parent, int kind, int cap)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon profile", ALLOCSET_DEFAULT_SIZES);
	ProfileBuilder *b = (ProfileBuilder *) MemoryContextAllocZero(cxt, sizeof(ProfileBuilder));

	EOH_init_header(&b->hdr, &builder_methods, cxt);
	b->kind = kind;
	b->cap = cap;
	b->mode = MLM_PROFILE_EXACT;
	b->min = b->max = b->mean = b->m2 = get_float8_nan();
	if (kind == MLM_PROFILE_NUMERIC)
		b->nums = numhash_create(cxt, 8, NULL);
	else
		catcount_init(&b->cats, cxt);
	return b;
}

ProfileBuilder *
profile_builder_from_datum(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &builder_methods)
		return NULL;
	return (ProfileBuilder *) eoh;
}

Datum
profile_builder_datum(ProfileBuilder *b)
{
	return EOHPGetRWDatum(&b->hdr);
}

int
profile_builder_kind(const ProfileBuilder *b)
{
	return b->kind;
}

int
profile_builder_cap(const ProfileBuilder *b)
{
	return b->cap;
}

/* Forget the cached flat form after a change. */
static inline void
changed(ProfileBuilder *b)
{
	if (b->flat)
	{
		pfree(b->flat);
		b->flat = NULL;
	}
}

void
profile_builder_add_null(ProfileBuilder *b)
{
	changed(b);
	b->nulls++;
}

/* Chan's merge of (count, mean, m2, min, max) of finite values. */
static void
merge_moments(ProfileBuilder *b, int64 n2, double mean2, double m22, double min2, double max2)
{
	int64		n1 = b->count;

	if (n2 == 0)
		return;
	if (n1 == 0)
	{
		b->mean = mean2;
		b->m2 = m22;
		b->min = min2;
		b->max = max2;
	}
	else
	{
		double		n = (double) n1 + (double) n2;
		double		delta = mean2 - b->mean;

		b->mean += delta * ((double) n2 / n);
		b->m2 += m22 + delta * delta * ((double) n1 * (double) n2 / n);
		if (min2 < b->min)
			b->min = min2;
		if (max2 > b->max)
			b->max = max2;
	}
	b->count = n1 + n2;
}

/* Turn an exact numeric builder into a sketch: its distinct values in ascending order, with their counts. */
static void
numeric_to_sketch(ProfileBuilder *b)
{
	int64		n = b->nums->members;
	double	   *v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));
	int64	   *c = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	NumEntry  **order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(NumEntry *) * Max(n, 1));
	double	   *tmp = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));
	numhash_iterator it;
	NumEntry   *e;
	int64		i = 0;
	double	   *sorted;
	MemoryContext old;

	numhash_start_iterate(b->nums, &it);
	while ((e = numhash_iterate(b->nums, &it)) != NULL)
	{
		memcpy(&v[i], &e->key, sizeof(double));
		order[i++] = e;
	}
	/* sort the values, then look their counts up again */
	sorted = mlm_sort_doubles(v, tmp, (size_t) n);
	for (i = 0; i < n; i++)
	{
		uint64		key;

		memcpy(&key, &sorted[i], sizeof(uint64));
		c[i] = numhash_lookup(b->nums, key)->count;
	}
	old = MemoryContextSwitchTo(b->hdr.eoh_context);
	mlm_qs_init(&b->qs, mlm_qs_k_for_cap(b->cap));
	for (i = 0; i < n; i++)
		mlm_qs_add(&b->qs, sorted[i], c[i]);
	MemoryContextSwitchTo(old);
	numhash_destroy(b->nums);
	b->nums = NULL;
	b->mode = MLM_PROFILE_SKETCH;
	pfree(v);
	pfree(c);
	pfree(order);
	pfree(tmp);
}

/* Add `count` copies of finite v to the distribution (not the moments). */
static void
add_numeric_mass(ProfileBuilder *b, double v, int64 count)
{
	if (b->mode == MLM_PROFILE_EXACT)
	{
		uint64		key;
		bool		found;
		NumEntry   *e;

		memcpy(&key, &v, sizeof(key));
		e = numhash_insert(b->nums, key, &found);
		if (!found)
			e->count = 0;
		e->count += count;
		if (b->nums->members > (uint32) b->cap)
			numeric_to_sketch(b);
	}
	else
	{
		MemoryContext old = MemoryContextSwitchTo(b->hdr.eoh_context);

		mlm_qs_add(&b->qs, v, count);
		MemoryContextSwitchTo(old);
	}
}

void
profile_builder_batch(ProfileBuilder *b, int64 n)
{
	Assert(b->kind == MLM_PROFILE_NUMERIC && b->pend == NULL && n > 0);
	b->pendcap = n;
}

/*
 * An empty exact builder given the ascending v[0..n): when v has more than
 * cap distinct values the builder would take them into its hash one run at
 * a time until the (cap + 1)-th, then turn into a sketch of those runs added
 * in ascending order (numeric_to_sketch).  Build that sketch from the runs
 * directly: the same additions in the same order, without the hash (what a
 * small profile per group, one per segment, spent most of its time on).
 * Returns how many of v the sketch took (0: fewer distinct values than that,
 * nothing done).
 */
static int64
sketch_from_runs(ProfileBuilder *b, const double *v, int64 n)
{
	int64		runs = 0,
				i,
				j;
	MemoryContext old;

	for (i = 0; i < n && runs <= b->cap; i = j)
	{
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		runs++;
	}
	if (runs <= b->cap)
		return 0;
	old = MemoryContextSwitchTo(b->hdr.eoh_context);
	mlm_qs_init(&b->qs, mlm_qs_k_for_cap(b->cap));
	for (i = 0, runs = 0; runs <= b->cap; i = j, runs++)
	{
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		mlm_qs_add(&b->qs, v[i], j - i);
	}
	MemoryContextSwitchTo(old);
	numhash_destroy(b->nums);
	b->nums = NULL;
	b->mode = MLM_PROFILE_SKETCH;
	return i;
}

/*
 * Count the batched numbers: sort them once, merge their moments (mean and
 * squared deviations of the batch, by Chan's formulas), and add them to the
 * distribution run by run while it is exact, as one sorted run once it is a
 * sketch (mlm_qs_add_sorted: no further sorting).
 */
static void
flush_batch(ProfileBuilder *b)
{
	double	   *v;
	int64		n = b->npend,
				i;
	double		mean;
	mlm_ksum	m2 = {0, 0};
	MemoryContext old;

	if (n == 0)
		return;
	b->npend = 0;
	v = mlm_sort_doubles(b->pend, b->pendtmp, (size_t) n);
	mean = mlm_pairwise_sum(v, n) / (double) n;
	for (i = 0; i < n; i++)
		mlm_ksum_add(&m2, (v[i] - mean) * (v[i] - mean));
	merge_moments(b, n, mean, mlm_ksum_value(&m2), v[0], v[n - 1]);
	i = 0;
	if (b->mode == MLM_PROFILE_EXACT && b->nums->members == 0)
		i = sketch_from_runs(b, v, n);
	while (i < n && b->mode == MLM_PROFILE_EXACT)
	{
		int64		j = i + 1;

		while (j < n && v[j] == v[i])
			j++;
		add_numeric_mass(b, v[i], j - i);
		i = j;
	}
	if (i < n)
	{
		old = MemoryContextSwitchTo(b->hdr.eoh_context);
		mlm_qs_add_sorted(&b->qs, v + i, n - i);
		MemoryContextSwitchTo(old);
	}
}

void
profile_builder_add_number(ProfileBuilder *b, double v)
{
	double		delta;

	Assert(b->kind == MLM_PROFILE_NUMERIC);
	changed(b);
	if (b->pendcap > 0 && isfinite(v))
	{
		if (b->npend == b->pendalloc)
		{
			/* the buffer grows with the batch: many small profiles stay small */
			if (b->npend == b->pendcap)
				flush_batch(b);
			else
			{
				b->pendalloc = Min(b->pendcap, Max(256, 2 * b->pendalloc));
				b->pend = b->pend ? repalloc_huge(b->pend, sizeof(double) * b->pendalloc)
					: MemoryContextAllocHuge(b->hdr.eoh_context, sizeof(double) * b->pendalloc);
				b->pendtmp = b->pendtmp ? repalloc_huge(b->pendtmp, sizeof(double) * b->pendalloc)
					: MemoryContextAllocHuge(b->hdr.eoh_context, sizeof(double) * b->pendalloc);
			}
		}
		b->pend[b->npend++] = v + 0.0;	/* -0.0 counts as 0.0 */
		return;
	}
	if (isnan(v))
	{
		b->nan++;
		return;
	}
	if (isinf(v))
	{
		if (v > 0)
			b->posinf++;
		else
			b->neginf++;
		return;
	}
	v += 0.0;					/* -0.0 counts as 0.0 */
	/* Welford's update of the moments */
	b->count++;
	if (b->count == 1)
	{
		b->mean = v;
		b->m2 = 0.0;
		b->min = b->max = v;
	}
	else
	{
		delta = v - b->mean;
		b->mean += delta / (double) b->count;
		b->m2 += delta * (v - b->mean);
		if (v < b->min)
			b->min = v;
		if (v > b->max)
			b->max = v;
	}
	add_numeric_mass(b, v, 1);
}

/* The (k+1)-th largest count among the categories (k < number of categories). */
static int64
kth_largest_plus_one(ProfileBuilder *b, int k)
{
	int64		n = catcount_size(&b->cats);
	int64	   *c = palloc(sizeof(int64) * n);
	uint64		it = 0;
	CatEntry   *e;
	int64		i = 0,
				lo,
				hi;

	while ((e = catcount_next(&b->cats, &it)) != NULL)
		c[i++] = e->c[0];
	/* quickselect for the element of rank k in descending order */
	lo = 0;
	hi = n - 1;
	while (lo < hi)
	{
		int64		pivot = c[lo + (hi - lo) / 2];
		int64		l = lo,
					r = hi;

		while (l <= r)
		{
			while (c[l] > pivot)
				l++;
			while (c[r] < pivot)
				r--;
			if (l <= r)
			{
				int64		t = c[l];

				c[l] = c[r];
				c[r] = t;
				l++;
				r--;
			}
		}
		if (k <= r)
			hi = r;
		else if (k >= l)
			lo = l;
		else
			break;
	}
	i = c[k];
	pfree(c);
	return i;
}

/* Keep a categorical sketch within 2 cap categories (see the file header). */
static void
reduce_categories(ProfileBuilder *b)
{
	int64		t;
	uint64		it = 0;
	CatEntry   *e;

	if (catcount_size(&b->cats) <= 2 * (int64) b->cap)
		return;
	t = kth_largest_plus_one(b, b->cap);
	while ((e = catcount_next(&b->cats, &it)) != NULL)
	{
		int64		take = Min(e->c[0], t);

		e->c[0] -= take;
		b->other += take;
	}
	b->cat_error += (double) t;
	catcount_drop_empty(&b->cats);
}

void
profile_builder_add_category(ProfileBuilder *b, const char *data, int32 len)
{
	Assert(b->kind == MLM_PROFILE_CATEGORICAL);
	changed(b);
	b->count++;
	catcount_add(&b->cats, data, len, 1, 0);
	if (b->mode == MLM_PROFILE_EXACT && catcount_size(&b->cats) > b->cap)
		b->mode = MLM_PROFILE_SKETCH;
	if (b->mode == MLM_PROFILE_SKETCH)
		reduce_categories(b);
}

void
profile_builder_merge(ProfileBuilder *b, const mlm_profile_view *v)
{
	const mlm_profile_hdr *h = v->h;
	int64		i;

	if (h->kind != b->kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot merge a %s profile into a %s profile",
						h->kind == MLM_PROFILE_NUMERIC ? "numeric" : "categorical",
						b->kind == MLM_PROFILE_NUMERIC ? "numeric" : "categorical")));
	changed(b);
	flush_batch(b);
	b->nulls += h->nulls;
	if (h->cap < b->cap)
		b->cap = h->cap;

	if (b->kind == MLM_PROFILE_NUMERIC)
	{
		b->nan += h->nan;
		b->posinf += h->posinf;
		b->neginf += h->neginf;
		merge_moments(b, h->count, h->mean, h->m2, h->min, h->max);
		if (h->mode == MLM_PROFILE_EXACT)
		{
			for (i = 0; i < h->nentries; i++)
				add_numeric_mass(b, v->values[i], v->counts[i]);
		}
		else
		{
			mlm_qsketch other;
			MemoryContext old;

			if (b->mode == MLM_PROFILE_EXACT)
				numeric_to_sketch(b);
			old = MemoryContextSwitchTo(b->hdr.eoh_context);
			mlm_qs_load(&other, b->qs.k, v);
			mlm_qs_merge(&b->qs, &other);
			mlm_qs_free(&other);
			MemoryContextSwitchTo(old);
		}
	}
	else
	{
		const char *p = v->bytes;

		b->count += h->count;
		for (i = 0; i < h->nentries; i++)
		{
			catcount_add(&b->cats, p, v->lens[i], v->counts[i], 0);
			p += v->lens[i];
		}
		b->other += h->other;
		b->cat_error += h->rank_error;
		if (h->mode == MLM_PROFILE_SKETCH || catcount_size(&b->cats) > b->cap)
			b->mode = MLM_PROFILE_SKETCH;
		if (b->mode == MLM_PROFILE_SKETCH)
			reduce_categories(b);
	}
}

ProfileBuilder *
profile_builder_expand(MemoryContext parent, const mlm_profile_view *v)
{
	ProfileBuilder *b = profile_builder_new(parent, v->h->kind, v->h->cap);

	profile_builder_merge(b, v);
	return b;
}

/* Encode the builder into its flat varlena form (cached until the next change). */
static struct varlena *
build_flat(ProfileBuilder *b)
{
	mlm_profile_hdr h;
	Size		catbytes = 0;
	Size		size;
	struct varlena *vl;
	char	   *payload;
	MemoryContext old;

	if (b->flat)
		return b->flat;
	flush_batch(b);

	memset(&h, 0, sizeof(h));
	h.version = MLM_PROFILE_VERSION;
	h.kind = b->kind;
	h.mode = b->mode;
	h.cap = b->cap;
	h.count = b->count;
	h.nulls = b->nulls;
	h.nan = b->nan;
	h.posinf = b->posinf;
	h.neginf = b->neginf;
	h.min = b->min;
	h.max = b->max;
	h.mean = b->mean;
	h.m2 = b->m2;
	if (b->kind == MLM_PROFILE_NUMERIC && b->count == 0)
		h.min = h.max = h.mean = h.m2 = get_float8_nan();

	if (b->kind == MLM_PROFILE_NUMERIC && b->mode == MLM_PROFILE_EXACT)
		h.nentries = b->nums->members;
	else if (b->kind == MLM_PROFILE_NUMERIC)
	{
		h.nentries = mlm_qs_items(&b->qs);
		h.nlevels = b->qs.nlevels;
		h.parity = b->qs.parity;
		h.rank_error = b->qs.rank_error;
	}
	else
	{
		h.nentries = catcount_size(&b->cats);
		catbytes = b->cats.key_bytes;
		h.other = b->other;
		h.rank_error = b->mode == MLM_PROFILE_SKETCH ? b->cat_error : 0.0;
		h.min = h.max = h.mean = h.m2 = get_float8_nan();
	}

	size = mlm_profile_size(&h, catbytes, MaxAllocSize - PROFILE_HDRSZ);
	if (size == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("profile too large"),
				 errdetail("A profile is limited to 1 GB; this one holds " INT64_FORMAT " entries.", h.nentries),
				 errhint("Lower the exact cap (mlmon.profile_exact_cap) so that the profile becomes a sketch sooner.")));

	old = MemoryContextSwitchTo(b->hdr.eoh_context);
	vl = (struct varlena *) palloc0(size + PROFILE_HDRSZ);
	MemoryContextSwitchTo(old);
	SET_VARSIZE(vl, size + PROFILE_HDRSZ);
	payload = (char *) vl + PROFILE_HDRSZ;
	memcpy(payload, &h, sizeof(h));

	if (b->kind == MLM_PROFILE_NUMERIC && b->mode == MLM_PROFILE_EXACT)
	{
		double	   *values = (double *) (payload + sizeof(h));
		int64	   *counts = (int64 *) (values + h.nentries);
		double	   *tmp = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(h.nentries, 1));
		double	   *sorted;
		numhash_iterator it;
		NumEntry   *e;
		int64		i = 0;

		numhash_start_iterate(b->nums, &it);
		while ((e = numhash_iterate(b->nums, &it)) != NULL)
			memcpy(&values[i++], &e->key, sizeof(double));
		sorted = mlm_sort_doubles(values, tmp, (size_t) h.nentries);
		if (sorted != values)
			memcpy(values, sorted, sizeof(double) * h.nentries);
		pfree(tmp);
		for (i = 0; i < h.nentries; i++)
		{
			uint64		key;

			memcpy(&key, &values[i], sizeof(key));
			counts[i] = numhash_lookup(b->nums, key)->count;
		}
	}
	else if (b->kind == MLM_PROFILE_NUMERIC)
	{
		int64	   *level_len = (int64 *) (payload + sizeof(h));
		double	   *values = (double *) (level_len + h.nlevels);

		mlm_qs_export(&b->qs, level_len, values);
	}
	else
	{
		int64	   *counts = (int64 *) (payload + sizeof(h));
		int32	   *lens = (int32 *) (counts + h.nentries);
		char	   *bytes = (char *) lens + MLM_ALIGN8(sizeof(int32) * (Size) h.nentries);
		CatEntry  **entries = catcount_sorted(&b->cats);
		int64		i;

		for (i = 0; i < h.nentries; i++)
		{
			counts[i] = entries[i]->c[0];
			lens[i] = entries[i]->key.len;
			memcpy(bytes, entries[i]->key.data, entries[i]->key.len);
			bytes += entries[i]->key.len;
		}
		pfree(entries);
	}
	b->flat = vl;
	return vl;
}

struct varlena *
profile_builder_flat(ProfileBuilder *b)
{
	struct varlena *vl = build_flat(b);
	struct varlena *copy = (struct varlena *) palloc(VARSIZE(vl));

	memcpy(copy, vl, VARSIZE(vl));
	return copy;
}

static Size
builder_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(build_flat((ProfileBuilder *) eohptr));
}

static void
builder_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *vl = build_flat((ProfileBuilder *) eohptr);

	Assert(allocated_size == VARSIZE(vl));
	memcpy(result, vl, allocated_size);
}
