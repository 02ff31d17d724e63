/*
 * agg_categorical.c: the categorical drift statistics on counts per
 * category: final functions of mlmon.chi2_drift, mlmon.psi(text, ...),
 * mlmon.jensen_shannon(text, ...) and mlmon.z_test (their results:
 * drift_categorical.c).
 */
#include "category_state.h"

#include "core/divergence.h"
#include "drift_categorical.h"

PG_FUNCTION_INFO_V1(mlm_chi2_final);
PG_FUNCTION_INFO_V1(mlm_psi_categorical_final);
PG_FUNCTION_INFO_V1(mlm_js_categorical_final);
PG_FUNCTION_INFO_V1(mlm_z_test_final);

/*
 * mlm_chi2_final(internal) returns mlmon.chi2_result: NULL without rows;
 * NULL statistic, p-value and dof when one sample is empty.
 */
Datum
mlm_chi2_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	return categorical_chi2_datum(fcinfo, &cc, cc.opts.chi2_method);
}

/* mlm_psi_categorical_final(internal) returns float8; NULL when either sample is empty. */
Datum
mlm_psi_categorical_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, &cc))
		PG_RETURN_NULL();
	return categorical_divergence_datum(fcinfo, &cc, mlm_psi_counts);
}

/* mlm_js_categorical_final(internal) returns float8; NULL when either sample is empty. */
Datum
mlm_js_categorical_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, &cc))
		PG_RETURN_NULL();
	return categorical_divergence_datum(fcinfo, &cc, mlm_js_counts);
}

/*
 * mlm_z_test_final(internal) returns mlmon.z_result: the proportion tested
 * is that of the reference's first category in byte order (categories only
 * the current sample has are pooled with the other).  A reference with more
 * than two categories is an error.
 */
Datum
mlm_z_test_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	return categorical_z_datum(fcinfo, &cc);
}
