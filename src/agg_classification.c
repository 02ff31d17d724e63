/*
 * agg_classification.c: mlmon.classification_metrics, the performance of a
 * classifier from (actual, predicted [, score [, positive label]]) rows.
 *
 * The state counts (actual, predicted) pairs, so memory grows with the
 * number of distinct pairs, not with the rows; the score forms also keep
 * each row's score by actual label (ROC AUC needs their order).  Rows with
 * a NULL actual or predicted label are skipped; a NULL score leaves the
 * row out of the score metrics only.  The metrics are computed by
 * core/metrics.c.  This file holds the state's operations and the result
 * row, shared with mlmon.classification_state (classification_state.c, the
 * aggregates' state type), and 0.2.0's internal-state support functions: a
 * database not yet updated (ALTER EXTENSION mlmon UPDATE) still calls them.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "catcount.h"
#include "classification_result.h"
#include "classification_state.h"
#include "core/metrics.h"
#include "core/sort.h"
#include "huge_alloc.h"
#include "result_desc.h"

PG_FUNCTION_INFO_V1(mlm_classification_accum);
PG_FUNCTION_INFO_V1(mlm_classification_combine);
PG_FUNCTION_INFO_V1(mlm_classification_serialize);
PG_FUNCTION_INFO_V1(mlm_classification_deserialize);
PG_FUNCTION_INFO_V1(mlm_classification_final);

#define CLASS_STATE_VERSION 1
/* Most distinct labels the confusion matrix is built for (a 4096^2 int64 matrix is 128 MB). */
#define MAX_CLASSES 4096

static ClassState *
class_state_new(MemoryContext mcxt)
{
	ClassState *st = MemoryContextAllocZero(mcxt, sizeof(ClassState));

	class_state_init(st, mcxt);
	return st;
}

void
class_state_init(ClassState *st, MemoryContext mcxt)
{
	st->mcxt = mcxt;
	catcount_init(&st->pairs, mcxt);
}

static char *
copy_bytes(MemoryContext mcxt, const char *p, int32 len)
{
	char	   *r = MemoryContextAlloc(mcxt, len + 1);

	memcpy(r, p, len);
	r[len] = '\0';
	return r;
}

static void
scores_add(ClassState *st, Scores *s, const double *v, int64 n)
{
	if (s->n + n > s->cap)
	{
		/* start small: GROUP BY may hold thousands of states */
		int64		cap = Max(s->cap * 2, Max(s->n + n, 16));

		if ((Size) cap > (SIZE_MAX / 2) / sizeof(double))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many scores for mlmon.classification_metrics")));
		s->v = s->v ? huge_realloc(s->v, cap * sizeof(double)) : huge_alloc(st->mcxt, cap * sizeof(double));
		s->cap = cap;
	}
	if (n == 1)
		s->v[s->n] = v[0];		/* a row's score: no memcpy call */
	else
		memcpy(s->v + s->n, v, n * sizeof(double));
	s->n += n;
}

/*
 * A third actual label has scores: the score metrics are NULL, and the
 * scores are dropped (so that the state is the same whatever the rows'
 * order; n_scored still counts every scored row).
 */
static void
set_multiclass(ClassState *st)
{
	int			i;

	st->multiclass = true;
	for (i = 0; i < 2; i++)
	{
		if (st->sc[i].v != NULL)
			pfree(st->sc[i].v);
		memset(&st->sc[i], 0, sizeof(Scores));
		if (i < st->nlabels)
			pfree(st->label[i]);
		st->label[i] = NULL;
		st->labellen[i] = 0;
	}
	st->nlabels = 0;
}

void
class_state_slot_scores(ClassState *st, int slot, const double *v, int64 n)
{
	scores_add(st, &st->sc[slot], v, n);
}

/* The score slot for actual label a (implicit positive label), or -1 once multiclass. */
static int
label_slot(ClassState *st, const char *a, int32 alen)
{
	int			i;

	for (i = 0; i < st->nlabels; i++)
		if (st->labellen[i] == alen && memcmp(st->label[i], a, alen) == 0)
			return i;
	if (st->nlabels == 2)
	{
		set_multiclass(st);
		return -1;
	}
	st->label[st->nlabels] = copy_bytes(st->mcxt, a, alen);
	st->labellen[st->nlabels] = alen;
	return st->nlabels++;
}

