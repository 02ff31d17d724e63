/*
 * summary_plan.h: the plan a check's summary is built for
 * (mlmon._summary_plan, summary_layout.h), decoded once per aggregate or
 * call: the reference of every column, the grids and bins kept, the keys to
 * read from the features object, the calibration, the anomaly cut-offs.
 */
#ifndef MLMON_SUMMARY_PLAN_H
#define MLMON_SUMMARY_PLAN_H

#include "postgres.h"

#include "calibration.h"
#include "jsonb_features.h"
#include "reference_set.h"
#include "summary_layout.h"

/* A feature or the prediction. */
typedef struct PlanColumn
{
	char	   *name;
	bool		numeric;
	bool		has_ref;		/* a reference profile (the prediction may have none) */
	struct varlena *ref;		/* the reference profile (copied) */
	mlm_profile_view view;
	NumericRef nref;			/* numeric: its distribution; its values are the KS grid */
	CategoricalRef cref;		/* categorical: its categories */
	bool		grid;			/* a GRID section is kept */
	bool		bins;			/* a bins section is kept */
	int			nedges;
	double		edges[SUMMARY_BINS - 1];
} PlanColumn;

typedef struct SummaryPlan
{
	bool		classification;
	int			nf;
	PlanColumn *col;
	PlanColumn	pred;
	JsonbKeys	keys;			/* the features' names */
	bool		unexpected;		/* count feature keys outside the reference's */
	bool		cbpe;
	Calibration cal;
	char	   *pos;
	int			poslen;
	char	   *neg;
	int			neglen;
	bool		anomalies;
	double		alpha;
	bool		has_scale;		/* regression: the error stream is |error| / scale */
	double		error_scale;
	int			cap;			/* exact cap of the profiles of current values */
	mlm_tail_cut **cuts;		/* [k]: the numeric features' anomaly cut-offs for k features present */
} SummaryPlan;

/* Set up column c from its reference profile datum (numeric or categorical) and its parts (PART_*). */
extern void plan_column_init(PlanColumn *c, Datum ref, bool numeric, int parts);

/* Decode a mlmon._summary_plan value into the current memory context. */
extern SummaryPlan *summary_plan_decode(HeapTupleHeader rec);

/* The anomaly cut-offs of every feature for k features present (computed once per k). */
extern const mlm_tail_cut *summary_plan_cuts(SummaryPlan *p, int k);

#endif
