/*
 * agg_regression.c: mlmon.regression_metrics(actual, predicted), the errors
 * of a regression model, from running sums in a fixed-size state
 * (core/metrics.c).  Rows with a NULL, NaN or infinite actual or predicted
 * value are skipped, as the drift statistics skip them; n says how many
 * rows were used.
 *
 * The state is the SQL type mlmon.regression_state, the sums themselves (a
 * fixed-length type, updated in place by the transition), so Citus computes
 * the aggregate partially on its workers; its text form is base64 of the
 * portable form (core/regression_wire.h), checked on input.  0.2.0's
 * internal-state functions stay for databases not yet updated.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"

#include "base64_form.h"
#include "core/metrics.h"
#include "core/regression_wire.h"
#include "libpq/pqformat.h"
#include "result_desc.h"

PG_FUNCTION_INFO_V1(mlm_regression_accum);
PG_FUNCTION_INFO_V1(mlm_regression_combine);
PG_FUNCTION_INFO_V1(mlm_regression_serialize);
PG_FUNCTION_INFO_V1(mlm_regression_deserialize);
PG_FUNCTION_INFO_V1(mlm_regression_final);
PG_FUNCTION_INFO_V1(mlm_regression_state_accum);
PG_FUNCTION_INFO_V1(mlm_regression_state_combine);
PG_FUNCTION_INFO_V1(mlm_regression_state_final);
PG_FUNCTION_INFO_V1(mlm_regression_state_in);
PG_FUNCTION_INFO_V1(mlm_regression_state_out);
PG_FUNCTION_INFO_V1(mlm_regression_state_recv);
PG_FUNCTION_INFO_V1(mlm_regression_state_send);

#define REGRESSION_STATE_VERSION 1

typedef struct RegressionWire
{
	int32		vl_len_;
	int32		version;
	mlm_regression_acc acc;
} RegressionWire;

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

/* The mlmon.regression_result of a (NULL without rows). */
static Datum
regression_result_datum(FunctionCallInfo fcinfo, const mlm_regression_acc *a)
{
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

/* mlmon.regression_state is declared INTERNALLENGTH = 72 */
StaticAssertDecl(sizeof(mlm_regression_acc) == 72, "mlmon.regression_state is 72 bytes");

/*
 * The state of a transition or combine, updated in place: the state
 * argument itself (in the aggregate's memory), or a new one.
 */
static mlm_regression_acc *
state_for_update(FunctionCallInfo fcinfo, const char *what)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the %s function of mlmon.regression_metrics can only be called by an aggregate", what)));
	if (PG_ARGISNULL(0))
		return (mlm_regression_acc *) MemoryContextAllocZero(aggcxt, sizeof(mlm_regression_acc));
	return (mlm_regression_acc *) PG_GETARG_POINTER(0);
}

/* _regression_accum(mlmon.regression_state, actual float8, predicted float8) */
Datum
mlm_regression_state_accum(PG_FUNCTION_ARGS)
{
	mlm_regression_acc *a = state_for_update(fcinfo, "transition");

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		double		y = PG_GETARG_FLOAT8(1),
					yhat = PG_GETARG_FLOAT8(2);

		if (isfinite(y) && isfinite(yhat))
			mlm_regression_add(a, y, yhat);
	}
	PG_RETURN_POINTER(a);
}

/* _regression_combine(mlmon.regression_state, mlmon.regression_state) */
Datum
mlm_regression_state_combine(PG_FUNCTION_ARGS)
{
	mlm_regression_acc *a;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	a = state_for_update(fcinfo, "combine");
	mlm_regression_merge(a, (const mlm_regression_acc *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

/* _regression_final(mlmon.regression_state) returns mlmon.regression_result */
Datum
mlm_regression_state_final(PG_FUNCTION_ARGS)
{
	return regression_result_datum(fcinfo, PG_ARGISNULL(0) ? NULL : (const mlm_regression_acc *) PG_GETARG_POINTER(0));
}

/* A checked state from its portable form (untrusted bytes). */
static mlm_regression_acc *
state_from_wire(const char *bytes, Size len, int errcode_bad)
{
	mlm_regression_acc *a = palloc(sizeof(mlm_regression_acc));
	char		err[256];

	if (mlm_regression_wire_get(bytes, len, a, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.regression_state value"),
				 errdetail("%s", err)));
	return a;
}

/* mlm_regression_state_in(cstring): base64 of the portable form */
Datum
mlm_regression_state_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = base64_form_decode(PG_GETARG_CSTRING(0), "mlmon.regression_state", &len);

	PG_RETURN_POINTER(state_from_wire(bytes, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

Datum
mlm_regression_state_out(PG_FUNCTION_ARGS)
{
	unsigned char wire[MLM_REGRESSION_WIRE_SIZE];

	mlm_regression_wire_put((const mlm_regression_acc *) PG_GETARG_POINTER(0), wire);
	PG_RETURN_CSTRING(base64_form_encode((const char *) wire, sizeof(wire)));
}

Datum
mlm_regression_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	mlm_regression_acc *a = state_from_wire(buf->data + buf->cursor, (Size) (buf->len - buf->cursor),
											ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(a);
}

Datum
mlm_regression_state_send(PG_FUNCTION_ARGS)
{
	unsigned char wire[MLM_REGRESSION_WIRE_SIZE];
	StringInfoData buf;

	mlm_regression_wire_put((const mlm_regression_acc *) PG_GETARG_POINTER(0), wire);
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) wire, sizeof(wire));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * 0.2.0's internal-state transition, combine and final (databases not yet
 * updated): the internal state is a pointer to the same sums, so they are
 * the functions above.
 */
Datum
mlm_regression_accum(PG_FUNCTION_ARGS)
{
	return mlm_regression_state_accum(fcinfo);
}

Datum
mlm_regression_combine(PG_FUNCTION_ARGS)
{
	return mlm_regression_state_combine(fcinfo);
}

Datum
mlm_regression_final(PG_FUNCTION_ARGS)
{
	return mlm_regression_state_final(fcinfo);
}
