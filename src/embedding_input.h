/*
 * embedding_input.h: what the embedding drift aggregates share: reading one
 * row (an embedding float8[] or float4[] and is_current) with its bad-input
 * class, and building mlmon.embedding_drift_result.
 */
#ifndef MLMON_EMBEDDING_INPUT_H
#define MLMON_EMBEDDING_INPUT_H

#include "postgres.h"

#include "fmgr.h"

/* Most components an embedding may have (pgvector's limit for vector). */
#define EMB_MAX_DIM 16000

typedef enum EmbeddingRowStatus
{
	EMB_ROW_OK,
	EMB_ROW_NULL,				/* NULL embedding or is_current, or an empty array */
	EMB_ROW_LENGTH,				/* not 1-D, or not the fixed dimension (or > EMB_MAX_DIM) */
	EMB_ROW_COMPONENT			/* a NULL, NaN or infinite component */
} EmbeddingRowStatus;

typedef struct EmbeddingRow
{
	EmbeddingRowStatus status;
	bool		current;
	bool		float4;			/* components in f4, else in f8 */
	const float4 *f4;
	const float8 *f8;
	int			dim;
} EmbeddingRow;

/*
 * Classify the row of arguments emb_arg (float8[] or float4[]) and cur_arg
 * (boolean); dim is the fixed dimension, or 0 while none is.
 */
extern void embedding_row(FunctionCallInfo fcinfo, int emb_arg, int cur_arg, int dim, EmbeddingRow *row);

typedef struct EmbeddingResult
{
	const char *method;
	bool		has_statistic;	/* false: statistic and drifted are NULL */
	double		statistic;
	double		threshold;
	int64		n_reference;
	int64		n_current;
	int			dimension;
	int64		skipped_null;
	int64		skipped_length;
	int64		skipped_component;
	/*
	 * own_decision: drifted is `drifted` (NULL when !decided), not statistic
	 * > threshold (mmd decides on its raw statistic, reports it clipped at 0)
	 */
	bool		own_decision;
	bool		decided;
	bool		drifted;
} EmbeddingResult;

/*
 * The mlmon.embedding_drift_result datum; drifted is statistic > threshold
 * unless own_decision.
 */
extern Datum embedding_result_datum(FunctionCallInfo fcinfo, const EmbeddingResult *r);

#endif
