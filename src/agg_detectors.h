/*
 * agg_detectors.h: the streaming detectors' results for callers outside
 * their aggregates (the checks' summaries, summary_read.c).
 */
#ifndef MLMON_AGG_DETECTORS_H
#define MLMON_AGG_DETECTORS_H

#include "postgres.h"

#include "fmgr.h"

/*
 * mlmon.detector_result of ADWIN (adwin true) or Page-Hinkley, with their
 * defaults, over v[0..n) in order (n = 0: no rows).
 */
extern Datum detector_replay_datum(FunctionCallInfo fcinfo, bool adwin, const double *v, int64 n);

#endif
