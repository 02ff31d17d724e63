/*
 * classification_state.c: mlmon.classification_state, the state of
 * mlmon.classification_metrics: its transition, combine and final
 * functions and its input and output.
 *
 * A real type, so Citus computes the aggregate partially on its workers
 * and ships the partial states as text (base64 of the portable binary
 * form, core/classification_wire.h); during aggregation the state is an
 * expanded object every row updates in place.  The state operations
 * themselves (counting pairs, keeping scores, the result) are in
 * agg_classification.c, with 0.2.0's internal-state functions.  The state
 * knows its form (labels only, scores, scores of a named positive label):
 * Citus calls the transition and final functions without the expression
 * that would tell their argument types.
 */
#include "classification_state.h"

#include "base64_form.h"
#include "core/classification_wire.h"
#include "core/sort.h"
#include "huge_alloc.h"

#include "libpq/pqformat.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(mlm_classification_state_accum);
PG_FUNCTION_INFO_V1(mlm_classification_state_accum_score);
PG_FUNCTION_INFO_V1(mlm_classification_state_accum_positive);
PG_FUNCTION_INFO_V1(mlm_classification_state_combine);
PG_FUNCTION_INFO_V1(mlm_classification_state_final);
PG_FUNCTION_INFO_V1(mlm_classification_state_in);
PG_FUNCTION_INFO_V1(mlm_classification_state_out);
PG_FUNCTION_INFO_V1(mlm_classification_state_recv);
PG_FUNCTION_INFO_V1(mlm_classification_state_send);

/* A mlmon.classification_state during aggregation: an expanded object around the state. */
typedef struct ClassStateEO
{
	ExpandedObjectHeader hdr;
	ClassState	st;
	struct varlena *flat;		/* the flat form once asked for, until the state changes */
} ClassStateEO;

static Size eo_get_flat_size(ExpandedObjectHeader *eohptr);
static void eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods eo_methods = {
	eo_get_flat_size,
	eo_flatten_into
};

/* A new expanded state of form `form` in a context of its own under parent. */
static ClassStateEO *
eo_new(MemoryContext parent, uint8 form)
{
	/* small: GROUP BY may hold thousands of states */
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon classification state", ALLOCSET_SMALL_SIZES);
	ClassStateEO *eo = (ClassStateEO *) MemoryContextAllocZero(cxt, sizeof(ClassStateEO));

	EOH_init_header(&eo->hdr, &eo_methods, cxt);
	class_state_init(&eo->st, cxt);
	eo->st.form = form;
	return eo;
}

/* d as our expanded state (read-write or read-only), or NULL when it is flat. */
static ClassStateEO *
eo_of(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &eo_methods)
		elog(ERROR, "expanded object is not a mlmon.classification_state");
	return (ClassStateEO *) eoh;
}

/* The state is about to change: forget its flat form. */
static void
eo_changed(ClassStateEO *eo)
{
	if (eo->flat != NULL)
	{
		pfree(eo->flat);
		eo->flat = NULL;
	}
}

/* Sort a score list in place (its order is no part of the state). */
static void
sort_scores(Scores *s)
{
	double	   *tmp,
			   *r;

	if (s->n < 2)
		return;
	tmp = huge_alloc(CurrentMemoryContext, s->n * sizeof(double));
	r = mlm_sort_doubles(s->v, tmp, (size_t) s->n);
	if (r != s->v)
		memcpy(s->v, r, s->n * sizeof(double));
	pfree(tmp);
}

static void
too_large(const ClassState *st)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("partial state of mlmon.classification_metrics too large"),
			 errdetail("The state holds " INT64_FORMAT " label pairs and " INT64_FORMAT " scores; a value is at most 1 GB.",
					   catcount_size(&st->pairs), st->sc[0].n + st->sc[1].n)));
}

/* Add more bytes to *size, within a value's limit. */
static void
grow(Size *size, Size more, const ClassState *st)
{
	if (more > MaxAllocSize || *size > MaxAllocSize - more)
		too_large(st);
	*size += more;
}

