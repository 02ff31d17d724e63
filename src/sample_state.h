/*
 * sample_state.h: aggregate state holding the reference and current
 * samples of a numeric feature, shared by the two-sample statistics.
 */
#ifndef MLMON_SAMPLE_STATE_H
#define MLMON_SAMPLE_STATE_H

#include "postgres.h"

#include "fmgr.h"

#include "options.h"
#include "profile_ref.h"
#include "core/profile.h"
#include "core/wsample.h"

/* Sorted runs a sample keeps from other partial states before merging them. */
#define SAMPLE_MAX_RUNS 16

/*
 * The finite float8 values of one sample:
 * - values[0..n): ascending, what the last sort produced;
 * - chunks: values appended since, in blocks that double in size up to a
 *   limit and are never moved (growing a single array by reallocation would
 *   copy it again and again);
 * - runs: sorted arrays handed over by parallel workers, merged in one pass
 *   when the sample is sorted.
 */
typedef struct Sample
{
	double	   *values;
	int64		n;
	double	  **chunk;
	int64	   *chunklen;
	int			nchunks;
	int			chunkslots;
	int64		nunsorted;		/* values in the chunks */
	double	   *runs[SAMPLE_MAX_RUNS];
	int64		runlen[SAMPLE_MAX_RUNS];
	int			nruns;
	int64		nrunvals;		/* values in the runs */
} Sample;

/* A sorted sample (after sample_sort_all) as the numerics core reads it. */
#define SAMPLE_WS(s) mlm_ws_array((s)->values, (s)->n)

/* Number of values in a sample. */
static inline int64
sample_size(const Sample *s)
{
	return s->n + s->nunsorted + s->nrunvals;
}

typedef struct SampleState
{
	MemoryContext mcxt;			/* where the arrays live (the aggregate context) */
	Sample		ref;			/* is_current = false */
	Sample		cur;			/* is_current = true */
	StatOptions opts;
	int			nserialized;	/* times serialized (aggregates sharing the state) */
	/*
	 * A deserialized partial state holds no arrays of its own: wire points
	 * at its sorted values in the message (reference then current), valid
	 * until the combine function has copied them.
	 */
	const char *wire;
	/*
	 * Set for the (value, reference profile) aggregates: the reference
	 * distribution is this flat profile (a varlena in mcxt, or borrowed from
	 * the message of a deserialized state) and ref stays empty.
	 */
	struct varlena *ref_profile;
	ProfileRef	pref;			/* the argument the profile came from, for the per-row check */
} SampleState;

/*
 * Sort both samples into single ascending arrays (the multiset the state
 * stands for does not change, so this is safe inside a final function).
 */
extern void sample_sort_all(SampleState *st);

/*
 * The state of a two-sample aggregate's final function, or NULL when it saw
 * no rows.  real_state: the state is a mlmon.sample_state (else internal:
 * 0.2.0's aggregates).
 */
extern SampleState *sample_final_state(FunctionCallInfo fcinfo, bool real_state);

/* The state with both samples sorted, or NULL when either sample is empty. */
extern SampleState *sample_final_sorted(FunctionCallInfo fcinfo, bool real_state);

/*
 * The reference distribution of a sorted state: the ref sample, or the
 * reference profile's distribution.  *hdr is set to the profile's header
 * (NULL without a profile), for its moments and error bound.
 */
extern mlm_wsample sample_reference(SampleState *st, const mlm_profile_hdr **hdr);

/*
 * The state of a final function with both samples sorted, its reference
 * (sample_reference) and current distributions, and *sketch: the reference
 * is a sketched profile; NULL when the aggregate saw no rows.
 */
extern SampleState *sample_final_pair(FunctionCallInfo fcinfo, mlm_wsample *ref, mlm_wsample *cur,
									  const mlm_profile_hdr **hdr, bool *sketch);

/* Number of reference values (the ref sample's or the profile's count). */
extern int64 sample_reference_size(const SampleState *st);

#endif
