/*
 * agg_regression.c: mlmon.regression_metrics(actual, predicted), the errors
 * of a regression model, from running sums in a fixed-size state
 * (core/metrics.c).  Rows with a NULL, NaN or infinite actual or predicted
 * value are skipped, as the drift statistics skip them; n says how many
 * rows were used.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"

#include "core/metrics.h"
#include "result_desc.h"

PG_FUNCTION_INFO_V1(mlm_regression_accum);
PG_FUNCTION_INFO_V1(mlm_regression_combine);
PG_FUNCTION_INFO_V1(mlm_regression_serialize);
PG_FUNCTION_INFO_V1(mlm_regression_deserialize);
PG_FUNCTION_INFO_V1(mlm_regression_final);

#define REGRESSION_STATE_VERSION 1

typedef struct RegressionWire
{
	int32		vl_len_;
	int32		version;
	mlm_regression_acc acc;
} RegressionWire;

static mlm_regression_acc *
state_of(FunctionCallInfo fcinfo, int argno, MemoryContext aggcxt)
{
	if (PG_ARGISNULL(argno))
		return (mlm_regression_acc *) MemoryContextAllocZero(aggcxt, sizeof(mlm_regression_acc));
	return (mlm_regression_acc *) PG_GETARG_POINTER(argno);
}

/* _regression_accum(internal, actual float8, predicted float8) */
Datum
mlm_regression_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	mlm_regression_acc *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_regression_accum called in non-aggregate context");
	a = state_of(fcinfo, 0, aggcxt);
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		double		y = PG_GETARG_FLOAT8(1),
					yhat = PG_GETARG_FLOAT8(2);

		if (isfinite(y) && isfinite(yhat))
			mlm_regression_add(a, y, yhat);
	}
	PG_RETURN_POINTER(a);
}

Datum
mlm_regression_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	mlm_regression_acc *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_regression_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	a = state_of(fcinfo, 0, aggcxt);
	mlm_regression_merge(a, (mlm_regression_acc *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

Datum
mlm_regression_serialize(PG_FUNCTION_ARGS)
{
	mlm_regression_acc *a = (mlm_regression_acc *) PG_GETARG_POINTER(0);
	RegressionWire *w = palloc0(sizeof(RegressionWire));

	SET_VARSIZE(w, sizeof(RegressionWire));
	w->version = REGRESSION_STATE_VERSION;
	w->acc = *a;
	PG_RETURN_BYTEA_P(w);
}

Datum
mlm_regression_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	RegressionWire w;
	mlm_regression_acc *a;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "mlm_regression_deserialize called in non-aggregate context");
	if (VARSIZE_ANY_EXHDR(b) != sizeof(RegressionWire) - VARHDRSZ)
		elog(ERROR, "invalid serialized regression state");
	memcpy((char *) &w + VARHDRSZ, VARDATA_ANY(b), sizeof(RegressionWire) - VARHDRSZ);
	if (w.version != REGRESSION_STATE_VERSION || w.acc.n < 0)
		elog(ERROR, "invalid serialized regression state");
	a = palloc(sizeof(mlm_regression_acc));
	*a = w.acc;
	PG_RETURN_POINTER(a);
}

Datum
mlm_regression_final(PG_FUNCTION_ARGS)
{
	mlm_regression_acc *a = PG_ARGISNULL(0) ? NULL : (mlm_regression_acc *) PG_GETARG_POINTER(0);
	mlm_regression_result r;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	if (a == NULL || a->n == 0)
		PG_RETURN_NULL();
	tupdesc = result_desc(fcinfo, 6);
	mlm_regression_result_of(a, &r);
	values[0] = Int64GetDatum(r.n);
	values[1] = Float8GetDatum(r.mae);
	values[2] = Float8GetDatum(r.mse);
	values[3] = Float8GetDatum(r.rmse);
	values[4] = Float8GetDatum(r.r2);
	nulls[4] = r.n < 2;			/* sklearn: nan (undefined) below two samples */
	values[5] = Float8GetDatum(r.mape);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
