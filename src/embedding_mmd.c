/*
 * embedding_mmd.c: mlmon.embedding_mmd, Evidently's `mmd` embedding drift
 * method (core/embedding_mmd.c) on a bounded sample of each side's rows
 * (embedding_sample.c): the unbiased squared maximum mean discrepancy with
 * an rbf kernel whose width is the median cross distance, against a
 * threshold or a bootstrap percentile.
 *
 * With at most max_rows valid rows per side (and max_rows <= 1000, the
 * sample Evidently takes for the median) the samples are all the rows and
 * the statistic is Evidently's; above, it is Evidently's formula on the
 * samples.  The final function costs O(k^2 d) for k = max_rows and
 * 2 k^2 doubles of scratch (4 k^2 + 2 k with bootstrap).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/embedding_mmd.h"
#include "embedding_input.h"
#include "embedding_sample.h"

PG_FUNCTION_INFO_V1(mlm_embedding_mmd_accum);
PG_FUNCTION_INFO_V1(mlm_embedding_mmd_final);

#define MMD_AGG "mlmon.embedding_mmd"

/* Evidently's defaults, and ours for the sample. */
#define MMD_THRESHOLD 0.015
#define MMD_QUANTILE 0.05
#define MMD_MAX_ROWS 1000

/* The option slots of the sample state. */
enum
{
	MMD_OPT_THRESHOLD,
	MMD_OPT_BOOTSTRAP,
	MMD_OPT_QUANTILE
};

static void
options_of(FunctionCallInfo fcinfo, EmbSampleOptions *o)
{
	int			n = PG_NARGS();
	int			k = MMD_MAX_ROWS;

	memset(o, 0, sizeof(*o));
	o->method = EMB_SAMPLE_MMD;
	o->opt[MMD_OPT_THRESHOLD] = MMD_THRESHOLD;
	o->opt[MMD_OPT_QUANTILE] = MMD_QUANTILE;
	/* the eighth argument, the row's key, may be NULL; the options may not */
	o->row_key_arg = n > 7 ? 7 : -1;
	for (int i = 3; i < n && i < 7; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("options of mlmon.embedding_mmd must not be null")));
	if (n > 3)
	{
		double		t = PG_GETARG_FLOAT8(3);

		if (!isfinite(t))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold must be a finite number")));
		o->opt[MMD_OPT_THRESHOLD] = t;
	}
	if (n > 4)
	{
		double		q = PG_GETARG_FLOAT8(5);

		o->opt[MMD_OPT_BOOTSTRAP] = PG_GETARG_BOOL(4) ? 1 : 0;
		if (!(q >= 0.0 && q <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("quantile_probability must be between 0 and 1")));
		o->opt[MMD_OPT_QUANTILE] = q;
	}
	if (n > 6)
	{
		k = PG_GETARG_INT32(6);
		if (k < 2 || k > MLM_EMB_MMD_MAX_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_rows must be between 2 and %d", MLM_EMB_MMD_MAX_ROWS)));
	}
	o->max_rows = k;
}

/*
 * mlm_embedding_mmd_accum(float8[], embedding float8[] | float4[],
 * is_current boolean [, threshold float8 [, bootstrap boolean,
 * quantile_probability float8 [, max_rows integer [, row_key bigint]]]]) returns
 * float8[] (with row_key: the checks' sample keyed by row)
 */
Datum
mlm_embedding_mmd_accum(PG_FUNCTION_ARGS)
{
	EmbSampleOptions o;

	options_of(fcinfo, &o);
	return emb_sample_accum(fcinfo, &o, MMD_AGG);
}

static void
check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* Scratch of n doubles (n may pass 1 GB / 8 at large max_rows). */
static double *
scratch_alloc(int64 n)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, (Size) n * sizeof(double));
}

/* mlm_embedding_mmd_final(float8[]) returns mlmon.embedding_drift_result */
Datum
mlm_embedding_mmd_final(PG_FUNCTION_ARGS)
{
	EmbSample	s;
	EmbeddingResult r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	emb_sample_read(PG_GETARG_ARRAYTYPE_P(0), EMB_SAMPLE_MMD, &s);
	/* the options are the state's: checked on their way in, but a state may come by hand */
	if (s.max_rows > MLM_EMB_MMD_MAX_ROWS || !(s.opt[MMD_OPT_BOOTSTRAP] == 0 || s.opt[MMD_OPT_BOOTSTRAP] == 1) ||
		!(s.opt[MMD_OPT_QUANTILE] >= 0 && s.opt[MMD_OPT_QUANTILE] <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid embedding sample state"),
				 errdetail("The options are out of range for mlmon.embedding_mmd.")));
	memset(&r, 0, sizeof(r));
	r.method = "mmd";
	r.threshold = s.opt[MMD_OPT_THRESHOLD];
	r.n_reference = s.n[0];
	r.n_current = s.n[1];
	r.dimension = s.dim;
	r.skipped_null = s.skipped_null;
	r.skipped_length = s.skipped_length;
	r.skipped_component = s.skipped_component;
	r.own_decision = true;
	/* MMD^2_u needs two rows on each side (Evidently divides by zero below) */
	if (s.size[0] >= 2 && s.size[1] >= 2)
	{
		int64		m = s.size[0],
					n = s.size[1];
		double		mmd2u,
					sigma2;
		double	   *scratch = scratch_alloc(MLM_EMB_MMD_SCRATCH(m, n));

		mlm_emb_mmd((const double *const *) s.rows[0], m, (const double *const *) s.rows[1], n, s.dim,
					scratch, check_cancel, &mmd2u, &sigma2);
		pfree(scratch);
		if (s.opt[MMD_OPT_BOOTSTRAP] != 0)
		{
			scratch = scratch_alloc(MLM_EMB_MMD_BOOT_SCRATCH(m, MLM_EMB_MMD_BOOTSTRAP));
			r.threshold = mlm_emb_mmd_bootstrap((const double *const *) s.rows[0], m, n, s.dim,
												s.opt[MMD_OPT_QUANTILE], MLM_EMB_MMD_BOOTSTRAP,
												MLM_EMB_MMD_SEED, scratch, check_cancel);
			pfree(scratch);
		}
		/* Evidently reports max(mmd2u, 0) and decides on mmd2u itself */
		r.has_statistic = !isnan(mmd2u);
		r.statistic = mmd2u > 0 ? mmd2u : 0.0;
		r.decided = !isnan(r.threshold);
		r.drifted = mmd2u > r.threshold;
	}
	return embedding_result_datum(fcinfo, &r);
}
