/*
 * sample_state.h: aggregate state holding the reference and current
 * samples of a numeric feature, shared by the two-sample statistics.
 */
#ifndef MLMON_SAMPLE_STATE_H
#define MLMON_SAMPLE_STATE_H

#include "postgres.h"

#include "fmgr.h"

#include "options.h"

/* A growable array of finite float8 values; values[0..nsorted) is ascending. */
typedef struct Sample
{
	double	   *values;
	int64		n;
	int64		cap;
	int64		nsorted;
} Sample;

typedef struct SampleState
{
	MemoryContext mcxt;			/* where the arrays live (the aggregate context) */
	Sample		ref;			/* is_current = false */
	Sample		cur;			/* is_current = true */
	int64		nonfinite_ref;	/* NaN and +-Infinity seen and ignored */
	int64		nonfinite_cur;
	StatOptions opts;
} SampleState;

/* Sort a sample in place (keeps its contents; safe inside a final function). */
extern void sample_ensure_sorted(SampleState *st, Sample *s);

/* The state of a two-sample aggregate's final function, or NULL when it saw no rows. */
extern SampleState *sample_final_state(FunctionCallInfo fcinfo);

/* The state with both samples sorted, or NULL when either sample is empty. */
extern SampleState *sample_final_sorted(FunctionCallInfo fcinfo);

#endif