/* Add scores to the slot of actual label a (not counted in n_scored). */
static void
add_scores(ClassState *st, const char *a, int32 alen, const double *v, int64 n)
{
	int			slot;

	if (st->explicit_pos)
		slot = (alen == st->poslen && memcmp(a, st->pos, alen) == 0) ? 1 : 0;
	else
	{
		if (st->multiclass)
			return;
		slot = label_slot(st, a, alen);
		if (slot < 0)
			return;
	}
	scores_add(st, &st->sc[slot], v, n);
}

void
class_state_add_scores(ClassState *st, const char *a, int32 alen, const double *v, int64 n)
{
	st->n_scored += n;
	add_scores(st, a, alen, v, n);
}

void
class_state_set_positive(ClassState *st, const char *p, int32 len)
{
	st->explicit_pos = true;
	st->poslen = len;
	st->pos = copy_bytes(st->mcxt, p, len);
}

/*
 * _classification_accum(internal, actual text, predicted text
 *                       [, score float8 [, positive_label text]])
 */
Datum
mlm_classification_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ClassState *st;
	text	   *a,
			   *p;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_classification_accum called in non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (ClassState *) PG_GETARG_POINTER(0);
	if (st == NULL)
	{
		st = class_state_new(aggcxt);
		if (PG_NARGS() >= 5 && !PG_ARGISNULL(4))
		{
			text	   *pl = PG_GETARG_TEXT_PP(4);

			class_state_set_positive(st, VARDATA_ANY(pl), VARSIZE_ANY_EXHDR(pl));
		}
		else if (PG_NARGS() >= 5)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("positive_label of mlmon.classification_metrics must not be NULL")));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	a = PG_GETARG_TEXT_PP(1);
	p = PG_GETARG_TEXT_PP(2);
	class_state_add_pair(st, VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), VARDATA_ANY(p), VARSIZE_ANY_EXHDR(p), 1);
	if (PG_NARGS() >= 4 && !PG_ARGISNULL(3))
	{
		double		s = PG_GETARG_FLOAT8(3);

		class_state_check_score(s);
		class_state_add_scores(st, VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), &s, 1);
	}
	PG_RETURN_POINTER(st);
}

/* Add b's scores to a: by slot when both name the positive label, else by label. */
static void
merge_scores(ClassState *a, const ClassState *b)
{
	int			i;

	if (b->explicit_pos != a->explicit_pos ||
		(a->explicit_pos && (a->poslen != b->poslen || memcmp(a->pos, b->pos, a->poslen) != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("positive_label of mlmon.classification_metrics must be the same in every row")));
	if (a->explicit_pos)
	{
		for (i = 0; i < 2; i++)
			if (b->sc[i].n > 0)
				scores_add(a, &a->sc[i], b->sc[i].v, b->sc[i].n);
		return;
	}
	if (b->multiclass && !a->multiclass)
		set_multiclass(a);
	for (i = 0; i < b->nlabels && !a->multiclass; i++)
		add_scores(a, b->label[i], b->labellen[i], b->sc[i].v, b->sc[i].n);
}

void
class_state_merge(ClassState *a, const ClassState *b)
{
	uint64		it = 0;
	CatEntry   *e;

	if (a->form != b->form)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("partial states of two forms of mlmon.classification_metrics cannot be combined")));
	if (b->n > PG_INT64_MAX - a->n || b->n_scored > PG_INT64_MAX - a->n_scored)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of mlmon.classification_metrics out of range")));
	while ((e = catcount_next((CatCounter *) &b->pairs, &it)) != NULL)
	{
		catcount_add(&a->pairs, e->key.data, e->key.len, e->c[0], 0);
		a->n += e->c[0];
	}
	merge_scores(a, b);
	a->n_scored += b->n_scored;
}

