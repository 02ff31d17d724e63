/*
 * agg_mmd.c: mlmon.mmd, Evidently's empirical maximum mean discrepancy drift
 * test made reproducible (core/mmd.c): the final function of the
 * aggregates over mlmon.sample_state (value, is_current) and (value,
 * reference profile), and the (reference profile, current profile) form.
 * The kernel needs every value, so sketched profiles are refused; exact
 * profiles give exactly the row form's result (the core works on distinct
 * values with counts either way).
 */
#include "sample_state.h"

#include "core/mmd.h"
#include "profile.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_mmd_state_final);
PG_FUNCTION_INFO_V1(mlm_mmd_profiles);

/* Error out for a sketched profile: the kernel needs every value. */
static void
require_exact(const mlm_profile_hdr *h, const char *what)
{
	if (h != NULL && h->mode != MLM_PROFILE_EXACT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("mlmon.mmd needs an exact %s profile", what),
				 errdetail("The kernel of the test needs every value; a sketched profile keeps only a summary."),
				 errhint("Build the profile with a larger exact cap (mlmon.profile_exact_cap), or pass the rows.")));
}

/*
 * The test_result of two sorted samples: NULL statistic and p-value when
 * either has fewer than 2 values (Evidently divides by n(n-1) = 0 there).
 */
static Datum
mmd_result(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b)
{
	mlm_test_outcome r;

	switch (mlm_mmd(a, b, MLM_MMD_PERMUTATIONS, MLM_MMD_SEED, &r))
	{
		case MLM_MMD_OK:
			return test_result_datum(fcinfo, a->n, b->n, &r);
		case MLM_MMD_TOO_FEW:
			return test_result_datum(fcinfo, a->n, b->n, NULL);
		case MLM_MMD_TOO_MANY_ROWS:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many values for mlmon.mmd"),
					 errdetail("The samples hold %lld values together; the limit is %d.",
							   (long long) (a->n + b->n), MLM_MMD_MAX_ROWS),
					 errhint("Test a sample of the rows, for example with TABLESAMPLE.")));
			break;
		case MLM_MMD_TOO_MANY_DISTINCT:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct values for mlmon.mmd"),
					 errdetail("The samples hold more than %d distinct values together.", MLM_MMD_MAX_DISTINCT),
					 errhint("Test a sample of the rows, for example with TABLESAMPLE.")));
			break;
		case MLM_MMD_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("values too far apart for the kernel of mlmon.mmd"),
					 errdetail("The median squared difference of the reference values exceeds the largest float8.")));
			break;
		case MLM_MMD_NO_MEMORY:
			break;
	}
	elog(ERROR, "mlm_mmd failed");
	return (Datum) 0;
}

/*
 * mlm_mmd_state_final(mlmon.sample_state) returns mlmon.test_result: NULL
 * without values; the sizes with NULL statistic and p-value when a sample
 * has fewer than 2 values.
 */
Datum
mlm_mmd_state_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_state(fcinfo, true);
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	a = sample_reference(st, &hdr);
	require_exact(hdr, "reference");
	b = SAMPLE_WS(&st->cur);
	if (a.n == 0 && b.n == 0)
		PG_RETURN_NULL();
	return mmd_result(fcinfo, &a, &b);
}

/* mlm_mmd_profiles(reference mlmon.profile, current mlmon.profile) returns mlmon.test_result */
Datum
mlm_mmd_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;

	profile_arg(fcinfo, 0, &ref);
	profile_arg(fcinfo, 1, &cur);
	profile_require_kind(&ref, MLM_PROFILE_NUMERIC, "reference");
	profile_require_kind(&cur, MLM_PROFILE_NUMERIC, "current");
	require_exact(ref.view.h, "reference");
	require_exact(cur.view.h, "current");
	if (ref.view.h->count == 0 && cur.view.h->count == 0)
		PG_RETURN_NULL();
	a = profile_view_sample(&ref.view);
	b = profile_view_sample(&cur.view);
	return mmd_result(fcinfo, &a, &b);
}
