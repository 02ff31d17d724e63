/*
 * profile_window.h: the states of ks_2samp, psi and jensen_shannon (value,
 * reference profile), live values counted on a reference profile's grid or
 * bins (profile_window.c), for the plain aggregates' real state type
 * mlmon.profile_counts_state (profile_counts_state.c).
 */
#ifndef MLMON_PROFILE_WINDOW_H
#define MLMON_PROFILE_WINDOW_H

#include "profile.h"

#include "core/divergence.h"
#include "core/grid_index.h"
#include "core/ks_grid.h"
#include "core/ktree.h"
#include "options.h"
#include "profile_ref.h"

/* What both state kinds share: the reference and the options. */
typedef struct RefState
{
	MemoryContext mcxt;
	struct varlena *profile;	/* the reference, copied */
	ProfileRef	pref;			/* the argument it came from, for the per-row check */
	StatOptions opts;
	int64		n1;				/* reference values */
	double		ecdf_error;		/* bound of the reference's ECDF error */
	int64		n2;				/* current values */
} RefState;

typedef struct KsGrid
{
	RefState	r;
	int64		k;				/* reference values (the grid) */
	double	   *grid;
	mlm_grid_index index;		/* finds a value's cell */
	int64	   *R;				/* reference values <= grid[j] */
	int64	   *cell;			/* 2k + 1 current counts */
	double	   *cellmax;		/* largest current value in open cell j (cell 2j), -inf if none */
	bool		moving;
	bool		built;			/* the trees are built (moving mode, first result) */
	mlm_ktree	up;				/* D+: leaves j = 0 .. k-1 */
	mlm_ktree	down;			/* D-: leaves j = 0 .. k */
	int			npend;			/* values not yet counted (plain mode) */
	double		pend[MLM_GRID_BATCH];
} KsGrid;

typedef struct BinState
{
	RefState	r;
	int			nedges;
	double	   *edges;			/* interior edges of the reference-quantile bins */
	int64	   *ref;			/* reference counts per bin (nedges + 1) */
	int64	   *cur;			/* current counts per bin */
} BinState;

/*
 * The state of a transition's first row (in mcxt): the options from
 * argument 3 on, the reference profile of argument 2.
 */
extern KsGrid *ksgrid_begin(FunctionCallInfo fcinfo, MemoryContext mcxt, bool moving);
extern BinState *bins_begin(FunctionCallInfo fcinfo, MemoryContext mcxt, OptionsKind kind);

/* A later row: the options and the reference must be the ones of the state. */
extern void refstate_next(RefState *rs, FunctionCallInfo fcinfo);

/* Count a finite value (plain mode). */
extern void ksgrid_add(KsGrid *g, double x);
extern void bins_add(BinState *b, double x);

/* An empty state in mcxt for this reference profile (a copy is kept) and these options. */
extern KsGrid *ksgrid_new(MemoryContext mcxt, struct varlena *profile, const StatOptions *opts);
extern BinState *bins_new(MemoryContext mcxt, struct varlena *profile, const StatOptions *opts);

/* Count the pending values of a plain KS state. */
extern void ksgrid_flush(KsGrid *g);

/* Add b's current values to a's (same reference and options, else an error). */
extern void ksgrid_merge(KsGrid *a, KsGrid *b);
extern void bins_merge(BinState *a, const BinState *b);

/* The results. */
extern Datum ksgrid_result(FunctionCallInfo fcinfo, KsGrid *g);
extern Datum bins_result(FunctionCallInfo fcinfo, const BinState *b, mlm_divergence_fn divergence);

#endif
