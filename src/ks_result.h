/*
 * ks_result.h: building mlmon.ks_result from two samples, shared by every
 * form of ks_2samp.
 */
#ifndef MLMON_KS_RESULT_H
#define MLMON_KS_RESULT_H

#include "postgres.h"

#include "fmgr.h"

#include "core/ks.h"
#include "core/wsample.h"
#include "options.h"

/*
 * The KS test of a (reference) against b (current) as a mlmon.ks_result
 * datum for the calling function's result type.  An empty sample gives a
 * row with the counts and NULL statistic.  error_bound > 0 marks samples
 * known only within that bound on the ECDF (sketched profiles): the
 * statistic then carries the bound and no p-value.
 */
extern Datum ks_result_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
							 const StatOptions *opts, double error_bound);

/* The same row from a walk already fed with every candidate position (a NaN location gives NULL). */
extern Datum ks_result_walk_datum(FunctionCallInfo fcinfo, const mlm_ks_walk *w, int64 n1, int64 n2,
								  const StatOptions *opts, double error_bound);

#endif
