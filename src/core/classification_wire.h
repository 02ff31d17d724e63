/*
 * classification_wire.h: the portable binary form of the partial state of
 * mlmon.classification_metrics (mlmon.classification_state): the rows
 * counted per (actual, predicted) pair of labels and, for the score forms,
 * the scores by actual label that ROC AUC, log loss and Brier need.
 *
 * Layout (big-endian):
 *   u8  version (MLM_CLASS_WIRE_VERSION)
 *   u8  form: 0 labels only, 1 scores of the greater of two actual labels,
 *       2 scores of a named positive label
 *   u8  flags: bit 0 "more than two actual labels have scores" (form 1
 *       only: its scores are then dropped, the score metrics are NULL),
 *       the other bits zero
 *   u8  number of score labels (form 1: 0 to 2, 0 with bit 0; else 0)
 *   u64 number of pairs, u64 rows (the sum of the pairs' counts),
 *   u64 scored rows, u32 length of the positive label (form 2; else 0)
 *   the positive label's bytes
 *   per pair, in strictly ascending order of (actual, predicted) (bytes,
 *   memcmp on the common prefix, then shorter first): u32 length, the
 *   actual label, u32 length, the predicted label, u64 count (> 0)
 *   form 1: per score label, in strictly ascending byte order: u32 length,
 *   the label (an actual label of the pairs), u64 number of scores (> 0,
 *   at most the label's rows), the scores;
 *   form 2: the scores of the rows whose actual label is not the positive
 *   one, then of those whose actual label is: u64 number of scores (at
 *   most those rows), the scores
 *   Scores are IEEE 754 doubles in [0, 1] (no -0), ascending in each list;
 *   the scored rows are the lists' total (form 1 with bit 0: at least 3
 *   and at most the rows).  Labels hold no NUL byte (they are text).
 * The form is canonical: one state has one encoding, so equal states have
 * equal text forms.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CLASSIFICATION_WIRE_H
#define MLM_CLASSIFICATION_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define MLM_CLASS_WIRE_VERSION 1
#define MLM_CLASS_WIRE_HEADER 32
#define MLM_CLASS_WIRE_PAIR_FIXED 16	/* u32 length, u32 length, u64 count */
#define MLM_CLASS_FORM_LABELS 0
#define MLM_CLASS_FORM_SCORES 1
#define MLM_CLASS_FORM_POSITIVE 2
#define MLM_CLASS_FLAG_MULTICLASS 1

typedef struct mlm_class_wire
{
	uint8_t		form;
	uint8_t		multiclass;
	int			nslots;			/* score lists: form 0 none, form 1 the labels, form 2 two */
	int64_t		npairs;
	int64_t		n;
	int64_t		n_scored;
	const char *pos;			/* form 2: the positive label */
	uint32_t	poslen;
	const unsigned char *pairs; /* the first pair */
	const char *label[2];		/* form 1: the score labels */
	uint32_t	labellen[2];
	int64_t		nscores[2];
	const unsigned char *scores[2]; /* big-endian doubles (mlm_class_wire_score) */
} mlm_class_wire;

/* Write the header and the positive label at p; returns the byte after them. */
unsigned char *mlm_class_wire_put_header(unsigned char *p, const mlm_class_wire *w);

/* Write one pair at p; returns the byte after it. */
unsigned char *mlm_class_wire_put_pair(unsigned char *p, const char *actual, uint32_t alen,
									   const char *predicted, uint32_t plen, int64_t count);

/*
 * Write one score list at p (label NULL in form 2), the scores v[0..n)
 * sorted ascending by the caller; returns the byte after it.
 */
unsigned char *mlm_class_wire_put_scores(unsigned char *p, const char *label, uint32_t len,
										 const double *v, int64_t n);

/*
 * Check buf[0..len) against every rule of the layout and fill w.  Returns
 * 0, or -1 with a message (lower case, no final period) in err.
 */
int			mlm_class_wire_check(const void *buf, size_t len, mlm_class_wire *w, char *err, size_t errlen);

/* Read the pair at p of a checked form; returns the next pair. */
const unsigned char *mlm_class_wire_pair(const unsigned char *p, const char **actual, uint32_t *alen,
										 const char **predicted, uint32_t *plen, int64_t *count);

/* Score i of list s of a checked form. */
double		mlm_class_wire_score(const mlm_class_wire *w, int s, int64_t i);

#endif