/* The flat (portable) form of st, in mcxt; the score lists are sorted in place. */
static struct varlena *
class_state_flatten(ClassState *st, MemoryContext mcxt)
{
	CatEntry  **entries = catcount_sorted(&st->pairs);
	int64		npairs = catcount_size(&st->pairs);
	Size		size = VARHDRSZ + MLM_CLASS_WIRE_HEADER;
	mlm_class_wire w;
	struct varlena *vl;
	unsigned char *p;
	int			order[2] = {0, 1};
	int			i;
	int64		j;

	memset(&w, 0, sizeof(w));
	w.form = st->form;
	w.multiclass = st->multiclass;
	w.npairs = npairs;
	w.n = st->n;
	w.n_scored = st->n_scored;
	w.pos = st->pos;
	w.poslen = st->explicit_pos ? (uint32) st->poslen : 0;
	w.nslots = st->form == MLM_CLASS_FORM_SCORES ? st->nlabels : st->form == MLM_CLASS_FORM_POSITIVE ? 2 : 0;
	if (st->form == MLM_CLASS_FORM_SCORES && st->nlabels == 2 &&
		catcount_cmp(st->label[0], st->labellen[0], st->label[1], st->labellen[1]) > 0)
	{
		order[0] = 1;
		order[1] = 0;
	}
	grow(&size, w.poslen, st);
	/* each key is actual '\0' predicted: the pair's two lengths take 3 bytes more than it */
	grow(&size, st->pairs.key_bytes, st);
	for (j = 0; j < npairs; j++)
		grow(&size, MLM_CLASS_WIRE_PAIR_FIXED - 1, st);
	for (i = 0; i < w.nslots; i++)
	{
		Scores	   *s = &st->sc[order[i]];

		if (st->form == MLM_CLASS_FORM_SCORES)
			grow(&size, 4 + (Size) st->labellen[order[i]], st);
		if ((Size) s->n > MaxAllocSize / sizeof(double))
			too_large(st);
		grow(&size, 8 + (Size) s->n * sizeof(double), st);
	}
	for (i = 0; i < w.nslots; i++)
		sort_scores(&st->sc[i]);

	vl = (struct varlena *) MemoryContextAlloc(mcxt, size);
	SET_VARSIZE(vl, size);
	p = mlm_class_wire_put_header((unsigned char *) VARDATA(vl), &w);
	for (j = 0; j < npairs; j++)
	{
		const char *key = entries[j]->key.data;
		int32		alen = strnlen(key, entries[j]->key.len);

		p = mlm_class_wire_put_pair(p, key, (uint32) alen, key + alen + 1,
									(uint32) (entries[j]->key.len - alen - 1), entries[j]->c[0]);
	}
	for (i = 0; i < w.nslots; i++)
	{
		int			k = order[i];

		p = mlm_class_wire_put_scores(p, st->form == MLM_CLASS_FORM_SCORES ? st->label[k] : NULL,
									  (uint32) st->labellen[k], st->sc[k].v, st->sc[k].n);
	}
	Assert((char *) p == (char *) vl + size);
	pfree(entries);
	return vl;
}

static struct varlena *
eo_flat(ClassStateEO *eo)
{
	if (eo->flat == NULL)
		eo->flat = class_state_flatten(&eo->st, eo->hdr.eoh_context);
	return eo->flat;
}

static Size
eo_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(eo_flat((ClassStateEO *) eohptr));
}

static void
eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *vl = eo_flat((ClassStateEO *) eohptr);

	Assert(allocated_size == VARSIZE(vl));
	memcpy(result, vl, allocated_size);
}

/* Check a flat form (bytes[0..len), untrusted) and fill w; errors carry errcode_bad. */
static void
class_wire_read(const char *bytes, Size len, int errcode_bad, mlm_class_wire *w)
{
	char		err[256];

	if (mlm_class_wire_check(bytes, len, w, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.classification_state value"),
				 errdetail("%s", err)));
}

/* The scores of list s of a checked form, as doubles (palloc'd). */
static double *
wire_scores(const mlm_class_wire *w, int s)
{
	double	   *v = huge_alloc(CurrentMemoryContext, Max(w->nscores[s], 1) * sizeof(double));
	int64		i;

	for (i = 0; i < w->nscores[s]; i++)
		v[i] = mlm_class_wire_score(w, s, i);
	return v;
}

