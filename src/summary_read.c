/*
 * summary_read.c: what a check's summary says (summary_layout.h), for the
 * SQL functions that turn it into check results (sql/monitoring.sql):
 *
 *   _summary_totals(s)            rows, malformed, unexpected, anomaly_judged,
 *                                 anomalous, scored, labeled
 *   _summary_unexpected(s)        (feature, rows) of feature keys outside the reference
 *   _summary_profile(s, col)      the profile of a column's values (col 0: the
 *                                 prediction, i: feature i, -1: the latency)
 *   _summary_quality(s, col)      {numbers or categories, missing, invalid, outside}
 *   _summary_ks(s, ref, col)      KS against the column's reference profile:
 *                                 exact from the grid when kept, else from
 *                                 the profiles
 *   _summary_binned(s, ref, col, divergence)  PSI or Jensen-Shannon over the
 *                                 reference-quantile bins
 *   _summary_cbpe(s)              expected tp, fp, fn, tn and the rows scored
 *   _summary_classification(s)    mlmon.classification_result of the labelled rows
 *   _summary_regression(s)        mlmon.regression_result of the labelled rows
 *   _summary_detector(s)          ADWIN (classification) or Page-Hinkley
 *                                 (regression) over the error stream
 *   _summary_stream_locate(s, k)  the time span holding the k-th value of the stream
 *
 * Each opens the summary's section table and decodes only the sections it
 * reads.
 */
#include "summary.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "agg_detectors.h"
#include "classification_result.h"
#include "core/binning.h"
#include "core/divergence.h"
#include "core/ks_grid.h"
#include "ks_result.h"
#include "result_desc.h"
#include "summary_plan.h"

PG_FUNCTION_INFO_V1(mlm_summary_totals);
PG_FUNCTION_INFO_V1(mlm_summary_unexpected);
PG_FUNCTION_INFO_V1(mlm_summary_profile);
PG_FUNCTION_INFO_V1(mlm_summary_quality);
PG_FUNCTION_INFO_V1(mlm_summary_ks);
PG_FUNCTION_INFO_V1(mlm_summary_binned);
PG_FUNCTION_INFO_V1(mlm_summary_cbpe);
PG_FUNCTION_INFO_V1(mlm_summary_classification);
PG_FUNCTION_INFO_V1(mlm_summary_regression);
PG_FUNCTION_INFO_V1(mlm_summary_detector);
PG_FUNCTION_INFO_V1(mlm_summary_stream_locate);

#define TOTALS_NATTS 7

/* The base section id of column col (0: the prediction, i >= 1: feature i - 1). */
static uint32
column_base(int32 col)
{
	if (col < 0 || col > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column %d is out of range", col)));
	return col == 0 ? SEC_PREDICTION : SEC_FEATURE(col - 1);
}

static Datum
profile_datum(const mlm_flat_profile *fp)
{
	return PointerGetDatum(profile_from_payload(fp->buf, fp->len));
}

/* The sample of a flat profile (its distinct values with counts, or a sketch's weighted items). */
static mlm_wsample
flat_sample(const mlm_flat_profile *fp, const mlm_profile_hdr **h)
{
	mlm_profile_view v;

	mlm_profile_view_of(fp->buf, &v);
	*h = v.h;
	return profile_view_sample(&v);
}

/* _summary_totals(s mlmon.check_summary) returns record: zeros for NULL (no rows) */
Datum
mlm_summary_totals(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	Datum		values[TOTALS_NATTS];
	bool		nulls[TOTALS_NATTS];
	int			i;

	for (i = 0; i < TOTALS_NATTS; i++)
	{
		values[i] = Int64GetDatum(0);
		nulls[i] = false;
	}
	/* no summary: a window without rows */
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc(fcinfo, TOTALS_NATTS), values, nulls)));
	summary_arg(fcinfo, 0, &w);
	if (summary_section(&w, SEC_TOTALS, &sec))
	{
		if (sec.kind != MLM_SEC_COUNTS || sec.n != TOTAL_COUNTS)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid mlmon.check_summary value"),
					 errdetail("Its totals have the wrong shape.")));
		for (i = 0; i < TOTAL_COUNTS; i++)
			values[i] = Int64GetDatum(sec.counts[i]);
	}
	if (summary_section(&w, SEC_LABELED, &sec) && sec.kind == MLM_SEC_COUNTS && sec.n == 1)
		values[TOTAL_COUNTS] = Int64GetDatum(sec.counts[0]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc(fcinfo, TOTALS_NATTS), values, nulls)));
}

