/*
 * agg_ks.c: final function of mlmon.ks_2samp.
 */
#include "sample_state.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "core/ks.h"

PG_FUNCTION_INFO_V1(mlm_ks_final);

/*
 * Largest n1 * n2 for which an explicitly requested exact two-sided p-value
 * with unequal sample sizes is computed (the lattice recursion is O(n1 n2);
 * 1e10 steps take about half a minute).
 */
#define KS_EXACT_MAX_WORK 1e10

/*
 * Would an explicitly requested exact p-value run the O(n1 n2) recursion
 * past KS_EXACT_MAX_WORK?  (Sizes whose lcm reaches 2^31 go to the
 * asymptotic method anyway, as in SciPy.)
 */
static bool
exact_too_expensive(const SampleState *st)
{
	int64		n1 = st->ref.n,
				n2 = st->cur.n;
	int64		g;

	if (st->opts.method != MLM_KS_EXACT || st->opts.alternative != MLM_TWO_SIDED || n1 == n2)
		return false;
	g = mlm_gcd(n1, n2);
	if ((double) (n1 / g) >= 2147483647.0 / (double) (n2 / g))
		return false;
	return (double) n1 * (double) n2 > KS_EXACT_MAX_WORK;
}

/* Number of result columns of mlmon.ks_result. */
#define KS_RESULT_NATTS 7

/*
 * mlm_ks_final(internal) returns mlmon.ks_result: NULL without values; NULL
 * statistic, p-value and method when one sample is empty.
 */
Datum
mlm_ks_final(PG_FUNCTION_ARGS)
{
	SampleState *st = sample_final_state(fcinfo);
	TupleDesc	tupdesc;
	Datum		values[KS_RESULT_NATTS];
	bool		nulls[KS_RESULT_NATTS];
	mlm_ks_result r;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	if (st->ref.n == 0 && st->cur.n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != KS_RESULT_NATTS)
		elog(ERROR, "mlmon.ks_result has %d columns, expected %d", tupdesc->natts, KS_RESULT_NATTS);

	memset(nulls, 0, sizeof(nulls));
	values[2] = Int64GetDatum(st->ref.n);
	values[3] = Int64GetDatum(st->cur.n);
	if (st->ref.n == 0 || st->cur.n == 0)
	{
		nulls[0] = nulls[1] = nulls[4] = nulls[5] = nulls[6] = true;
	}
	else
	{
		if (exact_too_expensive(st))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("exact Kolmogorov-Smirnov p-value too expensive for samples of sizes " INT64_FORMAT " and " INT64_FORMAT,
							st->ref.n, st->cur.n),
					 errdetail("The exact method needs work proportional to the product of the sample sizes, limited to %.0e.",
							   KS_EXACT_MAX_WORK),
					 errhint("Use method \"auto\" or \"asymp\".")));

		mlm_ks_2samp(st->ref.values, st->ref.n, st->cur.values, st->cur.n,
					 st->opts.alternative, st->opts.method, &r);
		values[0] = Float8GetDatum(r.statistic);
		values[1] = Float8GetDatum(r.pvalue);
		values[4] = CStringGetTextDatum(ks_method_name(r.method_used));
		values[5] = Float8GetDatum(r.location);
		values[6] = Int32GetDatum(r.sign);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
