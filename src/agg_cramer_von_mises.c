/*
 * agg_cramer_von_mises.c: mlmon.cramer_von_mises, the two-sample
 * Cramer-von Mises test (scipy.stats.cramervonmises_2samp), over the
 * numeric two-sample state mlmon.sample_state.
 *
 * The (value, is_current) form uses the shared transition of the numeric
 * statistics.  The form with a method has its own transition: it parses
 * the method, lets the shared transition add the row, and keeps the method
 * in the state's options (the KS method field: 'auto', 'exact', 'asymp'),
 * which the state's binary form carries to the combine function, so
 * parallel and Citus plans see it.
 */
#include "sample_state.h"

#include <math.h>

#include "utils/builtins.h"

#include "catalogue_numeric.h"
#include "core/cvm.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_cvm_state_accum);
PG_FUNCTION_INFO_V1(mlm_cvm_state_final);

/* The shared transition of the numeric statistics (sample_state.c). */
extern Datum mlm_sample_state_accum(PG_FUNCTION_ARGS);

/* The method argument: 'auto', 'exact' or 'asymptotic' (SciPy's names). */
static mlm_ks_method
cvm_method_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("method must not be null")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(s, "auto") == 0)
		return MLM_KS_AUTO;
	if (strcmp(s, "exact") == 0)
		return MLM_KS_EXACT;
	if (strcmp(s, "asymptotic") == 0)
		return MLM_KS_ASYMP;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid method \"%s\"", s),
			 errhint("Valid methods are \"auto\", \"exact\" and \"asymptotic\".")));
	return MLM_KS_AUTO;			/* keep compiler quiet */
}

/*
 * mlm_cvm_state_accum(mlmon.sample_state, value float8, is_current boolean, method text):
 * the shared transition, then the method kept in (or checked against) the state.
 */
Datum
mlm_cvm_state_accum(PG_FUNCTION_ARGS)
{
	mlm_ks_method method = cvm_method_arg(fcinfo, 3);
	bool		first = PG_ARGISNULL(0);
	Datum		result;
	SampleState *st;
	int			i;

	{
		LOCAL_FCINFO(inner, 3);

		InitFunctionCallInfoData(*inner, fcinfo->flinfo, 3, fcinfo->fncollation, fcinfo->context, NULL);
		for (i = 0; i < 3; i++)
			inner->args[i] = fcinfo->args[i];
		result = mlm_sample_state_accum(inner);
	}
	{
		LOCAL_FCINFO(state, 1);

		InitFunctionCallInfoData(*state, NULL, 1, InvalidOid, NULL, NULL);
		state->args[0].value = result;
		state->args[0].isnull = false;
		st = sample_final_state(state, true);
	}
	if (first)
		st->opts.method = method;
	else if (st->opts.method != method)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of a drift statistic must be the same for every row"),
				 errhint("Pass constants for the alternative, method, bins and binning arguments.")));
	PG_RETURN_DATUM(result);
}

Datum
cvm_result_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
				 mlm_ks_method ks_method, bool sketch)
{
	mlm_test_outcome r;
	mlm_cvm_method method;
	int			rc;

	if (a->n == 0 && b->n == 0)
		PG_RETURN_NULL();
	switch (ks_method)
	{
		case MLM_KS_EXACT:
			method = MLM_CVM_EXACT;
			break;
		case MLM_KS_ASYMP:
			method = MLM_CVM_ASYMP;
			break;
		default:
			method = MLM_CVM_AUTO;
			break;
	}
	/* a sketch: the statistic only (the asymptotic path computes no exact distribution) */
	rc = mlm_cvm_test(a, b, sketch ? MLM_CVM_ASYMP : method, &r);
	if (rc == MLM_CVM_EXACT_TOO_LARGE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("samples too large for the exact Cramer-von Mises distribution"),
				 errdetail("The samples have " INT64_FORMAT " and " INT64_FORMAT " values; the exact distribution is computed while n1 * n2 * lcm(n1, n2) is at most %.0f.",
						   a->n, b->n, MLM_CVM_EXACT_MAX_WORK),
				 errhint("Use method \"asymptotic\" or \"auto\".")));
	if (rc == MLM_CVM_TOO_MANY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("samples too large for the Cramer-von Mises statistic"),
				 errdetail("The samples have " INT64_FORMAT " and " INT64_FORMAT " values; the statistic is computed exactly for at most " INT64_FORMAT " values.",
						   a->n, b->n, (int64) MLM_CVM_MAX_VALUES)));
	if (rc == MLM_CVM_NO_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("The exact Cramer-von Mises distribution did not fit in memory.")));
	if (rc == MLM_CVM_OK && sketch)
	{
		r.pvalue = r.log_pvalue = NAN;
		r.method = "sketch";
	}
	return test_result_datum(fcinfo, a->n, b->n, rc == MLM_CVM_OK ? &r : NULL);
}

/*
 * mlm_cvm_state_final(mlmon.sample_state) returns mlmon.test_result: NULL
 * without values; NULL statistic, p-value and method when a sample has
 * fewer than two values (SciPy raises an error there).  The reference is
 * the rows' or a reference profile's (sketched: no p-value).
 */
Datum
mlm_cvm_state_final(PG_FUNCTION_ARGS)
{
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;
	bool		sketch;
	SampleState *st = sample_final_pair(fcinfo, &a, &b, &hdr, &sketch);

	if (st == NULL)
		PG_RETURN_NULL();
	return cvm_result_datum(fcinfo, &a, &b, st->opts.method, sketch);
}
