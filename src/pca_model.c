/*
 * pca_model.c: the model mlmon.pca_fit returns, read back from jsonb; the
 * reconstruction error of one row (mlmon.reconstruction_error) and the
 * mean error of a window (the aggregate mlmon.reconstruction_drift).
 *
 * A model arrives as an argument on every row.  Parsing it is O(k p)
 * numeric conversions, so it is parsed once per call site and kept in
 * fn_extra with the argument's bytes as passed: a model read from a table
 * arrives as the same TOAST pointer (18 bytes) on every row, a small one as
 * the same few kilobytes; either is compared with memcmp, and a change
 * (another model in another row) is parsed again.
 *
 * The window aggregate's state is a float8[] of 8 numbers: version, the
 * model's 64-bit hash (two float8 of 32 bits each), the rows scored, the
 * rows imputed, the rows skipped as invalid, and the errors' sum as a
 * Neumaier pair.  The combine function refuses to merge states of
 * different models.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "core/pca.h"
#include "core/summation.h"
#include "jsonb_features.h"
#include "pca_model.h"
#include "result_desc.h"

PG_FUNCTION_INFO_V1(mlm_reconstruction_error);
PG_FUNCTION_INFO_V1(mlm_reconstruction_accum);
PG_FUNCTION_INFO_V1(mlm_reconstruction_combine);
PG_FUNCTION_INFO_V1(mlm_reconstruction_final);

/* What fn_extra holds: the last model argument and its parsed form. */
typedef struct ModelCache
{
	MemoryContext mcxt;			/* holds everything below; replaced on a change */
	char	   *raw;			/* the argument as passed */
	Size		rawsize;
	PcaModel	model;
	double	   *work;			/* k + p numbers */
} ModelCache;

static void
malformed(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid PCA model"),
			 errdetail("%s", detail),
			 errhint("Pass the jsonb that mlmon.pca_fit returned.")));
}

static JsonbValue *
key_value(JsonbContainer *root, const char *key, JsonbValue *out)
{
	JsonbValue *v = getKeyJsonValueFromContainer(root, key, strlen(key), out);

	if (v == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid PCA model"),
				 errdetail("The key \"%s\" is missing.", key),
				 errhint("Pass the jsonb that mlmon.pca_fit returned.")));
	return v;
}

/* A whole number in [lo, hi] under key. */
static int
key_int(JsonbContainer *root, const char *key, int lo, int hi)
{
	JsonbValue	jv;
	double		x = jsonb_value_number(key_value(root, key, &jv));

	if (!(x >= lo && x <= hi && x == floor(x)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid PCA model"),
				 errdetail("The value of \"%s\" is not a whole number between %d and %d.", key, lo, hi),
				 errhint("Pass the jsonb that mlmon.pca_fit returned.")));
	return (int) x;
}

/* The array container of n elements that v holds (the value of what). */
static JsonbContainer *
array_of(JsonbValue *v, const char *what, int n)
{
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data) || (int) JsonContainerSize(v->val.binary.data) != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid PCA model"),
				 errdetail("The value of \"%s\" is not an array of %d elements.", what, n),
				 errhint("Pass the jsonb that mlmon.pca_fit returned.")));
	return v->val.binary.data;
}

/* n finite numbers from the array container a into x. */
static void
numbers_of(JsonbContainer *a, const char *what, int n, double *x)
{
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(a, i);

		x[i] = e == NULL ? get_float8_nan() : jsonb_value_number(e);
		if (!isfinite(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid PCA model"),
					 errdetail("Element %d of \"%s\" is not a finite number.", i + 1, what),
					 errhint("Pass the jsonb that mlmon.pca_fit returned.")));
		if (e != NULL)
			pfree(e);
	}
}

