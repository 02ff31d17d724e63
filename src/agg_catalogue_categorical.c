/*
 * agg_catalogue_categorical.c: the categorical tests of the drift-test
 * catalogue, mlmon.g_test, mlmon.fisher_exact and mlmon.tvd: final
 * functions on mlmon.category_state (category_state.c counts the rows)
 * returning mlmon.test_result, and the transition of tvd's form with a
 * number of permutations.  The numerics are in src/core (gtest.c,
 * fisher.c, tvd.c).
 *
 * tvd(category, is_current, permutations) keeps the same state as every
 * categorical aggregate, with the number of permutations in it (checked
 * on every row, the same for all): its portable form carries the number
 * to the final function wherever that runs (a Citus coordinator, a
 * window).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "catalogue_categorical.h"
#include "category_state.h"
#include "core/fisher.h"
#include "core/gtest.h"
#include "core/splitmix64.h"
#include "core/tvd.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_g_test_final);
PG_FUNCTION_INFO_V1(mlm_fisher_exact_final);
PG_FUNCTION_INFO_V1(mlm_tvd_final);
PG_FUNCTION_INFO_V1(mlm_tvd_permutations_final);
PG_FUNCTION_INFO_V1(mlm_tvd_accum_text);
PG_FUNCTION_INFO_V1(mlm_tvd_accum_bool);
PG_FUNCTION_INFO_V1(mlm_tvd_accum_int8);

/* The transitions of the other categorical aggregates (category_state.c). */
extern Datum mlm_category_state_accum_text(PG_FUNCTION_ARGS);
extern Datum mlm_category_state_accum_bool(PG_FUNCTION_ARGS);
extern Datum mlm_category_state_accum_int8(PG_FUNCTION_ARGS);

/* The seed the generator restarts from on every call. */
#define TVD_SEED 0
/* Counts above this are not exact as float8, which Fisher's probabilities use. */
#define FISHER_MAX_TOTAL (INT64CONST(1) << 53)

/*
 * The counts of the aggregate's rows, categories seen in neither sample
 * dropped; false without rows.
 */
static bool
final_counts(FunctionCallInfo fcinfo, CategoryCounts *cc)
{
	int64		i,
				k = 0;

	if (!category_final_counts(fcinfo, true, cc))
		return false;
	for (i = 0; i < cc->k; i++)
		if (cc->ref[i] != 0 || cc->cur[i] != 0)
		{
			cc->ref[k] = cc->ref[i];
			cc->cur[k] = cc->cur[i];
			cc->key[k] = cc->key[i];
			cc->keylen[k] = cc->keylen[i];
			k++;
		}
	cc->k = k;
	return true;
}

/* mlmon.test_result of the G-test of the counts: NULL statistic and p-value when one sample is empty. */
Datum
catalogue_g_test_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc)
{
	mlm_test_outcome r;

	if (cc->n_ref == 0 || cc->n_cur == 0)
		return test_result_datum(fcinfo, cc->n_ref, cc->n_cur, NULL);
	mlm_g_test(cc->ref, cc->cur, cc->k, cc->n_ref, cc->n_cur, &r);
	return test_result_datum(fcinfo, cc->n_ref, cc->n_cur, &r);
}

/*
 * mlmon.test_result of Fisher's exact test of the counts: the 2x2 table
 * with rows (current, reference) and columns the two categories in byte
 * order; one category: NULL odds ratio, p = 1; more than two: an error.
 */
Datum
catalogue_fisher_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc)
{
	mlm_test_outcome r;

	if (cc->k > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Fisher's exact test needs a feature with at most two categories"),
				 errdetail("The samples have %lld distinct categories.", (long long) cc->k),
				 errhint("Use mlmon.g_test or mlmon.chi2_drift for features with more than two categories.")));
	if (cc->n_ref == 0 || cc->n_cur == 0)
		return test_result_datum(fcinfo, cc->n_ref, cc->n_cur, NULL);
	if (cc->n_ref > FISHER_MAX_TOTAL - cc->n_cur)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for Fisher's exact test"),
				 errdetail("The samples have %lld and %lld rows; at most 2^53 in all.",
						   (long long) cc->n_ref, (long long) cc->n_cur)));
	if (cc->k == 2)
		mlm_fisher_exact(cc->cur[0], cc->cur[1], cc->ref[0], cc->ref[1], &r);
	else
		mlm_fisher_exact(cc->cur[0], 0, cc->ref[0], 0, &r);
	return test_result_datum(fcinfo, cc->n_ref, cc->n_cur, &r);
}

/* mlm_g_test_final(mlmon.category_state): NULL without values. */
Datum
mlm_g_test_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!final_counts(fcinfo, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(catalogue_g_test_datum(fcinfo, &cc));
}