/* An expanded state under parent from a flat form (checked again: it may come from a user). */
static ClassStateEO *
eo_expand(struct varlena *vl, MemoryContext parent)
{
	mlm_class_wire w;
	ClassStateEO *eo;
	ClassState *st;
	const unsigned char *p;
	int64		i;
	int			s;

	class_wire_read(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl), ERRCODE_DATA_CORRUPTED, &w);
	eo = eo_new(parent, w.form);
	st = &eo->st;
	if (w.form == MLM_CLASS_FORM_POSITIVE)
		class_state_set_positive(st, w.pos, (int32) w.poslen);
	for (i = 0, p = w.pairs; i < w.npairs; i++)
	{
		const char *a,
				   *pr;
		uint32		alen,
					plen;
		int64		count;

		p = mlm_class_wire_pair(p, &a, &alen, &pr, &plen, &count);
		class_state_add_pair(st, a, (int32) alen, pr, (int32) plen, count);
	}
	for (s = 0; s < w.nslots; s++)
	{
		double	   *v = wire_scores(&w, s);

		/* form 1: the labels in byte order become slots 0 and 1 */
		if (w.form == MLM_CLASS_FORM_SCORES)
			class_state_add_scores(st, w.label[s], (int32) w.labellen[s], v, w.nscores[s]);
		else
			class_state_slot_scores(st, s, v, w.nscores[s]);
		pfree(v);
	}
	st->multiclass = w.multiclass;
	st->n_scored = w.n_scored;
	return eo;
}

/* The state of argument argno: its expanded object (a flat value is expanded in the current context). */
static ClassState *
state_arg(FunctionCallInfo fcinfo, int argno)
{
	ClassStateEO *eo = eo_of(PG_GETARG_DATUM(argno));

	if (eo == NULL)
		eo = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)), CurrentMemoryContext);
	return &eo->st;
}

/* The state of argument 0 to update: read-write in aggcxt. */
static ClassStateEO *
state_to_update(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	ClassStateEO *eo = eo_of(PG_GETARG_DATUM(0));

	if (eo == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
		eo = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), aggcxt);
	eo_changed(eo);
	return eo;
}

/*
 * The transition of the three forms: rows with a NULL label are skipped, a
 * NULL score leaves the row out of the score metrics only.
 */
static Datum
class_state_accum(FunctionCallInfo fcinfo, uint8 form)
{
	MemoryContext aggcxt;
	ClassStateEO *eo;
	ClassState *st;
	text	   *a,
			   *p;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition function of mlmon.classification_metrics can only be called by its aggregate")));
	if (PG_ARGISNULL(0))
	{
		eo = eo_new(aggcxt, form);
		if (form == MLM_CLASS_FORM_POSITIVE)
		{
			text	   *pl;

			if (PG_ARGISNULL(4))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("positive_label of mlmon.classification_metrics must not be NULL")));
			pl = PG_GETARG_TEXT_PP(4);
			class_state_set_positive(&eo->st, VARDATA_ANY(pl), VARSIZE_ANY_EXHDR(pl));
		}
	}
	else
	{
		Datum		d = PG_GETARG_DATUM(0);

		/* the usual case, once a row: our read-write expanded state, read inline */
		eo = NULL;
		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		{
			struct varatt_expanded ve;

			memcpy(&ve, VARDATA_EXTERNAL(DatumGetPointer(d)), sizeof(ve));
			if (ve.eohptr->eoh_methods == &eo_methods)
				eo = (ClassStateEO *) ve.eohptr;
		}
		if (eo == NULL)
			eo = state_to_update(fcinfo, aggcxt);
		else if (eo->flat != NULL)
			eo_changed(eo);
		if (eo->st.form != form)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("partial state of another form of mlmon.classification_metrics")));
		if (form == MLM_CLASS_FORM_POSITIVE)
		{
			/* every row must name the positive label the first one named (as the combine requires) */
			text	   *pl;

			if (PG_ARGISNULL(4))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("positive_label of mlmon.classification_metrics must not be NULL")));
			pl = PG_GETARG_TEXT_PP(4);
			if (!eo->st.explicit_pos || (int32) VARSIZE_ANY_EXHDR(pl) != eo->st.poslen ||
				memcmp(VARDATA_ANY(pl), eo->st.pos, eo->st.poslen) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("positive_label of mlmon.classification_metrics must be the same in every row")));
		}
	}
	st = &eo->st;
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		a = PG_GETARG_TEXT_PP(1);
		p = PG_GETARG_TEXT_PP(2);
		class_state_add_pair(st, VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), VARDATA_ANY(p), VARSIZE_ANY_EXHDR(p), 1);
		if (form != MLM_CLASS_FORM_LABELS && !PG_ARGISNULL(3))
		{
			double		s = PG_GETARG_FLOAT8(3);

			class_state_check_score(s);
			s += 0.0;			/* -0 is 0: one state, one form */
			class_state_add_scores(st, VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), &s, 1);
		}
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
}

