/*
 * result_desc.c: the row descriptor of a composite result.
 */
#include "result_desc.h"

#include "funcapi.h"

TupleDesc
result_desc(FunctionCallInfo fcinfo, int natts)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != natts)
		elog(ERROR, "result type has %d columns, expected %d", tupdesc->natts, natts);
	return BlessTupleDesc(tupdesc);
}

TupleDesc
result_desc_grown(FunctionCallInfo fcinfo, int min_natts, int natts)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts < min_natts || tupdesc->natts > natts)
		elog(ERROR, "result type has %d columns, expected %d to %d", tupdesc->natts, min_natts, natts);
	return BlessTupleDesc(tupdesc);
}
