/*
 * catalogue_categorical.h: the categorical tests of the drift-test
 * catalogue (G-test, Fisher's exact test, TVD) as mlmon.test_result values,
 * from counts per category: shared by their aggregates
 * (agg_catalogue_categorical.c) and their profile forms (profile_drift.c).
 */
#ifndef MLMON_CATALOGUE_CATEGORICAL_H
#define MLMON_CATALOGUE_CATEGORICAL_H

#include "category_state.h"
#include "core/tvd.h"

#define TVD_DEFAULT_PERMUTATIONS MLM_TVD_DEFAULT_PERMUTATIONS
#define TVD_MAX_PERMUTATIONS MLM_TVD_MAX_PERMUTATIONS

/* G-test of the counts (NULL statistic and p-value when a sample is empty). */
extern Datum catalogue_g_test_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc);

/* Fisher's exact test of at most two categories (an error for more). */
extern Datum catalogue_fisher_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc);

/* TVD with its permutation p-value over `permutations` relabellings (seed 0). */
extern Datum catalogue_tvd_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc, int32 permutations);

/* Error out unless permutations is a number of relabellings tvd accepts. */
extern void catalogue_check_permutations(bool isnull, int32 permutations);

#endif
