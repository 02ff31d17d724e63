/*
 * anomaly.c: how unusual a logged row is under its model's reference
 * profiles.
 *
 *   anomaly_score(model text, features jsonb) returns mlmon.anomaly_result
 *   _anomalous(model text, nv float8[], cv text[], alpha float8) returns boolean
 *       whether the row's p-value is below alpha: the checks' form, with
 *       the features already extracted by _jsonb_numbers /
 *       _jsonb_categories (numeric and categorical features each in the
 *       order of their names).  Instead of a tail probability per feature
 *       it compares each number with two cut-offs computed once per number
 *       of features present (core/tail.c): the same decision as
 *       anomaly_score's p_value < alpha, without a search per feature.
 *
 * The rule (README, "Anomalous rows"): each reference feature present in
 * the row gets a two-sided tail probability (core/tail.c): a number outside
 * the reference's [min, max] or a non-number gets 0, an unseen category 0
 * (a category a sketch did not list: the share of unlisted values); the
 * row's p-value is min(1, k * smallest), Bonferroni over the k features
 * present; score = 1 - p-value.  Features absent or null are left to the
 * data-quality checks.
 *
 * The reference profiles are read once per query and model (SPI, in the
 * caller's snapshot) and kept decoded in the call's fn_extra.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_namespace_d.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "profile.h"
#include "reference_set.h"
#include "result_desc.h"

PG_FUNCTION_INFO_V1(mlm_anomaly_score);
PG_FUNCTION_INFO_V1(mlm_anomalous);

extern Datum mlm_jsonb_numbers(PG_FUNCTION_ARGS);
extern Datum mlm_jsonb_categories(PG_FUNCTION_ARGS);

#define ANOMALY_RESULT_NATTS 5
#define ANOMALY_MAX_MODELS 8

typedef struct ModelRef
{
	char	   *model;
	int			nnum;
	int			ncat;
	NumericRef *num;
	CategoricalRef *cat;
	Datum		num_keys;		/* text[] of the numeric features' names */
	Datum		cat_keys;
	FmgrInfo	num_fn;			/* _jsonb_numbers, with its own key cache */
	FmgrInfo	cat_fn;			/* _jsonb_categories */
	double		cut_alpha;		/* the alpha of the cut-offs below */
	mlm_tail_cut **cuts;		/* [k]: each numeric feature's cut-offs for k features present */
} ModelRef;

typedef struct AnomalyCache
{
	int			nmodels;
	ModelRef	models[ANOMALY_MAX_MODELS];
	TupleDesc	tupdesc;
} AnomalyCache;

typedef struct RowVerdict
{
	double		p;
	int			k;				/* features present */
	const char *feature;
	const char *reason;
} RowVerdict;

static Datum
names_array(char **names, int n)
{
	Datum	   *d = (Datum *) palloc(Max(n, 1) * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* A call site of one of the jsonb feature extractors (they keep their keys in fn_extra). */
static void
extractor(FmgrInfo *fl, PGFunction fn, MemoryContext mcxt)
{
	memset(fl, 0, sizeof(FmgrInfo));
	fl->fn_addr = fn;
	fl->fn_oid = InvalidOid;
	fl->fn_nargs = 2;
	fl->fn_strict = false;
	fl->fn_mcxt = mcxt;
}

/*
 * Is this node a Citus worker (Citus's pg_dist_local_group names a group
 * other than the coordinator's 0)?  Called inside SPI.
 */
static bool
on_citus_worker(void)
{
	if (!OidIsValid(get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE)))
		return false;
	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_dist_local_group WHERE groupid OPERATOR(pg_catalog.<>) 0",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading pg_dist_local_group failed");
	return SPI_processed > 0;
}