/* Parse the model jb into m (allocations in the current context). */
static void
model_parse(Jsonb *jb, PcaModel *m)
{
	JsonbContainer *root = &jb->root,
			   *a;
	JsonbValue	jv;
	int			p,
				k,
				n;

	if (!JB_ROOT_IS_OBJECT(jb))
		malformed("The model is not a JSON object.");
	if (key_int(root, "version", 0, INT_MAX) != PCA_MODEL_VERSION)
		malformed("The model's version is not 1.");
	p = key_int(root, "n_features", 1, PCA_MAX_FEATURES);
	k = key_int(root, "n_components", 0, p);
	m->p = p;
	m->k = k;
	m->mean = palloc(p * sizeof(double));
	m->scale = palloc(p * sizeof(double));
	m->pca_mean = palloc(p * sizeof(double));
	m->components = palloc(((Size) k * p + 1) * sizeof(double));
	m->empty = palloc0(p * sizeof(bool));
	numbers_of(array_of(key_value(root, "mean", &jv), "mean", p), "mean", p, m->mean);
	numbers_of(array_of(key_value(root, "scale", &jv), "scale", p), "scale", p, m->scale);
	for (int j = 0; j < p; j++)
		if (!(m->scale[j] > 0.0))
			malformed("An element of \"scale\" is not positive.");
	numbers_of(array_of(key_value(root, "pca_mean", &jv), "pca_mean", p), "pca_mean", p, m->pca_mean);
	a = array_of(key_value(root, "components", &jv), "components", k);
	for (int i = 0; i < k; i++)
	{
		JsonbValue *row = getIthJsonbValueFromContainer(a, i);

		if (row->type != jbvBinary || !JsonContainerIsArray(row->val.binary.data) ||
			JsonContainerIsScalar(row->val.binary.data) || (int) JsonContainerSize(row->val.binary.data) != p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid PCA model"),
					 errdetail("Row %d of \"components\" is not an array of %d elements.", i + 1, p),
					 errhint("Pass the jsonb that mlmon.pca_fit returned.")));
		numbers_of(row->val.binary.data, "components", p, m->components + (long) i * p);
	}
	/* optional: the features no reference row had (1-based) */
	if (getKeyJsonValueFromContainer(root, "empty_features", strlen("empty_features"), &jv) != NULL)
	{
		double	   *e;

		if (jv.type != jbvBinary || !JsonContainerIsArray(jv.val.binary.data) || JsonContainerIsScalar(jv.val.binary.data))
			malformed("The value of \"empty_features\" is not an array.");
		n = JsonContainerSize(jv.val.binary.data);
		if (n > p)
			malformed("The value of \"empty_features\" has more elements than there are features.");
		e = palloc((n + 1) * sizeof(double));
		numbers_of(jv.val.binary.data, "empty_features", n, e);
		for (int i = 0; i < n; i++)
		{
			if (!(e[i] >= 1 && e[i] <= p && e[i] == floor(e[i])))
				malformed("An element of \"empty_features\" is not a feature's position (1 to n_features).");
			m->empty[(int) e[i] - 1] = true;
		}
		pfree(e);
	}
	m->hash = hash_bytes_extended((const unsigned char *) jb, VARSIZE(jb), 0);
}

const PcaModel *
pca_model_arg(FunctionCallInfo fcinfo, int argno, double **work)
{
	ModelCache *cache = (ModelCache *) fcinfo->flinfo->fn_extra;
	Pointer		raw;
	Size		rawsize;
	MemoryContext old;
	Jsonb	   *jb;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be null")));
	raw = PG_GETARG_POINTER(argno);
	rawsize = VARSIZE_ANY(raw);
	if (cache != NULL && cache->raw != NULL && cache->rawsize == rawsize && memcmp(cache->raw, raw, rawsize) == 0)
	{
		*work = cache->work;
		return &cache->model;
	}
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->mcxt != NULL)
		MemoryContextDelete(cache->mcxt);
	cache->raw = NULL;
	cache->mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "mlmon PCA model", ALLOCSET_SMALL_SIZES);
	jb = PG_GETARG_JSONB_P(argno);
	/* parse into the cache's context: on an error it is left empty (raw NULL) and deleted next time */
	old = MemoryContextSwitchTo(cache->mcxt);
	model_parse(jb, &cache->model);
	cache->work = palloc((cache->model.k + cache->model.p + 1) * sizeof(double));
	cache->raw = palloc(rawsize);
	memcpy(cache->raw, raw, rawsize);
	cache->rawsize = rawsize;
	MemoryContextSwitchTo(old);
	*work = cache->work;
	return &cache->model;
}

