/*
 * category_state.h: aggregate state counting the categories of a text
 * feature in the reference and current samples, shared by the categorical
 * drift statistics.
 */
#ifndef MLMON_CATEGORY_STATE_H
#define MLMON_CATEGORY_STATE_H

#include "postgres.h"

#include "fmgr.h"

#include "options.h"

/* Per-category counts, sorted by category bytes, as final functions see them. */
typedef struct CategoryCounts
{
	int64		k;				/* number of categories */
	int64	   *ref;
	int64	   *cur;
	const char **key;			/* category bytes (not NUL-terminated) */
	int32	   *keylen;
	int64		n_ref;
	int64		n_cur;
	StatOptions opts;
} CategoryCounts;

/*
 * The counts of a categorical aggregate's final function, sorted by
 * category; false when the aggregate saw no rows.
 */
extern bool category_final_counts(FunctionCallInfo fcinfo, CategoryCounts *cc);

#endif