/* Read a model's reference profiles into mcxt. */
static void
load_model(FunctionCallInfo fcinfo, ModelRef *mr, text *model, MemoryContext mcxt)
{
	char	   *nsp = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));
	/* every operator named with its schema: a caller's search_path must not redirect it */
	char	   *sql = psprintf("SELECT feature, kind, profile FROM %s.reference_profiles "
							   "WHERE model OPERATOR(pg_catalog.=) $1 "
							   "AND role OPERATOR(pg_catalog.=) 'feature'::pg_catalog.text ORDER BY feature",
							   quote_identifier(nsp));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(model)};
	MemoryContext old;
	char	  **num_names,
			  **cat_names;
	SPITupleTable *rows;
	uint64		nrows,
				i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading the reference profiles failed");

	/*
	 * A model without a reference has nothing to score against: every row
	 * has 0 features checked.  But a Citus worker's copy of the extension's
	 * tables is empty whatever the coordinator holds: there that answer
	 * would be silently wrong, so it is an error.
	 */
	rows = SPI_tuptable;
	nrows = SPI_processed;
	if (nrows == 0 && on_citus_worker())
	{
		char	   *any = psprintf("SELECT 1 FROM %s.reference_profiles WHERE model OPERATOR(pg_catalog.=) $1 LIMIT 1",
								   quote_identifier(nsp));

		if (SPI_execute_with_args(any, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "reading the reference profiles failed");
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("anomaly_score cannot run on a Citus worker"),
					 errdetail("The reference of model \"%s\" is on the coordinator; this node has none.",
							   text_to_cstring(model)),
					 errhint("Score rows on the coordinator, for example over a MATERIALIZED CTE of the distributed rows (see the README, Running on Citus).")));
	}

	old = MemoryContextSwitchTo(mcxt);
	mr->model = text_to_cstring(model);
	mr->nnum = mr->ncat = 0;
	mr->cuts = NULL;
	mr->num = (NumericRef *) palloc0(Max(nrows, 1) * sizeof(NumericRef));
	mr->cat = (CategoricalRef *) palloc0(Max(nrows, 1) * sizeof(CategoricalRef));
	num_names = (char **) palloc(Max(nrows, 1) * sizeof(char *));
	cat_names = (char **) palloc(Max(nrows, 1) * sizeof(char *));
	for (i = 0; i < nrows; i++)
	{
		HeapTuple	tup = rows->vals[i];
		TupleDesc	td = rows->tupdesc;
		bool		isnull;
		char	   *feature = SPI_getvalue(tup, td, 1);
		char	   *kind = SPI_getvalue(tup, td, 2);
		Datum		pd = SPI_getbinval(tup, td, 3, &isnull);
		struct varlena *vl;
		mlm_profile_view view;

		if (isnull || feature == NULL || kind == NULL)
			continue;
		/* a copy that outlives SPI: the decoded views point into it */
		vl = PG_DETOAST_DATUM_COPY(pd);
		mlm_profile_view_of(PROFILE_PAYLOAD(vl), &view);
		if (view.h->kind == MLM_PROFILE_NUMERIC && strcmp(kind, "numeric") == 0)
		{
			mr->num[mr->nnum].name = feature;
			reference_load_numeric(&mr->num[mr->nnum], &view);
			num_names[mr->nnum++] = feature;
		}
		else if (view.h->kind == MLM_PROFILE_CATEGORICAL && strcmp(kind, "categorical") == 0)
		{
			mr->cat[mr->ncat].name = feature;
			reference_load_categorical(&mr->cat[mr->ncat], &view);
			cat_names[mr->ncat++] = feature;
		}
	}
	mr->num_keys = names_array(num_names, mr->nnum);
	mr->cat_keys = names_array(cat_names, mr->ncat);
	extractor(&mr->num_fn, mlm_jsonb_numbers, mcxt);
	extractor(&mr->cat_fn, mlm_jsonb_categories, mcxt);
	MemoryContextSwitchTo(old);
	SPI_finish();
}

