/*
 * summary_plan.c: decoding mlmon._summary_plan (summary_plan.h).
 *
 * The plan is SQL's decision (sql/monitoring.sql, _check_plan): which
 * features, their kinds and references, which drift tests need a grid or
 * bins, the calibration of CBPE, the anomaly level.  Every check of the
 * plan's shape is made here, so the per-row code trusts it.
 */
#include "summary_plan.h"

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "core/binning.h"

static void
bad_plan(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid summary plan"),
			 errdetail("%s", detail)));
}

/* The elements of a one-dimensional array attribute (NULL when the attribute is). */
static int
array_elems(Datum d, bool isnull, Oid elemtype, Datum **elems, bool **nulls)
{
	ArrayType  *a;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;

	if (isnull)
	{
		*elems = NULL;
		*nulls = NULL;
		return 0;
	}
	a = DatumGetArrayTypeP(d);
	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != elemtype)
		bad_plan("An array attribute has the wrong shape or type.");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, elems, nulls, &n);
	return n;
}

void
plan_column_init(PlanColumn *c, Datum ref, bool numeric, int parts)
{
	c->numeric = numeric;
	c->has_ref = true;
	c->ref = PG_DETOAST_DATUM_COPY(ref);
	mlm_profile_view_of(PROFILE_PAYLOAD(c->ref), &c->view);
	if ((c->view.h->kind == MLM_PROFILE_NUMERIC) != numeric)
		bad_plan("A reference profile is not of its feature's kind.");
	if (numeric)
	{
		reference_load_numeric(&c->nref, &c->view);
		/* against a sketch, KS is computed from the profiles, within their bounds */
		c->grid = (parts & PART_GRID) != 0 && c->view.h->mode == MLM_PROFILE_EXACT &&
			c->nref.ws.m <= MLM_PROFILE_MAX_CAP;
		c->bins = (parts & PART_BINS) != 0;
		if (c->bins)
			c->nedges = c->nref.ws.n > 0 ? mlm_quantile_edges(&c->nref.ws, SUMMARY_BINS, c->edges) : 0;
	}
	else
		reference_load_categorical(&c->cref, &c->view);
}

