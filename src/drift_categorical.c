/*
 * drift_categorical.c: the results of the categorical drift statistics
 * from counts per category (drift_categorical.h), shared by the aggregates
 * (agg_categorical.c) and the functions on two profiles (profile_drift.c).
 */
#include "category_state.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "core/chisq.h"
#include "core/divergence.h"
#include "core/ztest.h"
#include "drift_categorical.h"
#include "result_desc.h"

#define CHI2_RESULT_NATTS 7
#define Z_RESULT_NATTS 6

Datum
categorical_chi2_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc, Chi2Method method)
{
	/* before ALTER EXTENSION UPDATE to 0.3.0 the type has no log_pvalue */
	TupleDesc	tupdesc = result_desc_grown(fcinfo, CHI2_RESULT_NATTS - 1, CHI2_RESULT_NATTS);
	Datum		values[CHI2_RESULT_NATTS];
	bool		nulls[CHI2_RESULT_NATTS];

	memset(nulls, 0, sizeof(nulls));
	values[3] = Int64GetDatum(cc->n_ref);
	values[4] = Int64GetDatum(cc->n_cur);
	values[5] = CStringGetTextDatum(method == CHI2_CONTINGENCY ? "contingency" : "goodness_of_fit");
	if (cc->n_ref == 0 || cc->n_cur == 0)
		nulls[0] = nulls[1] = nulls[2] = nulls[6] = true;
	else
	{
		mlm_chi2_result r;
		double	   *scratch = MemoryContextAllocHuge(CurrentMemoryContext,
													 sizeof(double) * 2 * cc->k);

		if (method == CHI2_CONTINGENCY)
			mlm_chi2_contingency(cc->ref, cc->cur, cc->k, 1, scratch, &r);
		else
			mlm_chi2_goodness_of_fit(cc->ref, cc->cur, cc->k, cc->n_ref, cc->n_cur, scratch, &r);
		if (r.dof > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many categories for a chi-square test"),
					 errdetail("The samples have " INT64_FORMAT " distinct categories.", cc->k)));
		values[0] = Float8GetDatum(r.statistic);
		values[1] = Float8GetDatum(r.pvalue);
		values[2] = Int32GetDatum((int32) r.dof);
		values[6] = Float8GetDatum(r.log_pvalue);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

Datum
categorical_divergence_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc,
							 mlm_divergence_fn divergence)
{
	double	   *scratch;

	if (cc->n_ref == 0 || cc->n_cur == 0)
		PG_RETURN_NULL();
	scratch = MemoryContextAllocHuge(CurrentMemoryContext,
									 sizeof(double) * MLM_DIVERGENCE_SCRATCH(cc->k));
	PG_RETURN_FLOAT8(divergence(cc->ref, cc->cur, cc->k, cc->n_ref, cc->n_cur, scratch));
}

Datum
categorical_z_datum(FunctionCallInfo fcinfo, const CategoryCounts *cc)
{
	TupleDesc	tupdesc;
	Datum		values[Z_RESULT_NATTS];
	bool		nulls[Z_RESULT_NATTS];
	int64		i,
				first = -1,
				in_ref = 0;

	/*
	 * The proportion tested is that of the first category of the reference;
	 * categories the reference never saw are pooled with its other one, so
	 * an unseen category in production (a data-quality finding of its own)
	 * does not stop the test.  A reference with more than two categories is
	 * an error.
	 */
	for (i = 0; i < cc->k; i++)
		if (cc->ref[i] > 0)
		{
			if (first < 0)
				first = i;
			in_ref++;
		}
	if (in_ref > 2 || (in_ref == 0 && cc->k > 2))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("z-test needs a binary feature"),
				 errdetail("The reference has " INT64_FORMAT " distinct categories.", in_ref > 2 ? in_ref : cc->k),
				 errhint("Use mlmon.chi2_drift for features with more than two categories.")));
	if (first < 0)
		first = 0;
	/* before ALTER EXTENSION UPDATE to 0.3.0 the type has no log_pvalue */
	tupdesc = result_desc_grown(fcinfo, Z_RESULT_NATTS - 1, Z_RESULT_NATTS);
	memset(nulls, 0, sizeof(nulls));
	values[2] = Int64GetDatum(cc->n_ref);
	values[3] = Int64GetDatum(cc->n_cur);
	if (cc->k > 0 && cc->key[first] != NULL)
		values[4] = PointerGetDatum(cstring_to_text_with_len(cc->key[first], cc->keylen[first]));
	else
		nulls[4] = true;
	if (cc->n_ref == 0 || cc->n_cur == 0)
		nulls[0] = nulls[1] = nulls[5] = true;
	else
	{
		mlm_z_result r;

		mlm_z_test(cc->ref[first], cc->n_ref, cc->cur[first], cc->n_cur, &r);
		values[0] = Float8GetDatum(r.statistic);
		values[1] = Float8GetDatum(r.pvalue);
		values[5] = Float8GetDatum(r.log_pvalue);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