/* _classification_accum(mlmon.classification_state, actual text, predicted text) */
Datum
mlm_classification_state_accum(PG_FUNCTION_ARGS)
{
	return class_state_accum(fcinfo, MLM_CLASS_FORM_LABELS);
}

/* _classification_accum(mlmon.classification_state, actual text, predicted text, score float8) */
Datum
mlm_classification_state_accum_score(PG_FUNCTION_ARGS)
{
	return class_state_accum(fcinfo, MLM_CLASS_FORM_SCORES);
}

/* _classification_accum(mlmon.classification_state, actual text, predicted text, score float8, positive_label text) */
Datum
mlm_classification_state_accum_positive(PG_FUNCTION_ARGS)
{
	return class_state_accum(fcinfo, MLM_CLASS_FORM_POSITIVE);
}

/*
 * _classification_combine(mlmon.classification_state, mlmon.classification_state):
 * add the pairs and scores of the second state to the first (NULLs are skipped).
 */
Datum
mlm_classification_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ClassStateEO *a;
	ClassState *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the combine function of mlmon.classification_metrics can only be called by its aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = state_arg(fcinfo, 1);
	if (PG_ARGISNULL(0))
	{
		a = eo_new(aggcxt, b->form);
		if (b->explicit_pos)
			class_state_set_positive(&a->st, b->pos, b->poslen);
	}
	else
		a = state_to_update(fcinfo, aggcxt);
	class_state_merge(&a->st, b);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* _classification_final(mlmon.classification_state) returns mlmon.classification_result */
Datum
mlm_classification_state_final(PG_FUNCTION_ARGS)
{
	ClassState *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = state_arg(fcinfo, 0);
	if (st->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(class_state_result(fcinfo, st, st->form != MLM_CLASS_FORM_LABELS));
}

/* A checked flat mlmon.classification_state holding bytes[0..len). */
static struct varlena *
class_state_from_bytes(const char *bytes, Size len, int errcode_bad)
{
	mlm_class_wire w;

	class_wire_read(bytes, len, errcode_bad, &w);
	return base64_form_varlena(bytes, len);
}

/* mlm_classification_state_in(cstring) returns mlmon.classification_state: base64 of the binary form. */
Datum
mlm_classification_state_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = base64_form_decode(PG_GETARG_CSTRING(0), "mlmon.classification_state", &len);

	PG_RETURN_POINTER(class_state_from_bytes(bytes, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* mlm_classification_state_out(mlmon.classification_state) returns cstring */
Datum
mlm_classification_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(base64_form_out(PG_GETARG_DATUM(0)));
}

/* mlm_classification_state_recv(internal) returns mlmon.classification_state: the rest of the message is the binary form. */
Datum
mlm_classification_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	struct varlena *vl = class_state_from_bytes(buf->data + buf->cursor, (Size) (buf->len - buf->cursor),
												ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(vl);
}

/* mlm_classification_state_send(mlmon.classification_state) returns bytea */
Datum
mlm_classification_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(base64_form_send(PG_GETARG_DATUM(0)));
}
