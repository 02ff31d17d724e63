/*
 * classification_state.h: the state of mlmon.classification_metrics,
 * shared by its aggregates with the real state type
 * (classification_state.c) and 0.2.0's internal-state support functions
 * (agg_classification.c).
 */
#ifndef MLMON_CLASSIFICATION_STATE_H
#define MLMON_CLASSIFICATION_STATE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/float.h"

#include "catcount.h"

typedef struct Scores
{
	double	   *v;
	int64		n;
	int64		cap;
} Scores;

typedef struct ClassState
{
	MemoryContext mcxt;
	CatCounter	pairs;			/* key: actual '\0' predicted; c[0]: rows */
	int64		n;
	/*
	 * Score forms.  With an explicit positive label, slot 1 holds the scores
	 * of rows whose actual label is positive and slot 0 the others.
	 * Otherwise slot i holds the scores of rows whose actual label is
	 * label[i] (at most two labels; a third makes the score metrics NULL).
	 */
	bool		explicit_pos;
	char	   *pos;
	int32		poslen;
	int			nlabels;
	bool		multiclass;
	char	   *label[2];
	int32		labellen[2];
	Scores		sc[2];
	int64		n_scored;		/* rows with a score (the scores dropped included) */
	/*
	 * mlmon.classification_state only: the form (MLM_CLASS_FORM_*): the
	 * final function reads it from the state, not from its arguments.
	 */
	uint8		form;
} ClassState;

/* Initialize st (zeroed) in mcxt. */
extern void class_state_init(ClassState *st, MemoryContext mcxt);

/* Set the positive label (explicit form). */
extern void class_state_set_positive(ClassState *st, const char *p, int32 len);

/* Count one (actual, predicted) pair count times (inline: once a row). */
static pg_attribute_always_inline void
class_state_add_pair(ClassState *st, const char *a, int32 alen, const char *p, int32 plen, int64 count)
{
	char		buf[256];
	char	   *key = (alen + plen + 1 <= (int32) sizeof(buf)) ? buf : palloc(alen + plen + 1);

	memcpy(key, a, alen);
	key[alen] = '\0';
	memcpy(key + alen + 1, p, plen);
	catcount_add(&st->pairs, key, alen + plen + 1, count, 0);
	st->n += count;
	if (key != buf)
		pfree(key);
}

/* Add the scores v[0..n) of rows whose actual label is a. */
extern void class_state_add_scores(ClassState *st, const char *a, int32 alen, const double *v, int64 n);

/* Add the scores v[0..n) to slot (not counted in n_scored). */
extern void class_state_slot_scores(ClassState *st, int slot, const double *v, int64 n);

/* Check a row's score (a probability; inline: once a row). */
static inline void
class_state_check_score(double s)
{
	if (!(s >= 0.0 && s <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("score %s is not a probability", float8out_internal(s)),
				 errdetail("The score of mlmon.classification_metrics is the probability of the positive class, between 0 and 1.")));
}

/* Add b's pairs and scores to a (same form, same positive label). */
extern void class_state_merge(ClassState *a, const ClassState *b);

/* The result row of a state with rows; scored: the score forms. */
extern Datum class_state_result(FunctionCallInfo fcinfo, ClassState *st, bool scored);

#endif
