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
	int32		permutations;	/* tvd(..., permutations)'s argument, 0: another aggregate */
} CategoryCounts;

/*
 * The counts of a categorical aggregate's final function, sorted by
 * category; false when the aggregate saw no rows.  real_state: the state
 * is a mlmon.category_state (else internal: the sliding-window forms, and
 * 0.2.0's aggregates).
 */
extern bool category_final_counts(FunctionCallInfo fcinfo, bool real_state, CategoryCounts *cc);

/*
 * The transition of tvd(..., permutations): state (an expanded
 * mlmon.category_state just returned by a categorical transition) keeps
 * the number of permutations; an error when a row gives another number.
 */
extern Datum category_state_with_permutations(Datum state, int32 permutations);

/* One sorted list of categories with counts (a profile's, or an aggregate's). */
typedef struct CategoryList
{
	int64		n;
	const char **key;
	const int32 *len;
	const int64 *count;
	int64		other;			/* values of unlisted categories (sketched profiles) */
} CategoryList;

/*
 * cc's bins: the union of the reference and current lists in byte order,
 * plus a last bin (NULL key) holding the "other" values when either has
 * some.  Counts and totals are filled; options are left alone.
 */
extern void category_union(const CategoryList *ref, const CategoryList *cur, CategoryCounts *cc);

/* The category list of a checked categorical profile (palloc'd key array). */
struct mlm_profile_view;
extern void category_list_of_profile(const struct mlm_profile_view *v, CategoryList *l);

#endif