int
pca_features_of(ArrayType *a, const PcaModel *m, double *x)
{
	int			p = m->p,
				missing = 0;
	float8	   *data;
	bits8	   *bitmap;

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != p || ARR_ELEMTYPE(a) != FLOAT8OID)
		return -1;
	data = pca_array_data(a);
	bitmap = ARR_NULLBITMAP(a);
	for (int j = 0; j < p; j++)
	{
		if (bitmap != NULL && !(bitmap[j / 8] & (1 << (j % 8))))
		{
			x[j] = get_float8_nan();
			missing++;
			continue;
		}
		x[j] = *data++;
		if (!isfinite(x[j]))
		{
			x[j] = get_float8_nan();
			missing++;
		}
		else if (m->empty[j])
			x[j] = get_float8_nan();
	}
	return missing;
}

/* mlm_reconstruction_error(model jsonb, features float8[]) returns float8 */
Datum
mlm_reconstruction_error(PG_FUNCTION_ARGS)
{
	double	   *work;
	const PcaModel *m = pca_model_arg(fcinfo, 0, &work);
	ArrayType  *f = PG_GETARG_ARRAYTYPE_P(1);
	double	   *x = work + m->k;

	if (pca_features_of(f, m, x) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features must be a one-dimensional array of the model's %d numbers", m->p),
				 ARR_NDIM(f) == 1 ? errdetail("The array has %d elements.", ARR_DIMS(f)[0]) :
				 errdetail("The array has %d dimensions.", ARR_NDIM(f)),
				 errhint("Pass the features in the order and number the model was fitted on; use NULL for a missing value.")));
	PG_RETURN_FLOAT8(mlm_pca_reconstruction_error(m->p, m->k, m->mean, m->scale, m->components,
												  m->pca_mean, x, work));
}

/* Positions in the window aggregate's state. */
enum
{
	RS_VERSION,
	RS_HASH_HI,
	RS_HASH_LO,
	RS_N,
	RS_IMPUTED,
	RS_INVALID,
	RS_SUM,
	RS_SUM_C,
	RS_LEN
};

#define RECONSTRUCTION_STATE_VERSION 1
#define RS_MAX_COUNT 9007199254740992.0