/* The cached reference of a model, loaded on first use in this call site. */
static ModelRef *
model_ref(FunctionCallInfo fcinfo, text *model)
{
	AnomalyCache *c = (AnomalyCache *) fcinfo->flinfo->fn_extra;
	char	   *name = text_to_cstring(model);
	int			i;

	if (c == NULL)
	{
		c = (AnomalyCache *) MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(AnomalyCache));
		fcinfo->flinfo->fn_extra = c;
	}
	for (i = 0; i < c->nmodels; i++)
		if (strcmp(c->models[i].model, name) == 0)
			return &c->models[i];
	if (c->nmodels == ANOMALY_MAX_MODELS)
		c->nmodels = 0;			/* forget them all: rows rarely interleave this many models */
	load_model(fcinfo, &c->models[c->nmodels], model, fcinfo->flinfo->fn_mcxt);
	return &c->models[c->nmodels++];
}

static void
consider(RowVerdict *v, double p, const char *feature, const char *reason)
{
	v->k++;
	if (v->feature == NULL || p < v->p)
	{
		v->p = p;
		v->feature = feature;
		v->reason = reason;
	}
}

static void
check_count(int got, int want, const char *kind)
{
	if (got != want)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected %d %s feature values, got %d", want, kind, got)));
}

/* A row's feature values, as the reference orders them (n = 0: no such features). */
typedef struct RowValues
{
	Datum	   *num;
	bool	   *num_null;
	int			nnum;
	Datum	   *cat;
	bool	   *cat_null;
	int			ncat;
	int			present;		/* non-null values */
} RowValues;

static void
row_values(const ModelRef *mr, ArrayType *nv, ArrayType *cv, RowValues *rv)
{
	int			i;

	memset(rv, 0, sizeof(RowValues));
	if (nv != NULL && mr->nnum > 0)
	{
		deconstruct_array(nv, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &rv->num, &rv->num_null, &rv->nnum);
		check_count(rv->nnum, mr->nnum, "numeric");
	}
	if (cv != NULL && mr->ncat > 0)
	{
		deconstruct_array(cv, TEXTOID, -1, false, TYPALIGN_INT, &rv->cat, &rv->cat_null, &rv->ncat);
		check_count(rv->ncat, mr->ncat, "categorical");
	}
	for (i = 0; i < rv->nnum; i++)
		rv->present += !rv->num_null[i];
	for (i = 0; i < rv->ncat; i++)
		rv->present += !rv->cat_null[i];
}

/* The tail probability of a category datum, and why. */
static double
category_tail(const CategoricalRef *r, Datum value, const char **reason)
{
	text	   *t = DatumGetTextPP(value);

	return reference_category_tail(r, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), reason);
}

/* The verdict on one row from its feature arrays (NULL arrays: no such features). */
static RowVerdict
judge(const ModelRef *mr, ArrayType *nv, ArrayType *cv)
{
	RowVerdict	v = {1.0, 0, NULL, NULL};
	RowValues	rv;
	int			i;

	row_values(mr, nv, cv, &rv);
	for (i = 0; i < rv.nnum; i++)
	{
		const NumericRef *r = &mr->num[i];
		double		x;
		const char *zero;

		if (rv.num_null[i])
			continue;
		x = DatumGetFloat8(rv.num[i]);
		zero = reference_numeric_zero(r, x);
		if (zero)
			consider(&v, 0.0, r->name, zero);
		else
			consider(&v, mlm_tail_numeric(&r->ws, &r->ix, r->min, r->max, x), r->name, "tail");
	}
	for (i = 0; i < rv.ncat; i++)
	{
		const char *reason;
		double		p;

		if (rv.cat_null[i])
			continue;
		p = category_tail(&mr->cat[i], rv.cat[i], &reason);
		consider(&v, p, mr->cat[i].name, reason);
	}
	if (v.k > 0)
		v.p = Min(1.0, v.p * (double) v.k);
	return v;
}