SummaryPlan *
summary_plan_decode(HeapTupleHeader rec)
{
	SummaryPlan *p = palloc0(sizeof(SummaryPlan));
	TupleDesc	td = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec), HeapTupleHeaderGetTypMod(rec));
	HeapTupleData tup;
	Datum		v[PLAN_NATTS];
	bool		isnull[PLAN_NATTS];
	Datum	   *names,
			   *kinds,
			   *refs,
			   *parts;
	bool	   *names_null,
			   *kinds_null,
			   *refs_null,
			   *parts_null;
	char	  **keys;
	int		   *keylens;
	int			i,
				nk,
				nr,
				np;
	char	   *task;
	Oid			profile_type;

	if (td->natts != PLAN_NATTS)
		bad_plan("The plan has the wrong number of attributes.");
	profile_type = get_element_type(TupleDescAttr(td, PLAN_REFS - 1)->atttypid);
	tup.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = rec;
	heap_deform_tuple(&tup, td, v, isnull);
	ReleaseTupleDesc(td);

	if (isnull[PLAN_TASK - 1])
		bad_plan("The task is NULL.");
	task = TextDatumGetCString(v[PLAN_TASK - 1]);
	p->classification = strcmp(task, "classification") == 0;
	if (!p->classification && strcmp(task, "regression") != 0)
		bad_plan("The task is neither classification nor regression.");

	p->nf = array_elems(v[PLAN_FEATURES - 1], isnull[PLAN_FEATURES - 1], TEXTOID, &names, &names_null);
	nk = array_elems(v[PLAN_KINDS - 1], isnull[PLAN_KINDS - 1], TEXTOID, &kinds, &kinds_null);
	nr = array_elems(v[PLAN_REFS - 1], isnull[PLAN_REFS - 1], profile_type, &refs, &refs_null);
	np = array_elems(v[PLAN_PARTS - 1], isnull[PLAN_PARTS - 1], INT4OID, &parts, &parts_null);
	if (nk != p->nf || nr != p->nf || np != p->nf)
		bad_plan("The features, kinds, references and parts differ in length.");
	p->col = palloc0(sizeof(PlanColumn) * Max(p->nf, 1));
	keys = palloc(sizeof(char *) * Max(p->nf, 1));
	keylens = palloc(sizeof(int) * Max(p->nf, 1));
	for (i = 0; i < p->nf; i++)
	{
		char	   *kind;

		if (names_null[i] || kinds_null[i] || refs_null[i] || parts_null[i])
			bad_plan("A feature's name, kind, reference or parts is NULL.");
		kind = TextDatumGetCString(kinds[i]);
		if (strcmp(kind, "numeric") != 0 && strcmp(kind, "categorical") != 0)
			bad_plan("A feature's kind is neither numeric nor categorical.");
		p->col[i].name = TextDatumGetCString(names[i]);
		if (i > 0 && strcmp(p->col[i - 1].name, p->col[i].name) >= 0)
			bad_plan("The features are not in ascending byte order.");
		plan_column_init(&p->col[i], refs[i], kind[0] == 'n', DatumGetInt32(parts[i]));
		keys[i] = p->col[i].name;
		keylens[i] = (int) strlen(p->col[i].name);
	}
	jsonb_keys_init(&p->keys, keys, keylens, p->nf);

	p->pred.name = "";
	p->pred.numeric = !p->classification;
	if (!isnull[PLAN_PREDICTION_REF - 1])
		plan_column_init(&p->pred, v[PLAN_PREDICTION_REF - 1], !p->classification,
					isnull[PLAN_PREDICTION_PARTS - 1] ? 0 : DatumGetInt32(v[PLAN_PREDICTION_PARTS - 1]));

	p->cbpe = !isnull[PLAN_CALIBRATION - 1] && !isnull[PLAN_POSITIVE - 1] && !isnull[PLAN_NEGATIVE - 1];
	if (p->cbpe)
	{
		text	   *pos = DatumGetTextPP(v[PLAN_POSITIVE - 1]),
				   *neg = DatumGetTextPP(v[PLAN_NEGATIVE - 1]);

		calibration_load(DatumGetHeapTupleHeader(v[PLAN_CALIBRATION - 1]), &p->cal);
		p->poslen = VARSIZE_ANY_EXHDR(pos);
		p->pos = pnstrdup(VARDATA_ANY(pos), p->poslen);
		p->neglen = VARSIZE_ANY_EXHDR(neg);
		p->neg = pnstrdup(VARDATA_ANY(neg), p->neglen);
	}
	p->anomalies = !isnull[PLAN_ALPHA - 1];
	if (p->anomalies)
	{
		p->alpha = DatumGetFloat8(v[PLAN_ALPHA - 1]);
		if (!(p->alpha > 0 && p->alpha <= 1))
			bad_plan("The anomaly level is not in (0, 1].");
		p->cuts = palloc0(sizeof(mlm_tail_cut *) * (p->nf + 1));
	}
	p->unexpected = !isnull[PLAN_UNEXPECTED - 1] && DatumGetBool(v[PLAN_UNEXPECTED - 1]);
	p->has_scale = !isnull[PLAN_ERROR_SCALE - 1];
	if (p->has_scale)
		p->error_scale = DatumGetFloat8(v[PLAN_ERROR_SCALE - 1]);
	p->cap = isnull[PLAN_CAP - 1] ? mlm_profile_exact_cap : DatumGetInt32(v[PLAN_CAP - 1]);
	if (p->cap < MLM_PROFILE_MIN_CAP || p->cap > MLM_PROFILE_MAX_CAP)
		bad_plan("The profiles' cap is out of range.");
	return p;
}

const mlm_tail_cut *
summary_plan_cuts(SummaryPlan *p, int k)
{
	int			i;

	if (p->cuts[k] == NULL)
	{
		mlm_tail_cut *c = MemoryContextAlloc(GetMemoryChunkContext(p->cuts), sizeof(mlm_tail_cut) * Max(p->nf, 1));

		for (i = 0; i < p->nf; i++)
			if (p->col[i].numeric)
				mlm_tail_cutoffs(&p->col[i].nref.ws, (double) k, p->alpha, &c[i]);
		p->cuts[k] = c;
	}
	return p->cuts[k];
}
