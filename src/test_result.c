/*
 * test_result.c: mlmon.test_result rows.
 */
#include "test_result.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "result_desc.h"

/* Columns of mlmon.test_result. */
enum
{
	TR_STATISTIC,
	TR_PVALUE,
	TR_N_REFERENCE,
	TR_N_CURRENT,
	TR_METHOD,
	TR_LOG_PVALUE,
	TR_NATTS
};

static void
set_float(Datum *values, bool *nulls, int col, double x)
{
	nulls[col] = isnan(x);
	values[col] = nulls[col] ? (Datum) 0 : Float8GetDatum(x);
}

Datum
test_result_datum(FunctionCallInfo fcinfo, int64 n_reference, int64 n_current, const mlm_test_outcome *r)
{
	TupleDesc	tupdesc = result_desc(fcinfo, TR_NATTS);
	Datum		values[TR_NATTS];
	bool		nulls[TR_NATTS];

	memset(values, 0, sizeof(values));
	memset(nulls, true, sizeof(nulls));
	values[TR_N_REFERENCE] = Int64GetDatum(n_reference);
	values[TR_N_CURRENT] = Int64GetDatum(n_current);
	nulls[TR_N_REFERENCE] = nulls[TR_N_CURRENT] = false;
	if (r != NULL)
	{
		set_float(values, nulls, TR_STATISTIC, r->statistic);
		set_float(values, nulls, TR_PVALUE, r->pvalue);
		set_float(values, nulls, TR_LOG_PVALUE, r->log_pvalue);
		if (r->method != NULL)
		{
			values[TR_METHOD] = CStringGetTextDatum(r->method);
			nulls[TR_METHOD] = false;
		}
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}
