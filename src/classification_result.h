/*
 * classification_result.h: a classifier's metrics as mlmon.classification_result,
 * from its (actual, predicted) counts and its score metrics, for
 * classification_metrics (agg_classification.c) and for the checks'
 * summaries (summary_read.c).
 */
#ifndef MLMON_CLASSIFICATION_RESULT_H
#define MLMON_CLASSIFICATION_RESULT_H

#include "postgres.h"

#include "access/tupdesc.h"

/* Rows whose actual label is `actual` and whose predicted label is `predicted`. */
typedef struct LabelPair
{
	const char *actual;
	int32		alen;
	const char *predicted;
	int32		plen;
	int64		count;
} LabelPair;

/* The metrics of the scores (each part NULL in the result unless set). */
typedef struct ScoreMetrics
{
	bool		scored;
	int64		n_scored;
	bool		losses;
	double		log_loss;
	double		brier;
	bool		auc;
	double		roc_auc;
} ScoreMetrics;

/* The result row (tupdesc: mlmon.classification_result's); npairs > 0. */
extern Datum classification_result_datum(TupleDesc tupdesc, const LabelPair *pairs, int64 npairs,
										 const ScoreMetrics *sm);

#endif
