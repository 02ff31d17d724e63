/*
 * summary_build.c: the aggregates that summarise a check's rows
 * (summary_layout.h says what each section holds).
 *
 *   _summarize_rows(plan, features jsonb, predicted_label text,
 *                   predicted_value float8, score float8, latency float8)
 *   _summarize_labels(plan, ts timestamptz, label text, actual float8,
 *                     predicted_label text, predicted_value float8,
 *                     score float8)
 *
 * Both return mlmon.check_summary; their state is the summary itself, an expanded
 * object while rows come in (summary_builder.c), merged by
 * mlmon._summary_combine, so they run in parallel workers and a partial
 * state can cross machines.  One transition per row does everything the
 * check used to ask of a dozen aggregates per feature: the features are read
 * from the jsonb object by one walk over its keys, each value goes to its
 * column's counts, profile, grid and bins, and the row is judged for
 * anomalies against cut-offs computed once.  What each count means is what
 * run_checks reported before summaries existed: the README's tables.
 */
#include "summary.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "core/binning.h"
#include "core/isotonic.h"
#include "core/ks_grid.h"
#include "summary_plan.h"

PG_FUNCTION_INFO_V1(mlm_summarize_rows);

/* Numbers a column's profile takes before sorting them (see profile_builder_batch). */
#define SUMMARY_BATCH 65536
PG_FUNCTION_INFO_V1(mlm_summarize_labels);

/* A column's sections and the values waiting for a batched grid lookup. */
typedef struct ColumnState
{
	PlanColumn *pc;
	SectionBuilder *quality;
	SectionBuilder *profile;
	SectionBuilder *grid;
	SectionBuilder *bins;
	int			npend;
	double		pend[MLM_GRID_BATCH];
} ColumnState;

/* What a building aggregate keeps beside its summary: the decoded plan and the sections it updates. */
typedef struct BuildState
{
	struct varlena *source;		/* the plan datum (a copy), to notice a change */
	Datum		source_ptr;
	SummaryPlan *plan;
	ColumnState *col;
	ColumnState pred;
	JsonbValue *vals;
	bool	   *found;
	SectionBuilder *totals;
	SectionBuilder *unexpected;
	SectionBuilder *latency;
	SectionBuilder *cbpe;
	SectionBuilder *labeled;
	SectionBuilder *confusion;
	SectionBuilder *scores;
	SectionBuilder *regression;
	SectionBuilder *stream;
} BuildState;

static void
column_flush(ColumnState *c)
{
	if (c->npend == 0)
		return;
	mlm_ksgrid_count_batch(&c->pc->nref.ix, c->pend, c->npend, c->grid->cells, c->grid->cellmax);
	c->npend = 0;
}

/* Count the values waiting for the grid: before the builder is read or flattened. */
static void
flush_pending(SummaryBuilder *b)
{
	BuildState *bs = (BuildState *) b->rowplan;
	int			i;

	if (bs == NULL)
		return;
	for (i = 0; i < bs->plan->nf; i++)
		column_flush(&bs->col[i]);
	column_flush(&bs->pred);
}

/* The sections of a column, from base id on. */
static void
column_sections(SummaryBuilder *b, ColumnState *c, PlanColumn *pc, uint32 base, int cap, bool quality)
{
	c->pc = pc;
	if (quality)
	{
		c->quality = summary_builder_add(b, base + COL_QUALITY, MLM_SEC_COUNTS);
		section_init_counts(b, c->quality, QUALITY_COUNTS);
	}
	c->profile = summary_builder_add(b, base + COL_PROFILE, MLM_SEC_PROFILE);
	section_init_profile(b, c->profile, pc->numeric ? MLM_PROFILE_NUMERIC : MLM_PROFILE_CATEGORICAL, cap);
	if (pc->numeric)
		profile_builder_batch(c->profile->profile, SUMMARY_BATCH);
	if (pc->grid)
	{
		c->grid = summary_builder_add(b, base + COL_GRID, MLM_SEC_GRID);
		section_init_grid(b, c->grid, pc->nref.ws.m);
	}
	if (pc->bins)
	{
		c->bins = summary_builder_add(b, base + COL_BINS, MLM_SEC_COUNTS);
		section_init_counts(b, c->bins, pc->nedges + 1);
	}
}

/*
 * The builder of a transition: the state itself (our expanded object), or
 * a new one laid out for the plan (rows: true for the rows part).  The plan
 * is decoded once; it must be the same in every row.
 */
