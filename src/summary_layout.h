/*
 * summary_layout.h: what each section of a check's summary holds, by id,
 * and the plan the summary is built for (mlmon._summary_plan), shared by
 * the aggregates that build summaries (summary_build.c) and the functions
 * that read them (summary_read.c).
 *
 * A check's summary has two parts, built by two aggregates from two reads:
 * the rows part from the logged rows (features, predictions, latency,
 * scores), the labels part from the labels of those rows.  Features are
 * numbered in the plan's order (0-based); the prediction is a column like
 * them with sections of its own.
 */
#ifndef MLMON_SUMMARY_LAYOUT_H
#define MLMON_SUMMARY_LAYOUT_H

/* rows part */
#define SEC_TOTALS 1			/* COUNTS, TOTAL_* below */
#define SEC_UNEXPECTED 2		/* KEYS (1): rows per feature key outside the reference's, the smallest UNEXPECTED_CAP */
#define SEC_LATENCY 3			/* PROFILE of the latency */
#define SEC_CBPE 4				/* SUMS: expected tp, fp, fn, tn of the calibrated scores */
#define SEC_PREDICTION 10		/* the prediction column: + COL_* below */
#define SEC_FEATURE(i) (100 + 4 * (uint32) (i))	/* feature i: + COL_* below */

/* labels part */
#define SEC_LABELED 20			/* COUNTS: [labelled rows] */
#define SEC_CONFUSION 21		/* KEYS (2): (actual, predicted) pairs of classification rows */
#define SEC_SCORES 22			/* SCORES: the scores of classification rows by actual label */
#define SEC_REGRESSION 23		/* REGRESSION: the errors of regression rows */
#define SEC_STREAM 24			/* STREAM: the error of each labelled row in time order */

/* the sections of a column (a feature or the prediction), added to its base id */
#define COL_QUALITY 0			/* COUNTS: numbers or categories, missing, invalid, outside the reference */
#define COL_PROFILE 1			/* PROFILE of its values */
#define COL_GRID 2				/* GRID on the reference's values (KS), when the plan asks and the reference is exact */
#define COL_BINS 3				/* COUNTS in the reference-quantile bins (PSI, Jensen-Shannon), when the plan asks */

/* the counts of SEC_TOTALS */
#define TOTAL_ROWS 0
#define TOTAL_MALFORMED 1		/* features not a JSON object */
#define TOTAL_UNEXPECTED 2		/* rows with a feature key outside the reference's */
#define TOTAL_JUDGED 3			/* rows with a feature to judge for anomalies */
#define TOTAL_ANOMALOUS 4		/* of those, rows whose anomaly p-value is below the plan's alpha */
#define TOTAL_SCORED 5			/* rows counted by SEC_CBPE */
#define TOTAL_COUNTS 6

/* the counts of COL_QUALITY */
#define QUALITY_N 0
#define QUALITY_MISSING 1
#define QUALITY_INVALID 2
#define QUALITY_OUTSIDE 3		/* numbers outside the reference's [min, max]; categories it never saw */
#define QUALITY_COUNTS 4

/* plan parts of a column (mlmon._summary_plan.parts) */
#define PART_GRID 1
#define PART_BINS 2

/* reference-quantile bins kept for PSI and Jensen-Shannon (their default) */
#define SUMMARY_BINS 10

#define UNEXPECTED_CAP 1000

/* the attributes of mlmon._summary_plan */
#define PLAN_TASK 1
#define PLAN_FEATURES 2
#define PLAN_KINDS 3
#define PLAN_REFS 4
#define PLAN_PARTS 5
#define PLAN_PREDICTION_REF 6
#define PLAN_PREDICTION_PARTS 7
#define PLAN_CALIBRATION 8
#define PLAN_POSITIVE 9
#define PLAN_NEGATIVE 10
#define PLAN_ALPHA 11
#define PLAN_UNEXPECTED 12
#define PLAN_ERROR_SCALE 13
#define PLAN_CAP 14
#define PLAN_NATTS 14

#endif
