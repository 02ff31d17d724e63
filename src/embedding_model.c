/*
 * embedding_model.c: mlmon.embedding_model, Evidently's `model` embedding
 * drift method (core/domain_classifier.c): a logistic regression (sklearn's
 * SGDClassifier, log loss) trained on half of the rows to tell reference
 * from current rows; its ROC AUC on the other half against a threshold, or
 * against the percentile of random classifiers' AUCs (bootstrap).
 *
 * The state is the shared embedding sample (embedding_sample.h): per side
 * a deterministic bottom-k sample of the valid rows (k = max_rows, 5000 by
 * default), a float8[] that parallel workers and Citus combine.  Training
 * SGD on all of 100k + 100k rows of 384 dimensions would cost minutes;
 * 5000 rows per side hold the AUC's sampling error near 0.01 and cost about
 * a second (see the README).  The options (threshold, bootstrap,
 * quantile_probability) travel in the state and must be the same on every
 * row.  The classifier runs in the final function, which leaves the state
 * as it found it.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/domain_classifier.h"
#include "embedding_input.h"
#include "embedding_sample.h"

PG_FUNCTION_INFO_V1(mlm_embedding_model_accum);
PG_FUNCTION_INFO_V1(mlm_embedding_model_final);

/* Rows per side the sample keeps unless max_rows says otherwise. */
#define EMB_MODEL_DEFAULT_ROWS 5000

/* The options' places in EmbSampleOptions.opt. */
#define OPT_THRESHOLD 0
#define OPT_BOOTSTRAP 1
#define OPT_QUANTILE 2

static void
options_of(FunctionCallInfo fcinfo, EmbSampleOptions *o)
{
	int			n = PG_NARGS();

	memset(o, 0, sizeof(*o));
	o->method = EMB_SAMPLE_MODEL;
	o->max_rows = EMB_MODEL_DEFAULT_ROWS;
	o->opt[OPT_THRESHOLD] = MLM_DC_THRESHOLD;
	o->opt[OPT_BOOTSTRAP] = 0;
	o->opt[OPT_QUANTILE] = 0.95;
	/* the eighth argument, the row's key, may be NULL; the options may not */
	o->row_key_arg = n > 7 ? 7 : -1;
	for (int i = 3; i < n && i < 7; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("options of mlmon.embedding_model must not be null")));
	if (n > 3)
	{
		o->opt[OPT_THRESHOLD] = PG_GETARG_FLOAT8(3);
		if (!isfinite(o->opt[OPT_THRESHOLD]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold must be a finite number")));
	}
	if (n > 4)
	{
		o->opt[OPT_BOOTSTRAP] = PG_GETARG_BOOL(4) ? 1 : 0;
		o->opt[OPT_QUANTILE] = PG_GETARG_FLOAT8(5);
		if (!(o->opt[OPT_QUANTILE] >= 0.0 && o->opt[OPT_QUANTILE] <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("quantile_probability must be between 0 and 1")));
	}
	if (n > 6)
	{
		int32		k = PG_GETARG_INT32(6);

		if (k < 2 || k > EMB_SAMPLE_MAX_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_rows must be between 2 and %d", EMB_SAMPLE_MAX_ROWS),
					 errdetail("The value was %d.", k)));
		o->max_rows = k;
	}
}

/*
 * mlm_embedding_model_accum(float8[], embedding float8[] | float4[],
 * is_current boolean [, threshold float8 [, bootstrap boolean,
 * quantile_probability float8 [, max_rows integer [, row_key bigint]]]]) returns
 * float8[] (with row_key: the checks' sample keyed by row)
 */
Datum
mlm_embedding_model_accum(PG_FUNCTION_ARGS)
{
	EmbSampleOptions o;

	options_of(fcinfo, &o);
	return emb_sample_accum(fcinfo, &o, "mlmon.embedding_model");
}

static void
check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* mlm_embedding_model_final(float8[]) returns mlmon.embedding_drift_result */
Datum
mlm_embedding_model_final(PG_FUNCTION_ARGS)
{
	EmbSample	s;
	EmbeddingResult r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	emb_sample_read(PG_GETARG_ARRAYTYPE_P(0), EMB_SAMPLE_MODEL, &s);
	/* the options are the state's: checked on their way in, but a state may come by hand */
	if (!isfinite(s.opt[OPT_THRESHOLD]) || !(s.opt[OPT_BOOTSTRAP] == 0 || s.opt[OPT_BOOTSTRAP] == 1) ||
		!(s.opt[OPT_QUANTILE] >= 0 && s.opt[OPT_QUANTILE] <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid embedding sample state"),
				 errdetail("The options are out of range for mlmon.embedding_model.")));
	memset(&r, 0, sizeof(r));
	r.method = "model";
	r.threshold = s.opt[OPT_THRESHOLD];
	r.n_reference = s.n[0];
	r.n_current = s.n[1];
	r.dimension = s.dim;
	r.skipped_null = s.skipped_null;
	r.skipped_length = s.skipped_length;
	r.skipped_component = s.skipped_component;
	r.has_statistic = false;
	/* fewer than 2 rows in a side: no split with both classes in both halves, NULL statistic */
	if (s.dim > 0 && s.size[0] >= 2 && s.size[1] >= 2)
	{
		size_t		bytes = mlm_dc_scratch_bytes(s.size[0], s.size[1]);
		void	   *scratch;
		double	   *w;
		mlm_dc_result res;

		if (bytes > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for mlmon.embedding_model")));
		scratch = MemoryContextAllocHuge(CurrentMemoryContext, bytes);
		w = palloc(sizeof(double) * s.dim);
		mlm_domain_classifier(s.rows[0], s.size[0], s.rows[1], s.size[1], s.dim,
							  s.opt[OPT_BOOTSTRAP] != 0, s.opt[OPT_QUANTILE], 1, w, NULL,
							  scratch, check_cancel, &res);
		if (res.status == MLM_DC_OK)
		{
			r.statistic = res.auc;
			if (s.opt[OPT_BOOTSTRAP] != 0)
				r.threshold = res.threshold;
			r.has_statistic = !isnan(r.statistic) && !isnan(r.threshold);
		}
		pfree(w);
		pfree(scratch);
	}
	return embedding_result_datum(fcinfo, &r);
}