/* The cut-offs of every numeric feature for k features present (computed once). */
static const mlm_tail_cut *
cuts_for(FunctionCallInfo fcinfo, ModelRef *mr, int k, double alpha)
{
	MemoryContext old;
	int			i;

	if (mr->cuts == NULL || mr->cut_alpha != alpha)
	{
		mr->cuts = (mlm_tail_cut **) MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
															 sizeof(mlm_tail_cut *) * (mr->nnum + mr->ncat + 1));
		mr->cut_alpha = alpha;
	}
	if (mr->cuts[k] == NULL)
	{
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		mr->cuts[k] = (mlm_tail_cut *) palloc(sizeof(mlm_tail_cut) * Max(mr->nnum, 1));
		for (i = 0; i < mr->nnum; i++)
			mlm_tail_cutoffs(&mr->num[i].ws, (double) k, alpha, &mr->cuts[k][i]);
		MemoryContextSwitchTo(old);
	}
	return mr->cuts[k];
}

/*
 * _anomalous(model text, nv float8[], cv text[], alpha float8) returns
 * boolean: NULL when no feature is present.
 */
Datum
mlm_anomalous(PG_FUNCTION_ARGS)
{
	ModelRef   *mr;
	RowValues	rv;
	int			i;
	double		alpha;
	const mlm_tail_cut *cut;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	alpha = PG_GETARG_FLOAT8(3);
	if (!(alpha > 0 && alpha <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be in (0, 1]")));
	mr = model_ref(fcinfo, PG_GETARG_TEXT_PP(0));
	row_values(mr, PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1),
			   PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2), &rv);
	if (rv.present == 0)
		PG_RETURN_NULL();
	cut = cuts_for(fcinfo, mr, rv.present, alpha);
	for (i = 0; i < rv.nnum; i++)
	{
		double		x;

		if (rv.num_null[i])
			continue;
		x = DatumGetFloat8(rv.num[i]);
		if (reference_numeric_zero(&mr->num[i], x) || mlm_tail_beyond(&cut[i], x))
			PG_RETURN_BOOL(true);
	}
	for (i = 0; i < rv.ncat; i++)
	{
		const char *reason;
		double		q;

		if (rv.cat_null[i])
			continue;
		/* the same Bonferroni step as judge */
		q = category_tail(&mr->cat[i], rv.cat[i], &reason) * (double) rv.present;
		if ((q < 1.0 ? q : 1.0) < alpha)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}

/*
 * anomaly_score(model text, features jsonb) returns mlmon.anomaly_result
 * (p_value, score, feature, reason, features_checked).
 */
Datum
mlm_anomaly_score(PG_FUNCTION_ARGS)
{
	ModelRef   *mr = model_ref(fcinfo, PG_GETARG_TEXT_PP(0));
	Datum		features = PG_GETARG_DATUM(1);
	AnomalyCache *c = (AnomalyCache *) fcinfo->flinfo->fn_extra;
	ArrayType  *nv = NULL,
			   *cv = NULL;
	RowVerdict	v;
	Datum		values[ANOMALY_RESULT_NATTS];
	bool		nulls[ANOMALY_RESULT_NATTS] = {false, false, false, false, false};

	if (c->tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		c->tupdesc = BlessTupleDesc(CreateTupleDescCopy(result_desc(fcinfo, ANOMALY_RESULT_NATTS)));
		MemoryContextSwitchTo(old);
	}
	if (mr->nnum > 0)
		nv = DatumGetArrayTypeP(FunctionCall2(&mr->num_fn, features, mr->num_keys));
	if (mr->ncat > 0)
		cv = DatumGetArrayTypeP(FunctionCall2(&mr->cat_fn, features, mr->cat_keys));
	v = judge(mr, nv, cv);
	if (v.k == 0)
	{
		nulls[0] = nulls[1] = nulls[2] = nulls[3] = true;
		values[4] = Int32GetDatum(0);
	}
	else
	{
		values[0] = Float8GetDatum(v.p);
		values[1] = Float8GetDatum(1.0 - v.p);
		values[2] = CStringGetTextDatum(v.feature);
		values[3] = CStringGetTextDatum(v.reason);
		values[4] = Int32GetDatum(v.k);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(c->tupdesc, values, nulls)));
}
