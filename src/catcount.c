/*
 * catcount.c: a simplehash table of categories with two counts each.
 * Category bytes live in a bump arena whose blocks grow from 64 bytes to
 * 8 kB, so a counter with a handful of categories stays small (states of
 * GROUP BY aggregates with many groups).
 */
#include "catcount.h"

#include "common/hashfn.h"
#include "utils/memutils.h"

#define ARENA_FIRST 64
#define ARENA_MAX 8192

#define SH_PREFIX cathash
#define SH_ELEMENT_TYPE CatEntry
#define SH_KEY_TYPE CatKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

void
catcount_init(CatCounter *cc, MemoryContext mcxt)
{
	memset(cc, 0, sizeof(*cc));
	cc->mcxt = mcxt;
	cc->table = cathash_create(mcxt, 4, NULL);
	cc->arena_next = ARENA_FIRST;
}

/* Copy category bytes into the arena. */
static const char *
arena_copy(CatCounter *cc, const char *data, int32 len)
{
	char	   *p;

	if (len == 0)
		return "";
	if ((Size) len > cc->arena_left)
	{
		Size		sz = Max((Size) len, cc->arena_next);

		cc->arena = MemoryContextAlloc(cc->mcxt, sz);
		cc->arena_left = sz;
		cc->arena_next = Min(cc->arena_next * 2, ARENA_MAX);
	}
	p = cc->arena;
	memcpy(p, data, len);
	cc->arena += len;
	cc->arena_left -= len;
	return p;
}

void
catcount_add(CatCounter *cc, const char *data, int32 len, int64 c0, int64 c1)
{
	CatKey		k;
	CatEntry   *e;
	bool		found;

	k.data = data;
	k.len = len;
	e = cathash_insert(cc->table, k, &found);
	if (!found)
	{
		e->key.data = arena_copy(cc, data, len);
		e->key.len = len;
		e->c[0] = 0;
		e->c[1] = 0;
		cc->key_bytes += len;
	}
	e->c[0] += c0;
	e->c[1] += c1;
}

int64
catcount_size(const CatCounter *cc)
{
	return cc->table->members;
}

CatEntry *
catcount_next(CatCounter *cc, uint64 *it)
{
	/* simplehash's own iterator walks the buckets; keep its position in *it */
	while (*it < cc->table->size)
	{
		CatEntry   *e = &cc->table->data[(*it)++];

		if (e->status == cathash_SH_IN_USE)
			return e;
	}
	return NULL;
}

int
catcount_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* qsort comparator of entry pointers by category. */
static int
entry_cmp(const void *a, const void *b)
{
	const CatEntry *x = *(const CatEntry *const *) a;
	const CatEntry *y = *(const CatEntry *const *) b;

	return catcount_cmp(x->key.data, x->key.len, y->key.data, y->key.len);
}

CatEntry **
catcount_sorted(CatCounter *cc)
{
	int64		n = catcount_size(cc);
	CatEntry  **entries = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(CatEntry *) * Max(n, 1));
	uint64		it = 0;
	int64		k = 0;
	CatEntry   *e;

	while ((e = catcount_next(cc, &it)) != NULL)
		entries[k++] = e;
	Assert(k == n);
	qsort(entries, k, sizeof(CatEntry *), entry_cmp);
	return entries;
}

void
catcount_drop_empty(CatCounter *cc)
{
	struct cathash_hash *old = cc->table;
	uint64		it = 0;
	CatEntry   *e;

	cc->table = cathash_create(cc->mcxt, Max(4, old->members), NULL);
	cc->key_bytes = 0;
	while (it < old->size)
	{
		e = &old->data[it++];
		if (e->status != cathash_SH_IN_USE || (e->c[0] <= 0 && e->c[1] <= 0))
			continue;
		{
			bool		found;
			CatEntry   *n = cathash_insert(cc->table, e->key, &found);

			n->key = e->key;	/* the bytes stay in the arena */
			n->c[0] = e->c[0];
			n->c[1] = e->c[1];
			cc->key_bytes += e->key.len;
		}
	}
	cathash_destroy(old);
}