/* _summary_unexpected(s mlmon.check_summary) returns table (feature text, rows bigint) */
Datum
mlm_summary_unexpected(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	mlm_summary_wire w;
	mlm_section sec;
	int64		i;

	InitMaterializedSRF(fcinfo, 0);
	summary_arg(fcinfo, 0, &w);
	if (!summary_section(&w, SEC_UNEXPECTED, &sec) || sec.kind != MLM_SEC_KEYS || sec.arity != 1)
		return (Datum) 0;
	for (i = 0; i < sec.n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = PointerGetDatum(cstring_to_text_with_len(sec.key[i].data, (int) sec.key[i].len));
		values[1] = Int64GetDatum(sec.counts[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* _summary_profile(s mlmon.check_summary, col int) returns mlmon.profile (NULL when the summary has none) */
Datum
mlm_summary_profile(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	int32		col = PG_GETARG_INT32(1);
	uint32		id = col == -1 ? SEC_LATENCY : column_base(col) + COL_PROFILE;

	summary_arg(fcinfo, 0, &w);
	if (!summary_section(&w, id, &sec) || sec.kind != MLM_SEC_PROFILE)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(profile_datum(&sec.profile));
}

/* _summary_quality(s mlmon.check_summary, col int) returns bigint[]: zeros for NULL (no rows) */
Datum
mlm_summary_quality(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	Datum		d[QUALITY_COUNTS];
	int			i;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	for (i = 0; i < QUALITY_COUNTS; i++)
		d[i] = Int64GetDatum(0);
	if (!PG_ARGISNULL(0))
	{
		summary_arg(fcinfo, 0, &w);
		if (!summary_section(&w, column_base(PG_GETARG_INT32(1)) + COL_QUALITY, &sec) ||
			sec.kind != MLM_SEC_COUNTS || sec.n != QUALITY_COUNTS)
			PG_RETURN_NULL();
		for (i = 0; i < QUALITY_COUNTS; i++)
			d[i] = Int64GetDatum(sec.counts[i]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(d, QUALITY_COUNTS, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* A numeric column's reference, from profile argument argno, with its KS grid and quantile bins. */
static void
numeric_reference(FunctionCallInfo fcinfo, int argno, PlanColumn *pc)
{
	ProfileArg	ref;

	profile_arg(fcinfo, argno, &ref);
	profile_require_kind(&ref, MLM_PROFILE_NUMERIC, "reference");
	memset(pc, 0, sizeof(PlanColumn));
	plan_column_init(pc, PG_GETARG_DATUM(argno), true, PART_GRID | PART_BINS);
}

/*
 * _summary_ks(s mlmon.check_summary, reference mlmon.profile, col int)
 * returns mlmon.ks_result: two-sided, SciPy's method rule.  From the grid
 * (exact, as ks_2samp(value, profile) counts) when the summary kept one,
 * else from the two profiles (within their bounds, no p-value against a
 * sketch).
 */
Datum
mlm_summary_ks(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	PlanColumn	c;
	PlanColumn *pc = &c;
	int32		col = PG_GETARG_INT32(2);
	uint32		base = column_base(col);
	StatOptions opts;

	summary_arg(fcinfo, 0, &w);
	numeric_reference(fcinfo, 1, pc);
	options_init(&opts, fcinfo, PG_NARGS(), OPTS_KS, CurrentMemoryContext);
	if (pc->grid && summary_section(&w, base + COL_GRID, &sec))
	{
		int64	   *cells;
		double	   *cellmax;
		int64		n2 = 0,
					i,
					k = pc->nref.ws.m;
		mlm_ks_walk walk;

		if (sec.kind != MLM_SEC_GRID || sec.ncells != 2 * k + 1)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the summary was not built for this plan"),
					 errdetail("The grid of column %d has %lld cells, the plan's reference %lld points.",
							   col, (long long) sec.ncells, (long long) k)));
		cells = palloc0(sizeof(int64) * sec.ncells);
		cellmax = palloc(sizeof(double) * (k + 1));
		for (i = 0; i <= k; i++)
			cellmax[i] = -INFINITY;
		for (i = 0; i < sec.n; i++)
		{
			cells[sec.cell[i]] = sec.counts[i];
			if (sec.cell[i] % 2 == 0)
				cellmax[sec.cell[i] / 2] = sec.max[i];
			n2 += sec.counts[i];
		}
		if (pc->nref.ws.n == 0 && n2 == 0)
			PG_RETURN_NULL();
		if (pc->nref.ws.n > 0 && n2 > 0)
			mlm_ksgrid_walk(pc->nref.ws.v, pc->nref.ws.cum, k, pc->nref.ws.n, cells, cellmax, n2, &walk);
		return ks_result_walk_datum(fcinfo, &walk, pc->nref.ws.n, n2, &opts, 0.0);
	}
	if (summary_section(&w, base + COL_PROFILE, &sec) && sec.kind == MLM_SEC_PROFILE &&
		((const mlm_profile_hdr *) sec.profile.buf)->kind == MLM_PROFILE_NUMERIC)
	{
		const mlm_profile_hdr *h;
		mlm_wsample b = flat_sample(&sec.profile, &h);

		if (pc->nref.ws.n == 0 && b.n == 0)
			PG_RETURN_NULL();
		return ks_result_datum(fcinfo, &pc->nref.ws, &b, &opts,
							   profile_ecdf_error(pc->view.h) + profile_ecdf_error(h));
	}
	PG_RETURN_NULL();
}

/*
 * _summary_binned(s mlmon.check_summary, reference mlmon.profile, col int,
 * divergence text) returns float8: 'psi' or 'jensen_shannon' over the
 * reference-quantile bins, as psi(value, profile) counts them.
 */
Datum
mlm_summary_binned(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	PlanColumn	c;
	PlanColumn *pc = &c;
	int32		col = PG_GETARG_INT32(2);
	char	   *which = text_to_cstring(PG_GETARG_TEXT_PP(3));
	mlm_divergence_fn fn;
	int64	   *ref;
	int64		n2 = 0,
				i;
	double	   *scratch;

	if (strcmp(which, "psi") == 0)
		fn = mlm_psi_counts;
	else if (strcmp(which, "jensen_shannon") == 0)
		fn = mlm_js_counts;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a binned divergence", which),
				 errhint("Use psi or jensen_shannon.")));
	summary_arg(fcinfo, 0, &w);
	numeric_reference(fcinfo, 1, pc);
	if (!summary_section(&w, column_base(col) + COL_BINS, &sec))
		PG_RETURN_NULL();
	if (sec.kind != MLM_SEC_COUNTS || sec.n != pc->nedges + 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the summary was not built for this plan"),
				 errdetail("The bins of column %d differ from the plan's.", col)));
	for (i = 0; i < sec.n; i++)
		n2 += sec.counts[i];
	if (pc->nref.ws.n == 0 || n2 == 0)
		PG_RETURN_NULL();
	ref = palloc0(sizeof(int64) * sec.n);
	mlm_count_open_bins(&pc->nref.ws, pc->edges, pc->nedges, ref);
	scratch = palloc(sizeof(double) * MLM_DIVERGENCE_SCRATCH(sec.n));
	PG_RETURN_FLOAT8(fn(ref, sec.counts, sec.n, pc->nref.ws.n, n2, scratch));
}

/* _summary_cbpe(s mlmon.check_summary) returns record (tp, fp, fn, tn float8, n bigint); NULL without calibration */
Datum
mlm_summary_cbpe(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec,
				tot;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			i;

	summary_arg(fcinfo, 0, &w);
	if (!summary_section(&w, SEC_CBPE, &sec) || sec.kind != MLM_SEC_SUMS || sec.n != 4 ||
		!summary_section(&w, SEC_TOTALS, &tot) || tot.kind != MLM_SEC_COUNTS || tot.n != TOTAL_COUNTS)
		PG_RETURN_NULL();
	for (i = 0; i < 4; i++)
		values[i] = Float8GetDatum(mlm_ksum_value(&sec.sums[i]));
	values[4] = Int64GetDatum(tot.counts[TOTAL_SCORED]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc(fcinfo, 5), values, nulls)));
}

/*
 * _summary_classification(s mlmon.check_summary) returns
 * mlmon.classification_result: what classification_metrics(label,
 * predicted, score) gives on the labelled rows (NULL without any); the
 * positive label of the score metrics is the greater of two.
 */
Datum
mlm_summary_classification(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section conf,
				sc;
	LabelPair  *pairs;
	ScoreMetrics sm;
	int64		i,
				n = 0;

	summary_arg(fcinfo, 0, &w);
	if (!summary_section(&w, SEC_CONFUSION, &conf) || conf.kind != MLM_SEC_KEYS || conf.arity != 2)
		PG_RETURN_NULL();
	for (i = 0; i < conf.n; i++)
		n += conf.counts[i];
	if (n == 0)
		PG_RETURN_NULL();
	pairs = palloc(sizeof(LabelPair) * conf.n);
	for (i = 0; i < conf.n; i++)
	{
		pairs[i].actual = conf.key[2 * i].data;
		pairs[i].alen = (int32) conf.key[2 * i].len;
		pairs[i].predicted = conf.key[2 * i + 1].data;
		pairs[i].plen = (int32) conf.key[2 * i + 1].len;
		pairs[i].count = conf.counts[i];
	}
	memset(&sm, 0, sizeof(sm));
	if (summary_section(&w, SEC_SCORES, &sc) && sc.kind == MLM_SEC_SCORES)
	{
		sm.scored = true;
		for (i = 0; i < sc.n; i++)
			sm.n_scored += sc.rows[i];
		if (!sc.overflow && sc.n == 2 && sm.n_scored > 0)
		{
			/* labels ascend: the second is the positive one */
			const mlm_ksum *neg = &sc.sums[0],
					   *pos = &sc.sums[MLM_SCORE_SUMS];
			mlm_ksum	ll = {0, 0},
						br = {0, 0};

			/* sums per label: -log p, -log(1 - p), (1 - p)^2, p^2 */
			mlm_ksum_add(&ll, mlm_ksum_value(&pos[0]));
			mlm_ksum_add(&ll, mlm_ksum_value(&neg[1]));
			mlm_ksum_add(&br, mlm_ksum_value(&pos[2]));
			mlm_ksum_add(&br, mlm_ksum_value(&neg[3]));
			sm.losses = true;
			sm.log_loss = mlm_ksum_value(&ll) / (double) sm.n_scored;
			sm.brier = mlm_ksum_value(&br) / (double) sm.n_scored;
			if (sc.rows[0] > 0 && sc.rows[1] > 0)
			{
				const mlm_profile_hdr *hn,
						   *hp;
				mlm_wsample sn = flat_sample(&sc.scores[0], &hn),
							sp = flat_sample(&sc.scores[1], &hp);

				sm.auc = true;
				sm.roc_auc = mlm_roc_auc_counted(sp.v, sp.w, sp.m, sp.n, sn.v, sn.w, sn.m, sn.n);
			}
		}
	}
	PG_RETURN_DATUM(classification_result_datum(result_desc(fcinfo, 14), pairs, conf.n, &sm));
}

/* _summary_regression(s mlmon.check_summary) returns mlmon.regression_result (NULL without labelled rows) */
Datum
mlm_summary_regression(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	mlm_regression_result r;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	summary_arg(fcinfo, 0, &w);
	if (!summary_section(&w, SEC_REGRESSION, &sec) || sec.kind != MLM_SEC_REGRESSION || sec.reg.n == 0)
		PG_RETURN_NULL();
	mlm_regression_result_of(&sec.reg, &r);
	values[0] = Int64GetDatum(r.n);
	values[1] = Float8GetDatum(r.mae);
	values[2] = Float8GetDatum(r.mse);
	values[3] = Float8GetDatum(r.rmse);
	values[4] = Float8GetDatum(r.r2);
	values[5] = Float8GetDatum(r.mape);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc(fcinfo, 6), values, nulls)));
}

