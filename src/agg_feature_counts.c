/*
 * agg_feature_counts.c: _feature_counts(values float8[], mins float8[],
 * maxs float8[]), the data-quality counts of every numeric feature of a
 * check in one transition per row (instead of four filtered counts per
 * feature).  For feature i it counts
 *   4i+0  numbers (values[i] neither NULL nor NaN),
 *   4i+1  missing values (NULL),
 *   4i+2  non-numbers (NaN: _jsonb_numbers' marker),
 *   4i+3  numbers outside [mins[i], maxs[i]],
 * and returns them as bigint[].  Every row must give as many values as the
 * first one did.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(mlm_feature_counts_accum);
PG_FUNCTION_INFO_V1(mlm_feature_counts_combine);
PG_FUNCTION_INFO_V1(mlm_feature_counts_serialize);
PG_FUNCTION_INFO_V1(mlm_feature_counts_deserialize);
PG_FUNCTION_INFO_V1(mlm_feature_counts_final);

#define MAX_FEATURES 100000

typedef struct FeatureCounts
{
	int			n;				/* features */
	double	   *lo;
	double	   *hi;
	int64	   *c;				/* 4 n counts */
} FeatureCounts;

static FeatureCounts *
counts_new(MemoryContext mcxt, int n)
{
	FeatureCounts *fc = MemoryContextAllocZero(mcxt, sizeof(FeatureCounts));

	fc->n = n;
	fc->lo = MemoryContextAlloc(mcxt, Max(n, 1) * sizeof(double));
	fc->hi = MemoryContextAlloc(mcxt, Max(n, 1) * sizeof(double));
	fc->c = MemoryContextAllocZero(mcxt, Max(n, 1) * 4 * sizeof(int64));
	return fc;
}

/* The float8 elements of a one-dimensional array argument (nulls set when the array has any). */
static int
float8_elements(ArrayType *a, double **v, bool **nulls)
{
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("feature values must be a one-dimensional float8 array")));
	*nulls = NULL;
	if (!ARR_HASNULL(a))
		*v = (double *) ((char *) a + ARR_OVERHEAD_NONULLS(ARR_NDIM(a)));
	else
	{
		Datum	   *d;
		int			k,
					i;

		deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, nulls, &k);
		*v = palloc(Max(k, 1) * sizeof(double));
		for (i = 0; i < k; i++)
			(*v)[i] = (*nulls)[i] ? 0.0 : DatumGetFloat8(d[i]);
	}
	return n;
}

Datum
mlm_feature_counts_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FeatureCounts *fc;
	ArrayType  *a;
	double	   *v;
	bool	   *nulls;
	int			n,
				i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_feature_counts_accum called in non-aggregate context");
	fc = PG_ARGISNULL(0) ? NULL : (FeatureCounts *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(fc);
	a = PG_GETARG_ARRAYTYPE_P(1);
	n = float8_elements(a, &v, &nulls);
	if (fc == NULL)
	{
		double	   *lo,
				   *hi;
		bool	   *lonull,
				   *hinull;

		if (n > MAX_FEATURES || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
			float8_elements(PG_GETARG_ARRAYTYPE_P(2), &lo, &lonull) != n ||
			float8_elements(PG_GETARG_ARRAYTYPE_P(3), &hi, &hinull) != n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("feature values, minimums and maximums must have the same length")));
		fc = counts_new(aggcxt, n);
		for (i = 0; i < n; i++)
		{
			fc->lo[i] = (lonull && lonull[i]) ? -INFINITY : lo[i];
			fc->hi[i] = (hinull && hinull[i]) ? INFINITY : hi[i];
		}
	}
	else if (n != fc->n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("every row must give %d feature values, not %d", fc->n, n)));
	for (i = 0; i < n; i++)
	{
		int64	   *c = fc->c + 4 * i;

		if (nulls && nulls[i])
			c[1]++;
		else if (isnan(v[i]))
			c[2]++;
		else
		{
			c[0]++;
			if (v[i] < fc->lo[i] || v[i] > fc->hi[i])
				c[3]++;
		}
	}
	PG_RETURN_POINTER(fc);
}

Datum
mlm_feature_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FeatureCounts *a = PG_ARGISNULL(0) ? NULL : (FeatureCounts *) PG_GETARG_POINTER(0);
	FeatureCounts *b = PG_ARGISNULL(1) ? NULL : (FeatureCounts *) PG_GETARG_POINTER(1);
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_feature_counts_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = counts_new(aggcxt, b->n);
		memcpy(a->lo, b->lo, b->n * sizeof(double));
		memcpy(a->hi, b->hi, b->n * sizeof(double));
	}
	else if (a->n != b->n)
		elog(ERROR, "feature counts of different lengths cannot be combined");
	for (i = 0; i < 4 * a->n; i++)
		a->c[i] += b->c[i];
	PG_RETURN_POINTER(a);
}

/* Serialized: int32 n, then n lows, n highs, 4n counts. */
Datum
mlm_feature_counts_serialize(PG_FUNCTION_ARGS)
{
	FeatureCounts *fc = (FeatureCounts *) PG_GETARG_POINTER(0);
	Size		size = VARHDRSZ + sizeof(int32) + (Size) fc->n * (2 * sizeof(double) + 4 * sizeof(int64));
	bytea	   *r = palloc(size);
	char	   *p = VARDATA(r);

	SET_VARSIZE(r, size);
	memcpy(p, &fc->n, sizeof(int32));
	p += sizeof(int32);
	memcpy(p, fc->lo, fc->n * sizeof(double));
	p += fc->n * sizeof(double);
	memcpy(p, fc->hi, fc->n * sizeof(double));
	p += fc->n * sizeof(double);
	memcpy(p, fc->c, fc->n * 4 * sizeof(int64));
	PG_RETURN_BYTEA_P(r);
}

Datum
mlm_feature_counts_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(b);
	Size		len = VARSIZE_ANY_EXHDR(b);
	int32		n;
	FeatureCounts *fc;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "mlm_feature_counts_deserialize called in non-aggregate context");
	if (len < sizeof(int32))
		elog(ERROR, "invalid serialized feature counts");
	memcpy(&n, p, sizeof(int32));
	if (n < 0 || n > MAX_FEATURES ||
		len != sizeof(int32) + (Size) n * (2 * sizeof(double) + 4 * sizeof(int64)))
		elog(ERROR, "invalid serialized feature counts");
	p += sizeof(int32);
	fc = counts_new(CurrentMemoryContext, n);
	memcpy(fc->lo, p, n * sizeof(double));
	p += n * sizeof(double);
	memcpy(fc->hi, p, n * sizeof(double));
	p += n * sizeof(double);
	memcpy(fc->c, p, n * 4 * sizeof(int64));
	PG_RETURN_POINTER(fc);
}

Datum
mlm_feature_counts_final(PG_FUNCTION_ARGS)
{
	FeatureCounts *fc = PG_ARGISNULL(0) ? NULL : (FeatureCounts *) PG_GETARG_POINTER(0);
	Datum	   *d;
	int			i;

	if (fc == NULL)
		PG_RETURN_NULL();
	d = palloc(Max(4 * fc->n, 1) * sizeof(Datum));
	for (i = 0; i < 4 * fc->n; i++)
		d[i] = Int64GetDatum(fc->c[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, 4 * fc->n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
