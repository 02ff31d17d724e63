/*
 * catcount.h: counting categories (byte strings) with two counters each,
 * in memory that grows with the number of distinct categories.
 */
#ifndef MLMON_CATCOUNT_H
#define MLMON_CATCOUNT_H

#include "postgres.h"

typedef struct CatKey
{
	const char *data;
	int32		len;
} CatKey;

typedef struct CatEntry
{
	CatKey		key;
	uint32		hash;
	char		status;
	int64		c[2];			/* two counts, e.g. reference and current */
} CatEntry;

typedef struct CatCounter
{
	MemoryContext mcxt;
	struct cathash_hash *table;
	char	   *arena;			/* free space for category bytes */
	Size		arena_left;
	Size		arena_next;		/* size of the next arena block */
	Size		key_bytes;		/* bytes of all categories */
} CatCounter;

/* An empty counter in mcxt. */
extern void catcount_init(CatCounter *cc, MemoryContext mcxt);

/* Add c0 and c1 to category data[0..len). */
extern void catcount_add(CatCounter *cc, const char *data, int32 len, int64 c0, int64 c1);

/* Number of distinct categories. */
extern int64 catcount_size(const CatCounter *cc);

/* Iterate: call with *it = 0 first; returns NULL at the end. */
extern CatEntry *catcount_next(CatCounter *cc, uint64 *it);

/* The entries sorted by category bytes (shorter first on a common prefix), palloc'd. */
extern CatEntry **catcount_sorted(CatCounter *cc);

/* Byte order of two categories: memcmp on the common prefix, then shorter first. */
extern int	catcount_cmp(const char *a, int32 alen, const char *b, int32 blen);

/* Remove entries whose both counts are zero or less (rebuilds the table). */
extern void catcount_drop_empty(CatCounter *cc);

#endif