/* The closed error stream of a summary, or false. */
static bool
closed_stream(const mlm_summary_wire *w, mlm_section *sec)
{
	if (!summary_section(w, SEC_STREAM, sec) || sec->kind != MLM_SEC_STREAM)
		return false;
	if (!sec->closed && sec->n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the summary's error stream is not closed")));
	return true;
}

/*
 * _summary_detector(s mlmon.check_summary, detector text) returns
 * mlmon.detector_result: 'adwin' or 'page_hinkley', river's defaults, over
 * the error stream in time order (ties in time by error).
 */
Datum
mlm_summary_detector(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	char	   *which = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		adwin = strcmp(which, "adwin") == 0;

	if (!adwin && strcmp(which, "page_hinkley") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a stream detector of the checks", which),
				 errhint("Use adwin or page_hinkley.")));
	summary_arg(fcinfo, 0, &w);
	if (!closed_stream(&w, &sec))
		return detector_replay_datum(fcinfo, adwin, NULL, 0);
	return detector_replay_datum(fcinfo, adwin, sec.values, sec.n);
}

/*
 * _summary_stream_locate(s mlmon.check_summary, k bigint) returns record
 * (span_start timestamptz, span_end timestamptz, offset bigint): the time
 * span (a bucket's first and last error) holding the k-th value (1-based)
 * of the error stream and k's position in it; NULL when out of range.
 */
Datum
mlm_summary_stream_locate(PG_FUNCTION_ARGS)
{
	mlm_summary_wire w;
	mlm_section sec;
	int64		k = PG_GETARG_INT64(1),
				i;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	summary_arg(fcinfo, 0, &w);
	if (!closed_stream(&w, &sec) || k < 1 || k > sec.n)
		PG_RETURN_NULL();
	for (i = 0; i < sec.nseg; i++)
	{
		if (k <= sec.seg_n[i])
		{
			values[0] = TimestampTzGetDatum(sec.seg_first[i]);
			values[1] = TimestampTzGetDatum(sec.seg_last[i]);
			values[2] = Int64GetDatum(k);
			PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc(fcinfo, 3), values, nulls)));
		}
		k -= sec.seg_n[i];
	}
	PG_RETURN_NULL();
}
