/*
 * embedding_input.c: one row of an embedding drift aggregate, classified;
 * the result row.
 */
#include "embedding_input.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "result_desc.h"

void
embedding_row(FunctionCallInfo fcinfo, int emb_arg, int cur_arg, int dim, EmbeddingRow *row)
{
	ArrayType  *a;
	int			n;

	memset(row, 0, sizeof(*row));
	row->status = EMB_ROW_NULL;
	if (PG_ARGISNULL(emb_arg) || PG_ARGISNULL(cur_arg))
		return;
	a = PG_GETARG_ARRAYTYPE_P(emb_arg);
	row->current = PG_GETARG_BOOL(cur_arg);
	/* empty (a 1-D array of length 0 is not made by array_in, but is cheap to refuse) */
	if (ARR_NDIM(a) == 0 || (ARR_NDIM(a) == 1 && ARR_DIMS(a)[0] <= 0))
		return;
	row->status = EMB_ROW_LENGTH;
	if (ARR_NDIM(a) != 1)
		return;
	n = ARR_DIMS(a)[0];
	if (n > EMB_MAX_DIM || (dim != 0 && n != dim))
		return;
	row->dim = n;
	row->status = EMB_ROW_COMPONENT;
	if (ARR_HASNULL(a))
		return;
	if (ARR_ELEMTYPE(a) == FLOAT4OID)
	{
		const float4 *x = (const float4 *) ((char *) a + ARR_OVERHEAD_NONULLS(1));
		float4		acc = 0.0f;

		/* x - x is NaN exactly for NaN and infinities */
		for (int i = 0; i < n; i++)
			acc += x[i] - x[i];
		if (acc != 0.0f)
			return;
		row->float4 = true;
		row->f4 = x;
	}
	else if (ARR_ELEMTYPE(a) == FLOAT8OID)
	{
		const float8 *x = (const float8 *) ((char *) a + ARR_OVERHEAD_NONULLS(1));
		float8		acc = 0.0;

		for (int i = 0; i < n; i++)
			acc += x[i] - x[i];
		if (acc != 0.0)
			return;
		row->f8 = x;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("an embedding must be an array of float8 or float4")));
	row->status = EMB_ROW_OK;
}

Datum
embedding_result_datum(FunctionCallInfo fcinfo, const EmbeddingResult *r)
{
	TupleDesc	desc = result_desc(fcinfo, 10);
	Datum		values[10];
	bool		nulls[10] = {false};

	values[0] = CStringGetTextDatum(r->method);
	values[1] = Float8GetDatum(r->statistic);
	nulls[1] = !r->has_statistic;
	values[2] = Float8GetDatum(r->threshold);
	values[3] = BoolGetDatum(r->own_decision ? r->drifted : r->statistic > r->threshold);
	nulls[3] = !r->has_statistic || (r->own_decision && !r->decided);
	values[4] = Int64GetDatum(r->n_reference);
	values[5] = Int64GetDatum(r->n_current);
	values[6] = Int32GetDatum(r->dimension);
	nulls[6] = r->dimension == 0;
	values[7] = Int64GetDatum(r->skipped_null);
	values[8] = Int64GetDatum(r->skipped_length);
	values[9] = Int64GetDatum(r->skipped_component);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}