static ClassState *
merge_states(MemoryContext mcxt, ClassState *a, ClassState *b)
{
	if (b == NULL)
		return a;
	if (a == NULL)
	{
		a = class_state_new(mcxt);
		if (b->explicit_pos)
			class_state_set_positive(a, b->pos, b->poslen);
	}
	class_state_merge(a, b);
	return a;
}

Datum
mlm_classification_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ClassState *a = PG_ARGISNULL(0) ? NULL : (ClassState *) PG_GETARG_POINTER(0);
	ClassState *b = PG_ARGISNULL(1) ? NULL : (ClassState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_classification_combine called in non-aggregate context");
	a = merge_states(aggcxt, a, b);
	if (a == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(a);
}

/*
 * Serialized form: version byte, flags byte, then int32-length-prefixed
 * strings and int64 counts:
 *   npairs, (key, count)*; positive label (explicit) or nlabels and labels;
 *   then per slot the number of scores and the scores; then the scored
 *   rows (a server's parallel workers run the same library: the form may
 *   change from one version of it to the next).
 */
static void
put_bytes(StringInfo buf, const char *p, int32 len)
{
	appendBinaryStringInfo(buf, (const char *) &len, sizeof(int32));
	appendBinaryStringInfo(buf, p, len);
}

static void
put_int64(StringInfo buf, int64 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, sizeof(int64));
}

Datum
mlm_classification_serialize(PG_FUNCTION_ARGS)
{
	ClassState *st = (ClassState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	uint64		it = 0;
	CatEntry   *e;
	int			i;
	uint8		flags = (st->explicit_pos ? 1 : 0) | (st->multiclass ? 2 : 0);
	bytea	   *r;
	Size		bytes = st->pairs.key_bytes + catcount_size(&st->pairs) * 12 +
		(st->sc[0].n + st->sc[1].n) * sizeof(double) + 256;

	if (bytes > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of mlmon.classification_metrics too large to serialize"),
				 errhint("Partial states are serialized by parallel workers: disable them for this statement with SET max_parallel_workers_per_gather = 0.")));
	initStringInfo(&buf);
	enlargeStringInfo(&buf, (int) bytes);
	appendStringInfoCharMacro(&buf, CLASS_STATE_VERSION);
	appendStringInfoCharMacro(&buf, flags);
	put_int64(&buf, catcount_size(&st->pairs));
	while ((e = catcount_next(&st->pairs, &it)) != NULL)
	{
		put_bytes(&buf, e->key.data, e->key.len);
		put_int64(&buf, e->c[0]);
	}
	if (st->explicit_pos)
		put_bytes(&buf, st->pos, st->poslen);
	else
	{
		put_int64(&buf, st->nlabels);
		for (i = 0; i < st->nlabels; i++)
			put_bytes(&buf, st->label[i], st->labellen[i]);
	}
	for (i = 0; i < 2; i++)
	{
		put_int64(&buf, st->sc[i].n);
		if (st->sc[i].n > 0)
			appendBinaryStringInfo(&buf, (const char *) st->sc[i].v, st->sc[i].n * sizeof(double));
	}
	put_int64(&buf, st->n_scored);
	r = (bytea *) palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(r, VARHDRSZ + buf.len);
	memcpy(VARDATA(r), buf.data, buf.len);
	pfree(buf.data);
	PG_RETURN_BYTEA_P(r);
}

typedef struct Reader
{
	const char *p;
	const char *end;
} Reader;

static void
bad_state(void)
{
	elog(ERROR, "invalid serialized classification state");
}

static int64
get_int64(Reader *r)
{
	int64		v;

	if (r->end - r->p < (ptrdiff_t) sizeof(int64))
		bad_state();
	memcpy(&v, r->p, sizeof(int64));
	r->p += sizeof(int64);
	return v;
}

static const char *
get_bytes(Reader *r, int32 *len)
{
	const char *d;

	if (r->end - r->p < (ptrdiff_t) sizeof(int32))
		bad_state();
	memcpy(len, r->p, sizeof(int32));
	r->p += sizeof(int32);
	if (*len < 0 || r->end - r->p < *len)
		bad_state();
	d = r->p;
	r->p += *len;
	return d;
}