/* mlm_fisher_exact_final(mlmon.category_state): NULL without values. */
Datum
mlm_fisher_exact_final(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	if (!final_counts(fcinfo, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(catalogue_fisher_datum(fcinfo, &cc));
}

/* Error out unless permutations is a number of relabellings tvd accepts. */
void
catalogue_check_permutations(bool isnull, int32 permutations)
{
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of permutations must not be null")));
	if (permutations < 1 || permutations > TVD_MAX_PERMUTATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of permutations must be between 1 and %d", TVD_MAX_PERMUTATIONS),
				 errdetail("The value given is %d.", permutations)));
}

/*
 * mlmon.test_result of the TVD of the counts and its permutation p-value
 * with B = permutations relabellings: the share of relabellings whose
 * distance is at least the observed one (Evidently's estimator, no +1),
 * p = 0 possible (then ln p = -Infinity).  The generator restarts at seed
 * 0 on every call and categories are taken in byte order, so the same
 * counts always give the same p-value.
 */
Datum
catalogue_tvd_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc, int32 permutations)
{
	mlm_test_outcome r;
	mlm_splitmix64 g;
	unsigned __int128 observed;
	int64	   *total;
	int64		i,
				hits = 0;

	if (cc->n_ref == 0 || cc->n_cur == 0)
		return test_result_datum(fcinfo, cc->n_ref, cc->n_cur, NULL);
	total = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(cc->k, 1));
	for (i = 0; i < cc->k; i++)
		total[i] = cc->ref[i] + cc->cur[i];
	observed = mlm_tvd_numerator(cc->ref, cc->cur, cc->k, cc->n_ref, cc->n_cur);
	mlm_splitmix64_init(&g, TVD_SEED);
	for (i = 0; i < permutations; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (mlm_tvd_relabel_numerator(&g, total, cc->k, cc->n_ref, cc->n_cur) >= observed)
			hits++;
	}
	pfree(total);
	r.statistic = mlm_tvd_of_numerator(observed, cc->n_ref, cc->n_cur);
	r.pvalue = (double) hits / (double) permutations;
	r.log_pvalue = hits == 0 ? -(double) INFINITY : log(r.pvalue);
	r.method = "permutation";
	return test_result_datum(fcinfo, cc->n_ref, cc->n_cur, &r);
}

/*
 * The final functions of tvd: 1000 relabellings, or the number the rows
 * gave, kept in the state (no rows give NULL).
 */
static Datum
tvd_final(FunctionCallInfo fcinfo, bool permutations_given)
{
	CategoryCounts cc;
	int32		permutations = TVD_DEFAULT_PERMUTATIONS;

	if (!final_counts(fcinfo, &cc) || (cc.n_ref == 0 && cc.n_cur == 0))
		PG_RETURN_NULL();
	if (permutations_given)
	{
		if (cc.permutations == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("mlmon.category_state holds no number of permutations"),
					 errdetail("Only mlmon.tvd(category, is_current, permutations) makes a state with one.")));
		permutations = cc.permutations;
	}
	PG_RETURN_DATUM(catalogue_tvd_datum(fcinfo, &cc, permutations));
}

/* mlm_tvd_final(mlmon.category_state): 1000 relabellings (Evidently's number). */
Datum
mlm_tvd_final(PG_FUNCTION_ARGS)
{
	return tvd_final(fcinfo, false);
}

/* mlm_tvd_permutations_final(mlmon.category_state): the call's number of relabellings. */
Datum
mlm_tvd_permutations_final(PG_FUNCTION_ARGS)
{
	return tvd_final(fcinfo, true);
}

/*
 * tvd's transition with a number of permutations: check it, count the row
 * as every categorical aggregate does (the three-argument transition,
 * called with the first three arguments), and keep the number in the
 * state.
 */
static Datum
tvd_accum(FunctionCallInfo fcinfo, PGFunction accum)
{
	LOCAL_FCINFO(inner, 3);
	Datum		result;
	int			i;

	catalogue_check_permutations(PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3));
	InitFunctionCallInfoData(*inner, fcinfo->flinfo, 3, fcinfo->fncollation, fcinfo->context, NULL);
	for (i = 0; i < 3; i++)
		inner->args[i] = fcinfo->args[i];
	result = accum(inner);
	fcinfo->isnull = inner->isnull;
	return category_state_with_permutations(result, PG_GETARG_INT32(3));
}

/* mlm_tvd_accum_text(mlmon.category_state, category text, is_current boolean, permutations int) */
Datum
mlm_tvd_accum_text(PG_FUNCTION_ARGS)
{
	return tvd_accum(fcinfo, mlm_category_state_accum_text);
}

/* mlm_tvd_accum_bool(mlmon.category_state, category boolean, is_current boolean, permutations int) */
Datum
mlm_tvd_accum_bool(PG_FUNCTION_ARGS)
{
	return tvd_accum(fcinfo, mlm_category_state_accum_bool);
}

/* mlm_tvd_accum_int8(mlmon.category_state, category bigint, is_current boolean, permutations int) */
Datum
mlm_tvd_accum_int8(PG_FUNCTION_ARGS)
{
	return tvd_accum(fcinfo, mlm_category_state_accum_int8);
}