static float8 *
rstate_values(ArrayType *a)
{
	float8	   *v;

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != RS_LEN || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid reconstruction drift state"),
				 errdetail("A reconstruction drift state is an array of 8 float8 values without NULLs.")));
	v = pca_array_data(a);
	if (v[RS_VERSION] != RECONSTRUCTION_STATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid reconstruction drift state"),
				 errdetail("The state's version is not 1.")));
	for (int i = RS_N; i <= RS_INVALID; i++)
		if (!(v[i] >= 0.0 && v[i] <= RS_MAX_COUNT && v[i] == floor(v[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid reconstruction drift state"),
					 errdetail("A count is not a whole number between 0 and 2^53.")));
	return v;
}

static ArrayType *
rstate_new(uint64 hash)
{
	Datum		d[RS_LEN];

	for (int i = 0; i < RS_LEN; i++)
		d[i] = Float8GetDatum(0.0);
	d[RS_VERSION] = Float8GetDatum(RECONSTRUCTION_STATE_VERSION);
	d[RS_HASH_HI] = Float8GetDatum((double) (hash >> 32));
	d[RS_HASH_LO] = Float8GetDatum((double) (hash & 0xFFFFFFFF));
	return construct_array(d, RS_LEN, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static void
different_models(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("model must be the same for every row"),
			 detail ? errdetail("%s", detail) : 0));
}

/*
 * mlm_reconstruction_accum(float8[], features float8[], model jsonb)
 * returns float8[]: the state with the row's error added; a NULL array or
 * one of another length is counted as invalid and skipped.  Changed in
 * place after the first row.
 */
Datum
mlm_reconstruction_accum(PG_FUNCTION_ARGS)
{
	double	   *work;
	const PcaModel *m;
	ArrayType  *a;
	float8	   *v;
	int			missing;
	mlm_ksum	sum;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition and combine functions of mlmon.reconstruction_drift can only be called by its aggregate")));
	m = pca_model_arg(fcinfo, 2, &work);
	if (PG_ARGISNULL(0))
		a = rstate_new(m->hash);
	else
		a = PG_GETARG_ARRAYTYPE_P(0);
	v = rstate_values(a);
	if (v[RS_HASH_HI] != (double) (m->hash >> 32) || v[RS_HASH_LO] != (double) (m->hash & 0xFFFFFFFF))
		different_models(NULL);
	if (PG_ARGISNULL(1) || (missing = pca_features_of(PG_GETARG_ARRAYTYPE_P(1), m, work + m->k)) < 0)
	{
		v[RS_INVALID] += 1.0;
		PG_RETURN_ARRAYTYPE_P(a);
	}
	sum.s = v[RS_SUM];
	sum.c = v[RS_SUM_C];
	mlm_ksum_add(&sum, mlm_pca_reconstruction_error(m->p, m->k, m->mean, m->scale, m->components,
													m->pca_mean, work + m->k, work));
	v[RS_SUM] = sum.s;
	v[RS_SUM_C] = sum.c;
	v[RS_N] += 1.0;
	v[RS_IMPUTED] += missing > 0;
	PG_RETURN_ARRAYTYPE_P(a);
}

/* mlm_reconstruction_combine(float8[], float8[]) returns float8[]: the first state merged with the second. */
Datum
mlm_reconstruction_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	float8	   *va,
			   *vb;
	mlm_ksum	sum;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition and combine functions of mlmon.reconstruction_drift can only be called by its aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	vb = rstate_values(PG_GETARG_ARRAYTYPE_P(1));
	if (PG_ARGISNULL(0))
	{
		/* a copy: a combine function must not return its second argument */
		a = rstate_new(0);
		memcpy(pca_array_data(a), vb, RS_LEN * sizeof(float8));
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	va = rstate_values(a);
	if (va[RS_HASH_HI] != vb[RS_HASH_HI] || va[RS_HASH_LO] != vb[RS_HASH_LO])
		different_models("Partial aggregates of the same group were given different models.");
	for (int i = RS_N; i <= RS_INVALID; i++)
	{
		if (va[i] + vb[i] > RS_MAX_COUNT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for mlmon.reconstruction_drift")));
		va[i] += vb[i];
	}
	sum.s = va[RS_SUM];
	sum.c = va[RS_SUM_C];
	mlm_ksum_add(&sum, vb[RS_SUM]);
	mlm_ksum_add(&sum, vb[RS_SUM_C]);
	va[RS_SUM] = sum.s;
	va[RS_SUM_C] = sum.c;
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Columns of mlmon.reconstruction_result. */
enum
{
	RR_MEAN_ERROR,
	RR_N_ROWS,
	RR_ROWS_IMPUTED,
	RR_ROWS_INVALID,
	RR_NATTS
};

/* mlm_reconstruction_final(float8[]) returns mlmon.reconstruction_result */
Datum
mlm_reconstruction_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[RR_NATTS];
	bool		nulls[RR_NATTS];
	float8	   *v;
	mlm_ksum	sum;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	v = rstate_values(PG_GETARG_ARRAYTYPE_P(0));
	tupdesc = result_desc(fcinfo, RR_NATTS);
	memset(nulls, 0, sizeof(nulls));
	sum.s = v[RS_SUM];
	sum.c = v[RS_SUM_C];
	nulls[RR_MEAN_ERROR] = v[RS_N] == 0.0;
	values[RR_MEAN_ERROR] = Float8GetDatum(v[RS_N] == 0.0 ? 0.0 : mlm_ksum_value(&sum) / v[RS_N]);
	values[RR_N_ROWS] = Int64GetDatum((int64) v[RS_N]);
	values[RR_ROWS_IMPUTED] = Int64GetDatum((int64) v[RS_IMPUTED]);
	values[RR_ROWS_INVALID] = Int64GetDatum((int64) v[RS_INVALID]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
