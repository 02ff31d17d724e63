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
PG_FUNCTION_INFO_V1(mlm_chi2_state_final);
PG_FUNCTION_INFO_V1(mlm_psi_categorical_state_final);
PG_FUNCTION_INFO_V1(mlm_js_categorical_state_final);
PG_FUNCTION_INFO_V1(mlm_z_test_state_final);

/*
 * chi2_final: mlmon.chi2_result: NULL without rows;
 * NULL statistic, p-value and dof when one sample is empty.
 */
static Datum
chi2_final(FunctionCallInfo fcinfo, bool real_state)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, real_state, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	return categorical_chi2_datum(fcinfo, &cc, cc.opts.chi2_method);
}

/* psi_categorical_final: float8; NULL when either sample is empty. */
static Datum
psi_categorical_final(FunctionCallInfo fcinfo, bool real_state)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, real_state, &cc))
		PG_RETURN_NULL();
	return categorical_divergence_datum(fcinfo, &cc, mlm_psi_counts);
}

/* js_categorical_final: float8; NULL when either sample is empty. */
static Datum
js_categorical_final(FunctionCallInfo fcinfo, bool real_state)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, real_state, &cc))
		PG_RETURN_NULL();
	return categorical_divergence_datum(fcinfo, &cc, mlm_js_counts);
}

/*
 * z_test_final: mlmon.z_result: the proportion tested
 * is that of the reference's first category in byte order (categories only
 * the current sample has are pooled with the other).  A reference with more
 * than two categories is an error.
 */
static Datum
z_test_final(FunctionCallInfo fcinfo, bool real_state)
{
	CategoryCounts cc;

	if (!category_final_counts(fcinfo, real_state, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	return categorical_z_datum(fcinfo, &cc);
}

/* The entry points: internal states (the sliding-window forms, 0.2.0's aggregates) and mlmon.category_state. */
Datum
mlm_chi2_final(PG_FUNCTION_ARGS)
{
	return chi2_final(fcinfo, false);
}

Datum
mlm_chi2_state_final(PG_FUNCTION_ARGS)
{
	return chi2_final(fcinfo, true);
}

Datum
mlm_psi_categorical_final(PG_FUNCTION_ARGS)
{
	return psi_categorical_final(fcinfo, false);
}

Datum
mlm_psi_categorical_state_final(PG_FUNCTION_ARGS)
{
	return psi_categorical_final(fcinfo, true);
}

Datum
mlm_js_categorical_final(PG_FUNCTION_ARGS)
{
	return js_categorical_final(fcinfo, false);
}

Datum
mlm_js_categorical_state_final(PG_FUNCTION_ARGS)
{
	return js_categorical_final(fcinfo, true);
}

Datum
mlm_z_test_final(PG_FUNCTION_ARGS)
{
	return z_test_final(fcinfo, false);
}

Datum
mlm_z_test_state_final(PG_FUNCTION_ARGS)
{
	return z_test_final(fcinfo, true);
}
