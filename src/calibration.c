/*
 * calibration.c: mlmon.isotonic_calibration(score, outcome), the isotonic
 * calibration map of a binary classifier's scores (core/isotonic.c), and
 * mlmon.calibrate(calibration, score).
 *
 * The aggregate keeps the scores of negative and positive rows as the
 * two-sample statistics keep reference and current values (the same
 * transition, combine and serialization: it runs in parallel), and fits
 * the map in its final function.  A calibration is the composite
 * (scores float8[], probabilities float8[]) of its knots.
 */
#include "postgres.h"

#include "calibration.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "core/isotonic.h"
#include "result_desc.h"
#include "sample_state.h"

PG_FUNCTION_INFO_V1(mlm_isotonic_final);
PG_FUNCTION_INFO_V1(mlm_isotonic_state_final);
PG_FUNCTION_INFO_V1(mlm_calibrate);

static ArrayType *
float8_array(const double *v, int64 n)
{
	Datum	   *d = (Datum *) palloc(Max(n, 1) * sizeof(Datum));
	int64		i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, (int) n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* The calibration map of the state; NULL without rows. */
static Datum
isotonic_final(FunctionCallInfo fcinfo, bool real_state)
{
	SampleState *st = sample_final_state(fcinfo, real_state);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int64		n,
				k;
	double	   *xs,
			   *ys,
			   *w;
	int64	   *len;

	if (st == NULL)
		PG_RETURN_NULL();
	sample_sort_all(st);
	n = st->ref.n + st->cur.n;
	if (n == 0)
		PG_RETURN_NULL();
	if ((Size) n > MaxAllocHugeSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many scores to calibrate: %lld", (long long) n)));
	xs = (double *) palloc_extended(n * sizeof(double), MCXT_ALLOC_HUGE);
	ys = (double *) palloc_extended(n * sizeof(double), MCXT_ALLOC_HUGE);
	w = (double *) palloc_extended(n * sizeof(double), MCXT_ALLOC_HUGE);
	len = (int64 *) palloc_extended(n * sizeof(int64), MCXT_ALLOC_HUGE);
	k = mlm_isotonic_fit(st->ref.values, st->ref.n, st->cur.values, st->cur.n, xs, ys, w, len);
	if ((Size) k > MaxAllocSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the calibration map has too many knots: %lld", (long long) k)));
	tupdesc = result_desc(fcinfo, 2);
	values[0] = PointerGetDatum(float8_array(xs, k));
	values[1] = PointerGetDatum(float8_array(ys, k));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* _isotonic_final(mlmon.sample_state) returns mlmon.calibration */
Datum
mlm_isotonic_state_final(PG_FUNCTION_ARGS)
{
	return isotonic_final(fcinfo, true);
}

/* _isotonic_final(internal) returns mlmon.calibration (0.2.0's) */
Datum
mlm_isotonic_final(PG_FUNCTION_ARGS)
{
	return isotonic_final(fcinfo, false);
}

/* The knots of a calibration's array attribute attno, checked. */
static double *
knots(HeapTupleHeader rec, int attno, int *n)
{
	bool		isnull;
	Datum		d = GetAttributeByNum(rec, attno, &isnull);
	ArrayType  *a;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("calibration must not have null knots")));
	a = DatumGetArrayTypeP(d);
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration knots must be one-dimensional float8 arrays without nulls")));
	*n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	/* one dimension, no null bitmap: the data follow the fixed overhead */
	return (double *) ((char *) a + ARR_OVERHEAD_NONULLS(1));
}

/* Check the knots of a calibration (as calibration.h says). */
static void
check_knots(const double *xs, int nx, const double *ys, int ny)
{
	int			i;

	if (nx != ny || nx == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration must have as many probabilities as scores, at least one")));
	for (i = 0; i < nx; i++)
		if (isnan(xs[i]) || isnan(ys[i]) || (i > 0 && xs[i] < xs[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("calibration scores must be ascending and no knot may be NaN")));
}

void
calibration_load(HeapTupleHeader rec, Calibration *c)
{
	int			ny;
	double	   *xs = knots(rec, 1, &c->n),
			   *ys = knots(rec, 2, &ny);

	check_knots(xs, c->n, ys, ny);
	c->xs = palloc(sizeof(double) * c->n);
	c->ys = palloc(sizeof(double) * c->n);
	memcpy(c->xs, xs, sizeof(double) * c->n);
	memcpy(c->ys, ys, sizeof(double) * c->n);
}

/* mlm_calibrate(mlmon.calibration, score float8) returns float8. */
Datum
mlm_calibrate(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	double		x = PG_GETARG_FLOAT8(1);
	int			nx,
				ny;
	double	   *xs = knots(rec, 1, &nx),
			   *ys = knots(rec, 2, &ny);

	check_knots(xs, nx, ys, ny);
	if (isnan(x))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mlm_isotonic_predict(xs, ys, nx, x));
}