static SummaryBuilder *
build_state(FunctionCallInfo fcinfo, bool rows)
{
	MemoryContext aggcxt,
				old;
	SummaryBuilder *b;
	BuildState *bs;
	Datum		planarg;
	struct varlena *plan;
	SummaryPlan *p;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the summary transition functions can only be called by their aggregates")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the summary plan must not be NULL")));
	planarg = PG_GETARG_DATUM(1);
	b = PG_ARGISNULL(0) ? NULL : summary_builder_from_datum(PG_GETARG_DATUM(0));
	if (b != NULL && b->rowplan != NULL)
	{
		bs = (BuildState *) b->rowplan;
		if (planarg == bs->source_ptr)
			return b;
		plan = PG_DETOAST_DATUM(planarg);
		if (VARSIZE(plan) != VARSIZE(bs->source) || memcmp(plan, bs->source, VARSIZE(plan)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the summary plan must be the same in every row")));
		bs->source_ptr = planarg;
		return b;
	}
	if (b != NULL || !PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a summary aggregate cannot continue from a stored summary")));

	b = summary_builder_new(aggcxt);
	old = MemoryContextSwitchTo(b->cxt);
	bs = palloc0(sizeof(BuildState));
	plan = PG_DETOAST_DATUM(planarg);
	bs->source = palloc(VARSIZE(plan));
	memcpy(bs->source, plan, VARSIZE(plan));
	bs->source_ptr = planarg;
	p = bs->plan = summary_plan_decode((HeapTupleHeader) bs->source);
	bs->col = palloc0(sizeof(ColumnState) * Max(p->nf, 1));
	if (rows)
	{
		bs->totals = summary_builder_add(b, SEC_TOTALS, MLM_SEC_COUNTS);
		section_init_counts(b, bs->totals, TOTAL_COUNTS);
		if (p->unexpected)
		{
			bs->unexpected = summary_builder_add(b, SEC_UNEXPECTED, MLM_SEC_KEYS);
			section_init_keys(b, bs->unexpected, 1, UNEXPECTED_CAP);
		}
		bs->latency = summary_builder_add(b, SEC_LATENCY, MLM_SEC_PROFILE);
		section_init_profile(b, bs->latency, MLM_PROFILE_NUMERIC, p->cap);
		profile_builder_batch(bs->latency->profile, SUMMARY_BATCH);
		if (p->cbpe)
		{
			bs->cbpe = summary_builder_add(b, SEC_CBPE, MLM_SEC_SUMS);
			section_init_sums(b, bs->cbpe, 4);
		}
		column_sections(b, &bs->pred, &p->pred, SEC_PREDICTION, p->cap, false);
		for (i = 0; i < p->nf; i++)
			column_sections(b, &bs->col[i], &p->col[i], SEC_FEATURE(i), p->cap, true);
		bs->vals = palloc(sizeof(JsonbValue) * Max(p->nf, 1));
		bs->found = palloc(sizeof(bool) * Max(p->nf, 1));
	}
	else
	{
		bs->labeled = summary_builder_add(b, SEC_LABELED, MLM_SEC_COUNTS);
		section_init_counts(b, bs->labeled, 1);
		if (p->classification)
		{
			bs->confusion = summary_builder_add(b, SEC_CONFUSION, MLM_SEC_KEYS);
			section_init_keys(b, bs->confusion, 2, 0);
			bs->scores = summary_builder_add(b, SEC_SCORES, MLM_SEC_SCORES);
			section_init_scores(b, bs->scores);
		}
		else
		{
			bs->regression = summary_builder_add(b, SEC_REGRESSION, MLM_SEC_REGRESSION);
		}
		bs->stream = summary_builder_add(b, SEC_STREAM, MLM_SEC_STREAM);
		section_init_stream(b, bs->stream);
	}
	MemoryContextSwitchTo(old);
	b->rowplan = bs;
	b->flush = flush_pending;
	return b;
}

/* ---------------------------------------------------------------- rows */

/* A number of a numeric column (the prediction of a regression model, or a feature). */
static inline void
add_number(ColumnState *c, double x)
{
	profile_builder_add_number(c->profile->profile, x);
	if (!isfinite(x))
		return;
	if (c->grid)
	{
		c->pend[c->npend++] = x + 0.0;
		if (c->npend == MLM_GRID_BATCH)
			column_flush(c);
	}
	if (c->bins)
		c->bins->counts[mlm_open_bin_of(c->pc->edges, c->pc->nedges, x)]++;
}

/* Collect a feature key outside the reference's (jsonb_lookup_keys' callback). */
typedef struct OtherKeys
{
	SectionBuilder *keys;
	int			n;
} OtherKeys;

static void
other_key(void *arg, const char *key, int len)
{
	OtherKeys  *o = (OtherKeys *) arg;

	o->n++;
	if (o->keys)
		section_add_key(o->keys, key, len, NULL, 0, 1);
}

/* What a row's features say to the columns, and the anomaly verdict. */
static void
add_features(BuildState *bs, Jsonb *features)
{
	SummaryPlan *p = bs->plan;
	int64	   *tot = bs->totals->counts;
	JsonbContainer *obj = NULL;
	int			i,
				present = 0;
	bool		anomalous = false;

	if (features != NULL && JB_ROOT_IS_OBJECT(features))
		obj = &features->root;
	else
		tot[TOTAL_MALFORMED]++;
	if (obj != NULL)
	{
		OtherKeys	o = {bs->unexpected, 0};

		jsonb_lookup_keys(obj, &p->keys, bs->vals, bs->found, p->unexpected ? other_key : NULL, &o);
		if (o.n > 0)
			tot[TOTAL_UNEXPECTED]++;
	}
	else
		memset(bs->found, 0, sizeof(bool) * Max(p->nf, 1));

	for (i = 0; i < p->nf; i++)
	{
		ColumnState *c = &bs->col[i];
		int64	   *q = c->quality->counts;
		JsonbValue *v = &bs->vals[i];

		if (!bs->found[i] || v->type == jbvNull)
		{
			q[QUALITY_MISSING]++;
			profile_builder_add_null(c->profile->profile);
			continue;
		}
		if (c->pc->numeric)
		{
			double		x = jsonb_value_number(v);

			present++;
			if (isnan(x))
				q[QUALITY_INVALID]++;
			else
			{
				q[QUALITY_N]++;
				if (x < c->pc->nref.min || x > c->pc->nref.max)
					q[QUALITY_OUTSIDE]++;
			}
			add_number(c, x);
		}
		else
		{
			int			len;
			char	   *s = jsonb_value_category(v, &len);

			if (s == NULL)
			{
				/* an object or an array where a category belongs */
				q[QUALITY_INVALID]++;
				profile_builder_add_null(c->profile->profile);
				continue;
			}
			present++;
			q[QUALITY_N]++;
			if (c->pc->cref.exact && reference_category_index(&c->pc->cref, s, len) < 0)
				q[QUALITY_OUTSIDE]++;
			profile_builder_add_category(c->profile->profile, s, len);
		}
	}

	/*
	 * The anomaly verdict (anomaly.c's rule, by cut-offs as _anomalous had
	 * it): a number invalid, out of the reference's range or beyond the
	 * cut-offs for `present` features, or a category whose tail probability
	 * times `present` is below alpha.
	 */
	if (!p->anomalies || present == 0)
		return;
	tot[TOTAL_JUDGED]++;
	{
		const mlm_tail_cut *cut = summary_plan_cuts(p, present);

		for (i = 0; i < p->nf && !anomalous; i++)
		{
			PlanColumn *pc = &p->col[i];
			JsonbValue *v = &bs->vals[i];

			if (!bs->found[i] || v->type == jbvNull)
				continue;
			if (pc->numeric)
			{
				double		x = jsonb_value_number(v);

				anomalous = reference_numeric_zero(&pc->nref, x) != NULL || mlm_tail_beyond(&cut[i], x);
			}
			else
			{
				int			len;
				char	   *s = jsonb_value_category(v, &len);
				const char *reason;
				double		t;

				if (s == NULL)
					continue;
				t = reference_category_tail(&pc->cref, s, len, &reason) * (double) present;
				anomalous = (t < 1.0 ? t : 1.0) < p->alpha;
			}
		}
	}
	if (anomalous)
		tot[TOTAL_ANOMALOUS]++;
}

/* A valid probability score, or NaN. */
static inline double
valid_score(FunctionCallInfo fcinfo, int argno)
{
	double		s;

	if (PG_ARGISNULL(argno))
		return get_float8_nan();
	s = PG_GETARG_FLOAT8(argno);
	return (s >= 0.0 && s <= 1.0) ? s : get_float8_nan();
}

/*
 * mlm_summarize_rows(state mlmon.check_summary, plan mlmon._summary_plan,
 * features jsonb, predicted_label text, predicted_value float8, score
 * float8, latency float8) returns mlmon.check_summary
 */
Datum
mlm_summarize_rows(PG_FUNCTION_ARGS)
{
	SummaryBuilder *b = build_state(fcinfo, true);
	BuildState *bs = (BuildState *) b->rowplan;
	SummaryPlan *p = bs->plan;
	text	   *plabel = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	double		score = valid_score(fcinfo, 5);

	bs->totals->counts[TOTAL_ROWS]++;
	add_features(bs, PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2));

	/* the prediction */
	if (p->classification)
	{
		if (plabel == NULL)
			profile_builder_add_null(bs->pred.profile->profile);
		else
			profile_builder_add_category(bs->pred.profile->profile, VARDATA_ANY(plabel), VARSIZE_ANY_EXHDR(plabel));
	}
	else if (PG_ARGISNULL(4))
		profile_builder_add_null(bs->pred.profile->profile);
	else
		add_number(&bs->pred, PG_GETARG_FLOAT8(4));

	if (PG_ARGISNULL(6))
		profile_builder_add_null(bs->latency->profile);
	else
		profile_builder_add_number(bs->latency->profile, PG_GETARG_FLOAT8(6));

	/* CBPE: the expected confusion of the calibrated scores */
	if (bs->cbpe && plabel != NULL && !isnan(score))
	{
		const char *l = VARDATA_ANY(plabel);
		int			len = VARSIZE_ANY_EXHDR(plabel);
		double		c = mlm_isotonic_predict(p->cal.xs, p->cal.ys, p->cal.n, score);
		mlm_ksum   *s = bs->cbpe->sums;

		if (len == p->poslen && memcmp(l, p->pos, len) == 0)
		{
			mlm_ksum_add(&s[0], c);
			mlm_ksum_add(&s[1], 1.0 - c);
			bs->totals->counts[TOTAL_SCORED]++;
		}
		else if (len == p->neglen && memcmp(l, p->neg, len) == 0)
		{
			mlm_ksum_add(&s[2], c);
			mlm_ksum_add(&s[3], 1.0 - c);
			bs->totals->counts[TOTAL_SCORED]++;
		}
	}
	PG_RETURN_DATUM(summary_builder_datum(b));
}

/* ---------------------------------------------------------------- labels */

/*
 * mlm_summarize_labels(state mlmon.check_summary, plan mlmon._summary_plan, ts
 * timestamptz, label text, actual float8, predicted_label text,
 * predicted_value float8, score float8) returns mlmon.check_summary
 *
 * Classification: a row with a label adds its error (0 or 1) to the stream,
 * its (label, prediction) pair to the confusion counts and its score under
 * its label, as classification_metrics(label, predicted, score) counts
 * them.  Regression: the errors, as regression_metrics does, and |error| /
 * the plan's scale to the stream.
 */
Datum
mlm_summarize_labels(PG_FUNCTION_ARGS)
{
	SummaryBuilder *b = build_state(fcinfo, false);
	BuildState *bs = (BuildState *) b->rowplan;
	SummaryPlan *p = bs->plan;
	bool		has_ts = !PG_ARGISNULL(2);
	TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(2) : 0;

	if (p->classification)
	{
		text	   *label,
				   *plabel;
		bool		wrong;

		if (PG_ARGISNULL(3))
			PG_RETURN_DATUM(summary_builder_datum(b));
		label = PG_GETARG_TEXT_PP(3);
		plabel = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);
		bs->labeled->counts[0]++;
		wrong = plabel == NULL || VARSIZE_ANY_EXHDR(label) != VARSIZE_ANY_EXHDR(plabel) ||
			memcmp(VARDATA_ANY(label), VARDATA_ANY(plabel), VARSIZE_ANY_EXHDR(label)) != 0;
		if (has_ts)
			time_stream_add(&bs->stream->open, ts, wrong ? 1.0 : 0.0);
		if (plabel != NULL)
		{
			double		score = valid_score(fcinfo, 7);

			section_add_key(bs->confusion, VARDATA_ANY(label), VARSIZE_ANY_EXHDR(label),
							VARDATA_ANY(plabel), VARSIZE_ANY_EXHDR(plabel), 1);
			if (!isnan(score))
				section_add_score(b, bs->scores, VARDATA_ANY(label), VARSIZE_ANY_EXHDR(label), score);
		}
	}
	else
	{
		double		y,
					yhat;

		if (PG_ARGISNULL(4))
			PG_RETURN_DATUM(summary_builder_datum(b));
		bs->labeled->counts[0]++;
		if (PG_ARGISNULL(6))
			PG_RETURN_DATUM(summary_builder_datum(b));
		y = PG_GETARG_FLOAT8(4);
		yhat = PG_GETARG_FLOAT8(6);
		if (isfinite(y) && isfinite(yhat))
			mlm_regression_add(&bs->regression->reg, y, yhat);
		if (has_ts && p->has_scale)
		{
			double		e = fabs(y - yhat) / p->error_scale;

			if (isfinite(e))
				time_stream_add(&bs->stream->open, ts, e);
		}
	}
	PG_RETURN_DATUM(summary_builder_datum(b));
}