Datum
mlm_classification_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	Reader		r;
	ClassState *st;
	int64		npairs,
				i;
	uint8		flags;
	int			s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_classification_deserialize called in non-aggregate context");
	r.p = VARDATA_ANY(b);
	r.end = r.p + VARSIZE_ANY_EXHDR(b);
	if (r.end - r.p < 2 || (uint8) r.p[0] != CLASS_STATE_VERSION)
		bad_state();
	flags = (uint8) r.p[1];
	r.p += 2;
	st = class_state_new(CurrentMemoryContext);
	st->explicit_pos = (flags & 1) != 0;
	st->multiclass = (flags & 2) != 0;
	npairs = get_int64(&r);
	if (npairs < 0)
		bad_state();
	for (i = 0; i < npairs; i++)
	{
		int32		len;
		const char *k = get_bytes(&r, &len);
		int64		c = get_int64(&r);

		if (c < 0 || memchr(k, '\0', len) == NULL)
			bad_state();
		catcount_add(&st->pairs, k, len, c, 0);
		st->n += c;
	}
	if (st->explicit_pos)
	{
		const char *p = get_bytes(&r, &st->poslen);

		st->pos = copy_bytes(st->mcxt, p, st->poslen);
	}
	else
	{
		int64		nl = get_int64(&r);

		if (nl < 0 || nl > 2)
			bad_state();
		for (i = 0; i < nl; i++)
		{
			int32		len;
			const char *p = get_bytes(&r, &len);

			st->label[i] = copy_bytes(st->mcxt, p, len);
			st->labellen[i] = len;
		}
		st->nlabels = (int) nl;
	}
	for (s = 0; s < 2; s++)
	{
		int64		n = get_int64(&r);

		if (n < 0 || (uint64) n > (uint64) (r.end - r.p) / sizeof(double) ||
			(n > 0 && !st->explicit_pos && s >= st->nlabels))
			bad_state();
		if (n > 0)
		{
			st->sc[s].v = huge_alloc(st->mcxt, n * sizeof(double));
			memcpy(st->sc[s].v, r.p, n * sizeof(double));
			st->sc[s].n = st->sc[s].cap = n;
			r.p += n * sizeof(double);
		}
	}
	st->n_scored = get_int64(&r);
	if (st->n_scored < st->sc[0].n + st->sc[1].n)
		bad_state();
	if (r.p != r.end)
		bad_state();
	PG_RETURN_POINTER(st);
}

/* A label: its bytes, for sorting. */
typedef struct Label
{
	const char *data;
	int32		len;
} Label;

static int
label_cmp(const void *a, const void *b)
{
	const Label *x = a,
			   *y = b;

	return catcount_cmp(x->data, x->len, y->data, y->len);
}

static int64
label_index(const Label *labels, int64 k, const char *data, int32 len)
{
	int64		lo = 0,
				hi = k - 1;

	while (lo <= hi)
	{
		int64		mid = (lo + hi) / 2;
		int			c = catcount_cmp(labels[mid].data, labels[mid].len, data, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	elog(ERROR, "label missing from the label list");
	return -1;
}

static void
append_json_number(StringInfo buf, double v)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, num);
	appendStringInfoString(buf, num);
}

static void
append_json_label(StringInfo buf, const Label *l)
{
	char	   *s = pnstrdup(l->data, l->len);

	escape_json(buf, s);
	pfree(s);
}

static Datum
jsonb_of(StringInfo buf)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf->data));
}

/* Columns of mlmon.classification_result. */
enum
{
	CR_N, CR_ACCURACY,
	CR_PRECISION_MACRO, CR_RECALL_MACRO, CR_F1_MACRO,
	CR_PRECISION_WEIGHTED, CR_RECALL_WEIGHTED, CR_F1_WEIGHTED,
	CR_CLASSES, CR_CONFUSION,
	CR_N_SCORED, CR_ROC_AUC, CR_LOG_LOSS, CR_BRIER,
	CR_NATTS
};

