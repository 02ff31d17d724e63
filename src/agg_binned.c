/*
 * agg_binned.c: final functions of the binned numeric statistics,
 * mlmon.psi(float8, ...) and mlmon.jensen_shannon(float8, ...).
 */
#include "sample_state.h"

#include "core/binning.h"
#include "core/divergence.h"
#include "drift_numeric.h"
#include "profile.h"

PG_FUNCTION_INFO_V1(mlm_psi_numeric_final);
PG_FUNCTION_INFO_V1(mlm_js_numeric_final);
PG_FUNCTION_INFO_V1(mlm_psi_numeric_state_final);
PG_FUNCTION_INFO_V1(mlm_js_numeric_state_final);

/* A divergence of the binned samples; NULL when either sample is empty. */
static Datum
binned_divergence(FunctionCallInfo fcinfo, bool real_state, mlm_divergence_fn divergence)
{
	SampleState *st = sample_final_sorted(fcinfo, real_state);
	BinCounts	bc;
	double	   *scratch;
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;

	if (st == NULL)
		PG_RETURN_NULL();
	a = sample_reference(st, &hdr);
	b = SAMPLE_WS(&st->cur);
	bin_samples(&a, &b, &st->opts, &bc);
	scratch = MemoryContextAllocHuge(CurrentMemoryContext,
									 sizeof(double) * MLM_DIVERGENCE_SCRATCH(bc.k));
	PG_RETURN_FLOAT8(divergence(bc.ref, bc.cur, bc.k, a.n, b.n, scratch));
}

/* mlm_psi_numeric_state_final(mlmon.sample_state) returns float8. */
Datum
mlm_psi_numeric_state_final(PG_FUNCTION_ARGS)
{
	return binned_divergence(fcinfo, true, mlm_psi_counts);
}

/* mlm_js_numeric_state_final(mlmon.sample_state) returns float8. */
Datum
mlm_js_numeric_state_final(PG_FUNCTION_ARGS)
{
	return binned_divergence(fcinfo, true, mlm_js_counts);
}

/* mlm_psi_numeric_final(internal) returns float8 (0.2.0's). */
Datum
mlm_psi_numeric_final(PG_FUNCTION_ARGS)
{
	return binned_divergence(fcinfo, false, mlm_psi_counts);
}

/* mlm_js_numeric_final(internal) returns float8 (0.2.0's). */
Datum
mlm_js_numeric_final(PG_FUNCTION_ARGS)
{
	return binned_divergence(fcinfo, false, mlm_js_counts);
}
