/*
 * embedding_sample.h: the state shared by the embedding drift methods that
 * need rows (mmd, model): a bounded, deterministic, mergeable sample of each
 * side's valid rows (core/embedding_sample.h: the key, the order, the
 * sample), with the counts of every valid and skipped row.
 *
 * The state is a float8[] (a real SQL type: parallel workers and Citus
 * combine it, its text form round-trips exactly): a header of ES_HDR
 * numbers, then the reference side's slots (cap_ref of them), then the
 * current side's (cap_cur), each MLM_ES_SLOT(d) numbers.  A side's
 * capacity starts at 16 rows and doubles up to max_rows, so a small sample
 * stays small; the transition updates the state in place.
 *
 * A method's aggregate:
 *   transition: Datum emb_sample_accum(fcinfo, &opts) with its options
 *     (max_rows, its method code, up to EMB_SAMPLE_NOPTS numbers of its own,
 *     stored in the state and required equal on every row);
 *   combine: the SQL function @extschema@._embedding_sample_combine
 *     (mlm_embedding_sample_combine here), shared by the methods;
 *   final: emb_sample_read(state, method, &sample), then the method on
 *     sample.rows[0] (reference) and sample.rows[1] (current).
 */
#ifndef MLMON_EMBEDDING_SAMPLE_H
#define MLMON_EMBEDDING_SAMPLE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

/* The method whose options a state holds (states of different methods do not combine). */
#define EMB_SAMPLE_MMD 1
#define EMB_SAMPLE_MODEL 2

#define EMB_SAMPLE_NOPTS 4

/*
 * The option slot that says whether the sample is keyed by row (1) or by
 * contents only (0): set by emb_sample_accum from row_key_arg, so the
 * methods' own options use the slots before it.  Keyed and unkeyed states
 * do not combine.
 */
#define EMB_SAMPLE_OPT_KEYED 3

/* Most rows per side a sample may hold (the state must also fit in 1 GB). */
#define EMB_SAMPLE_MAX_ROWS 1000000

typedef struct EmbSampleOptions
{
	int			method;			/* EMB_SAMPLE_* */
	int			max_rows;		/* k, per side, 1 .. EMB_SAMPLE_MAX_ROWS (checked by the caller) */
	double		opt[EMB_SAMPLE_NOPTS];	/* the method's own (finite; unused ones 0) */
	int			row_key_arg;	/* the argument holding each row's key (bigint), or -1: keyed by contents */
} EmbSampleOptions;

/*
 * The transition function's body: argument 0 the state (or NULL), argument
 * 1 the embedding (float8[] or float4[]), argument 2 is_current, and when
 * o->row_key_arg >= 0 that argument the row's key (bigint; NULL taken as
 * 0): the sample is then keyed by row (core/embedding_sample.h, KEYED BY
 * ROW).  Bad rows are counted (embedding_input.c).  aggname (e.g. "mlmon.embedding_mmd")
 * names the aggregate in messages.
 */
extern Datum emb_sample_accum(FunctionCallInfo fcinfo, const EmbSampleOptions *o, const char *aggname);

/* A sample, read from a state: pointers into the state (which must outlive it). */
typedef struct EmbSample
{
	int			dim;			/* 0: no valid row */
	int			max_rows;
	double		opt[EMB_SAMPLE_NOPTS];
	int64		n[2];			/* valid rows of the reference [0] and the current [1] side */
	int64		size[2];		/* rows in each side's sample: min(n, max_rows) */
	const double **rows[2];		/* size[s] rows of dim components each, in THE ORDER (ascending key) */
	int64		skipped_null;
	int64		skipped_length;
	int64		skipped_component;
} EmbSample;

/*
 * Read a state (checked: a state may be passed by hand) made for method:
 * palloc'd row pointers in the current context; the state is not changed.
 */
extern void emb_sample_read(ArrayType *state, int method, EmbSample *s);

#endif