/* Score metrics of the two slots: the positive slot is pos_slot. */
static void
score_metrics(ClassState *st, int pos_slot, ScoreMetrics *sm)
{
	Scores	   *pos = &st->sc[pos_slot],
			   *neg = &st->sc[1 - pos_slot];
	int64		n = pos->n + neg->n;
	mlm_ksum	ll = {0, 0},
				br = {0, 0};

	sm->scored = true;
	sm->n_scored = n;
	if (n == 0)
		return;
	mlm_binary_losses(pos->v, pos->n, 1, &ll, &br);
	mlm_binary_losses(neg->v, neg->n, 0, &ll, &br);
	sm->losses = true;
	sm->log_loss = mlm_ksum_value(&ll) / (double) n;
	sm->brier = mlm_ksum_value(&br) / (double) n;
	if (pos->n > 0 && neg->n > 0)
	{
		/* sort copies: the final function leaves the state as it found it */
		double	   *cp = huge_alloc(CurrentMemoryContext, 2 * pos->n * sizeof(double));
		double	   *cn = huge_alloc(CurrentMemoryContext, 2 * neg->n * sizeof(double));
		const double *sp,
				   *sn;

		memcpy(cp, pos->v, pos->n * sizeof(double));
		memcpy(cn, neg->v, neg->n * sizeof(double));
		sp = mlm_sort_doubles(cp, cp + pos->n, pos->n);
		sn = mlm_sort_doubles(cn, cn + neg->n, neg->n);
		sm->auc = true;
		sm->roc_auc = mlm_roc_auc(sp, pos->n, sn, neg->n);
	}
}

