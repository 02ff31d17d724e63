/*
 * drift_categorical.h: the categorical statistics as SQL results, from
 * counts per category (shared by the aggregates and the profile functions).
 */
#ifndef MLMON_DRIFT_CATEGORICAL_H
#define MLMON_DRIFT_CATEGORICAL_H

#include "category_state.h"
#include "core/divergence.h"

/* mlmon.chi2_result for the counts (NULL statistic when a sample is empty). */
extern Datum categorical_chi2_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc, Chi2Method method);

/* PSI or Jensen-Shannon of the counts; NULL when a sample is empty. */
extern Datum categorical_divergence_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc,
										  mlm_divergence_fn divergence);

/* mlmon.z_result for at most two categories. */
extern Datum categorical_z_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc);

#endif