Datum
classification_result_datum(TupleDesc tupdesc, const LabelPair *pairs, int64 npairs, const ScoreMetrics *sm)
{
	Datum		values[CR_NATTS];
	bool		nulls[CR_NATTS];
	int64		k = 0,
				i,
				j;
	Label	   *labels;
	int64	   *cm;
	mlm_class_stats *per;
	mlm_class_summary sum;
	StringInfoData buf;

	/* The sorted union of actual and predicted labels. */
	labels = palloc(Max(2 * npairs, 1) * sizeof(Label));
	for (i = 0; i < npairs; i++)
	{
		labels[2 * i].data = pairs[i].actual;
		labels[2 * i].len = pairs[i].alen;
		labels[2 * i + 1].data = pairs[i].predicted;
		labels[2 * i + 1].len = pairs[i].plen;
	}
	qsort(labels, 2 * npairs, sizeof(Label), label_cmp);
	for (i = 0; i < 2 * npairs; i++)
		if (k == 0 || label_cmp(&labels[k - 1], &labels[i]) != 0)
			labels[k++] = labels[i];
	if (k > MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("mlmon.classification_metrics supports at most %d distinct labels, found " INT64_FORMAT,
						MAX_CLASSES, k)));

	cm = palloc0(Max(k * k, 1) * sizeof(int64));
	for (i = 0; i < npairs; i++)
	{
		int64		ai = label_index(labels, k, pairs[i].actual, pairs[i].alen);
		int64		pi = label_index(labels, k, pairs[i].predicted, pairs[i].plen);

		cm[ai * k + pi] += pairs[i].count;
	}
	per = palloc(Max(k, 1) * sizeof(mlm_class_stats));
	mlm_classification(k, cm, per, &sum);

	memset(nulls, true, sizeof(nulls));
	values[CR_N] = Int64GetDatum(sum.n);
	values[CR_ACCURACY] = Float8GetDatum(sum.accuracy);
	values[CR_PRECISION_MACRO] = Float8GetDatum(sum.precision_macro);
	values[CR_RECALL_MACRO] = Float8GetDatum(sum.recall_macro);
	values[CR_F1_MACRO] = Float8GetDatum(sum.f1_macro);
	values[CR_PRECISION_WEIGHTED] = Float8GetDatum(sum.precision_weighted);
	values[CR_RECALL_WEIGHTED] = Float8GetDatum(sum.recall_weighted);
	values[CR_F1_WEIGHTED] = Float8GetDatum(sum.f1_weighted);
	for (i = CR_N; i <= CR_F1_WEIGHTED; i++)
		nulls[i] = false;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < k; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		append_json_label(&buf, &labels[i]);
		appendStringInfoString(&buf, ": {\"precision\": ");
		append_json_number(&buf, per[i].precision);
		appendStringInfoString(&buf, ", \"recall\": ");
		append_json_number(&buf, per[i].recall);
		appendStringInfoString(&buf, ", \"f1\": ");
		append_json_number(&buf, per[i].f1);
		appendStringInfo(&buf, ", \"support\": " INT64_FORMAT ", \"predicted\": " INT64_FORMAT "}",
						 per[i].support, per[i].predicted);
	}
	appendStringInfoChar(&buf, '}');
	values[CR_CLASSES] = jsonb_of(&buf);
	nulls[CR_CLASSES] = false;

	resetStringInfo(&buf);
	appendStringInfoString(&buf, "{\"labels\": [");
	for (i = 0; i < k; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		append_json_label(&buf, &labels[i]);
	}
	appendStringInfoString(&buf, "], \"matrix\": [");
	for (i = 0; i < k; i++)
	{
		appendStringInfoString(&buf, i > 0 ? ", [" : "[");
		for (j = 0; j < k; j++)
			appendStringInfo(&buf, j > 0 ? ", " INT64_FORMAT : INT64_FORMAT, cm[i * k + j]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	values[CR_CONFUSION] = jsonb_of(&buf);
	nulls[CR_CONFUSION] = false;

	if (sm->scored)
	{
		values[CR_N_SCORED] = Int64GetDatum(sm->n_scored);
		nulls[CR_N_SCORED] = false;
	}
	if (sm->losses)
	{
		values[CR_LOG_LOSS] = Float8GetDatum(sm->log_loss);
		values[CR_BRIER] = Float8GetDatum(sm->brier);
		nulls[CR_LOG_LOSS] = nulls[CR_BRIER] = false;
	}
	if (sm->auc)
	{
		values[CR_ROC_AUC] = Float8GetDatum(sm->roc_auc);
		nulls[CR_ROC_AUC] = false;
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

Datum
class_state_result(FunctionCallInfo fcinfo, ClassState *st, bool scored)
{
	CatEntry  **entries;
	LabelPair  *pairs;
	int64		npairs,
				i;
	ScoreMetrics sm;

	npairs = catcount_size(&st->pairs);
	entries = catcount_sorted(&st->pairs);
	pairs = palloc(Max(npairs, 1) * sizeof(LabelPair));
	for (i = 0; i < npairs; i++)
	{
		const char *key = entries[i]->key.data;
		int32		alen = strnlen(key, entries[i]->key.len);

		pairs[i].actual = key;
		pairs[i].alen = alen;
		pairs[i].predicted = key + alen + 1;
		pairs[i].plen = entries[i]->key.len - alen - 1;
		pairs[i].count = entries[i]->c[0];
	}
	memset(&sm, 0, sizeof(sm));
	if (scored)
	{
		if (st->explicit_pos)
			score_metrics(st, 1, &sm);
		else if (!st->multiclass && st->nlabels == 2)
			score_metrics(st, catcount_cmp(st->label[0], st->labellen[0],
										   st->label[1], st->labellen[1]) > 0 ? 0 : 1, &sm);
		else
		{
			sm.scored = true;
			sm.n_scored = st->n_scored;
		}
	}
	return classification_result_datum(result_desc(fcinfo, CR_NATTS), pairs, npairs, &sm);
}

/*
 * _classification_final(internal [, text, text, float8 [, text]]) of 0.2.0:
 * the score forms pass their arguments (FINALFUNC_EXTRA).
 */
Datum
mlm_classification_final(PG_FUNCTION_ARGS)
{
	ClassState *st = PG_ARGISNULL(0) ? NULL : (ClassState *) PG_GETARG_POINTER(0);

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(class_state_result(fcinfo, st, PG_NARGS() >= 4));
}
