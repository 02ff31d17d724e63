/*
 * profile_window.c: live values against a fixed reference profile,
 * counted on the reference's grid instead of stored.
 *
 * mlmon.ks_2samp(value, profile) keeps the counts of the reference grid's
 * cells (the algorithm is core/ks_grid.h), and PSI / Jensen-Shannon over
 * reference-quantile bins keep one count per bin: one pass, no sorting, and
 * results equal to the two-sample aggregates' for exact profiles.
 *
 * The same states serve as moving-aggregate states for window functions,
 * with exact inverse transitions.  KS then keeps two kinetic prefix-maximum
 * segment trees (core/ktree.h) over the gap numerators t R_j - n1 P(2j+1)
 * (D+) and n1 P(2j) - t R_(j-1) (D-), lines in t, the number of current
 * values: adding or removing a value updates two leaves in O(log k), and
 * the statistic is at the roots.  When t changes between two results (a
 * frame that grows, NULLs entering or leaving) only the nodes whose choice
 * flips are recomputed.  In that mode the location of a D- extreme (a
 * current value) is not kept and reported as NULL.
 */
#include "profile.h"

#include <math.h>

#include "utils/memutils.h"

#include "core/binning.h"
#include "core/divergence.h"
#include "core/grid_index.h"
#include "core/ks.h"
#include "core/ks_grid.h"
#include "core/ktree.h"
#include "ks_result.h"
#include "options.h"
#include "profile_window.h"

PG_FUNCTION_INFO_V1(mlm_ksgrid_accum);
PG_FUNCTION_INFO_V1(mlm_ksgrid_maccum);
PG_FUNCTION_INFO_V1(mlm_ksgrid_inv);
PG_FUNCTION_INFO_V1(mlm_ksgrid_combine);
PG_FUNCTION_INFO_V1(mlm_ksgrid_serialize);
PG_FUNCTION_INFO_V1(mlm_ksgrid_deserialize);
PG_FUNCTION_INFO_V1(mlm_ksgrid_final);
PG_FUNCTION_INFO_V1(mlm_bins_accum);
PG_FUNCTION_INFO_V1(mlm_bins_inv);
PG_FUNCTION_INFO_V1(mlm_bins_combine);
PG_FUNCTION_INFO_V1(mlm_bins_serialize);
PG_FUNCTION_INFO_V1(mlm_bins_deserialize);
PG_FUNCTION_INFO_V1(mlm_bins_psi_final);
PG_FUNCTION_INFO_V1(mlm_bins_js_final);

/* Serialized head of both states: reference profile, then counts (then cell maxima for KS). */
typedef struct RefStateWire
{
	int32		vl_len_;
	uint8		version;
	uint8		alternative;
	uint8		method;
	uint8		pad;
	int32		bins;
	int32		pad2;
	int64		n2;
	int64		profile_len;
	int64		ncounts;
} RefStateWire;

#define REFSTATE_VERSION 1

/* Keep the reference profile argument (first row), or check it did not change. */
static void
refstate_profile(RefState *rs, FunctionCallInfo fcinfo, int argno)
{
	mlm_profile_view v;

	if (!profile_ref_arg(&rs->pref, fcinfo, argno, rs->mcxt))
		return;
	rs->profile = rs->pref.profile;
	mlm_profile_view_of(PROFILE_PAYLOAD(rs->profile), &v);
	if (v.h->kind != MLM_PROFILE_NUMERIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("reference profile must be a numeric profile"),
				 errhint("Compare text values with a profile built by mlmon.profile(text).")));
	rs->n1 = v.h->count;
	rs->ecdf_error = profile_ecdf_error(v.h);
}

/* The reference distribution of the state's profile, in mcxt. */
static mlm_wsample
refstate_sample(RefState *rs)
{
	mlm_profile_view v;
	MemoryContext old = MemoryContextSwitchTo(rs->mcxt);
	mlm_wsample ws;

	mlm_profile_view_of(PROFILE_PAYLOAD(rs->profile), &v);
	ws = profile_view_sample(&v);
	MemoryContextSwitchTo(old);
	return ws;
}

/* ---------------------------------------------------------------- KS */

/* Prepare the grid, counts and cell maxima of a KS state whose profile is set. */
static void
ksgrid_setup(KsGrid *g)
{
	mlm_wsample ws = refstate_sample(&g->r);
	int64		j;

	g->k = ws.m;
	g->grid = (double *) ws.v;
	g->R = (int64 *) ws.cum;
	g->cell = MemoryContextAllocZero(g->r.mcxt, sizeof(int64) * (2 * g->k + 1));
	g->cellmax = MemoryContextAlloc(g->r.mcxt, sizeof(double) * (g->k + 1));
	mlm_grid_index_init(&g->index, g->grid, g->k,
						MemoryContextAllocHuge(g->r.mcxt, mlm_grid_index_bytes(g->k)));
	for (j = 0; j <= g->k; j++)
		g->cellmax[j] = -INFINITY;
	g->built = false;
}

/* Reference values at or below grid value j (j = -1: none). */
static inline int64
ksgrid_R(const KsGrid *g, int64 j)
{
	return j < 0 ? 0 : g->R[j];
}

/* Line of the D+ tree's leaf j in t: t (R_j - R_(j-1)) - n1 (c_2j + c_2j+1). */
static inline void
up_leaf(const KsGrid *g, int64 j, int64 *a, mlm_i128 *b)
{
	*a = ksgrid_R(g, j) - ksgrid_R(g, j - 1);
	*b = -(mlm_i128) g->r.n1 * (g->cell[2 * j] + g->cell[2 * j + 1]);
}

/* Line of the D- tree's leaf j in t: n1 (c_2j-1 + c_2j) - t (R_(j-1) - R_(j-2)). */
static inline void
down_leaf(const KsGrid *g, int64 j, int64 *a, mlm_i128 *b)
{
	int64		c = g->cell[2 * j] + (j > 0 ? g->cell[2 * j - 1] : 0);

	*a = -(ksgrid_R(g, j - 1) - ksgrid_R(g, j - 2));
	*b = (mlm_i128) g->r.n1 * c;
}

/* Allocate one tree of n leaves in the state's context. */
static void
ksgrid_tree_alloc(KsGrid *g, mlm_ktree *kt, int64 n)
{
	size_t		bytes = mlm_ktree_bytes(n);

	if (bytes == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("reference profile too large for a sliding window")));
	mlm_ktree_init(kt, n, MemoryContextAllocHuge(g->r.mcxt, bytes));
}

/* Build both trees for t current values (once: later t only moves them). */
static void
ksgrid_build(KsGrid *g, int64 t)
{
	int64		j,
				a;
	mlm_i128	b;

	ksgrid_tree_alloc(g, &g->up, Max(g->k, 1));
	ksgrid_tree_alloc(g, &g->down, g->k + 1);
	for (j = 0; j < g->k; j++)
	{
		up_leaf(g, j, &a, &b);
		mlm_ktree_set_leaf(&g->up, j, a, b);
	}
	for (j = 0; j <= g->k; j++)
	{
		down_leaf(g, j, &a, &b);
		mlm_ktree_set_leaf(&g->down, j, a, b);
	}
	mlm_ktree_build(&g->up, t);
	mlm_ktree_build(&g->down, t);
	g->built = true;
}

/*
 * Count value x in (delta = +1) or out of (delta = -1) the current sample of
 * a moving state (the plain form counts through ksgrid_flush, below; cell
 * maxima are not kept here: the trees report no D- location).
 */
static void
ksgrid_count(KsGrid *g, double x, int delta)
{
	int64		c = mlm_ksgrid_cell(&g->index, x);

	g->cell[c] += delta;
	g->r.n2 += delta;
	if (g->built)
	{
		/* only the leaves of cell c change */
		int64		a;
		mlm_i128	b;

		if (c / 2 < g->k)
		{
			up_leaf(g, c / 2, &a, &b);
			mlm_ktree_update(&g->up, c / 2, a, b);
		}
		down_leaf(g, (c + 1) / 2, &a, &b);
		mlm_ktree_update(&g->down, (c + 1) / 2, a, b);
	}
}

/*
 * Count the pending values (plain mode): the same counts as ksgrid_count
 * one by one, with the lookups of the batch interleaved (grid_index.h).
 * Everything that reads the counts flushes first.
 */
void
ksgrid_flush(KsGrid *g)
{
	if (g->npend == 0)
		return;
	mlm_ksgrid_count_batch(&g->index, g->pend, g->npend, g->cell, g->cellmax);
	g->r.n2 += g->npend;
	g->npend = 0;
}

KsGrid *
ksgrid_begin(FunctionCallInfo fcinfo, MemoryContext mcxt, bool moving)
{
	KsGrid	   *g = MemoryContextAllocZero(mcxt, sizeof(KsGrid));

	g->r.mcxt = mcxt;
	g->moving = moving;
	options_init(&g->r.opts, fcinfo, 3, OPTS_KS, mcxt);
	refstate_profile(&g->r, fcinfo, 2);
	ksgrid_setup(g);
	return g;
}

void
refstate_next(RefState *rs, FunctionCallInfo fcinfo)
{
	if (rs->opts.nopts > 0)
		options_check_same(&rs->opts, fcinfo, 3);
	refstate_profile(rs, fcinfo, 2);
}

/* The KS state of a transition (internal state), created on the first row. */
static KsGrid *
ksgrid_state(FunctionCallInfo fcinfo, bool moving)
{
	KsGrid	   *g;
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "ksgrid transition called in non-aggregate context");
	if (PG_ARGISNULL(0))
		return ksgrid_begin(fcinfo, aggcxt, moving);
	g = (KsGrid *) PG_GETARG_POINTER(0);
	refstate_next(&g->r, fcinfo);
	return g;
}

void
ksgrid_add(KsGrid *g, double x)
{
	g->pend[g->npend++] = x + 0.0;
	if (g->npend == MLM_GRID_BATCH)
		ksgrid_flush(g);
}

/* mlm_ksgrid_accum(internal, value float8, reference mlmon.profile [, alternative [, method]]) */
Datum
mlm_ksgrid_accum(PG_FUNCTION_ARGS)
{
	KsGrid	   *g = ksgrid_state(fcinfo, false);

	if (!PG_ARGISNULL(1) && isfinite(PG_GETARG_FLOAT8(1)))
		ksgrid_add(g, PG_GETARG_FLOAT8(1));
	PG_RETURN_POINTER(g);
}

/* mlm_ksgrid_maccum(internal, value, reference [, ...]): the transition of the moving form. */
Datum
mlm_ksgrid_maccum(PG_FUNCTION_ARGS)
{
	KsGrid	   *g = ksgrid_state(fcinfo, true);

	if (!PG_ARGISNULL(1) && isfinite(PG_GETARG_FLOAT8(1)))
		ksgrid_count(g, PG_GETARG_FLOAT8(1) + 0.0, 1);
	PG_RETURN_POINTER(g);
}

/* mlm_ksgrid_inv(internal, value, reference [, ...]): the inverse transition of the moving form. */
Datum
mlm_ksgrid_inv(PG_FUNCTION_ARGS)
{
	KsGrid	   *g = (KsGrid *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1) && isfinite(PG_GETARG_FLOAT8(1)))
		ksgrid_count(g, PG_GETARG_FLOAT8(1) + 0.0, -1);
	PG_RETURN_POINTER(g);
}

/* The extremes from the trees (moving mode): D+ at a grid value, D- without its location. */
static void
ksgrid_tree_walk(KsGrid *g, mlm_ks_walk *w)
{
	int64		t = g->r.n2;
	int64		n1 = g->r.n1;
	mlm_i128	value;
	int64		j;
	int64		P;

	if (!g->built)
		ksgrid_build(g, t);
	else
	{
		mlm_ktree_advance(&g->up, t);
		mlm_ktree_advance(&g->down, t);
	}
	mlm_ks_walk_init(w, n1, t);
	j = mlm_ktree_argmax(&g->up, &value);
	P = (int64) (((mlm_i128) t * g->R[j] - value) / n1);
	mlm_ks_walk_point(w, g->R[j], P, g->grid[j], 1, 0);
	j = mlm_ktree_argmax(&g->down, &value);
	P = (int64) ((value + (mlm_i128) t * ksgrid_R(g, j - 1)) / n1);
	/* a D- candidate: its location is not kept (NaN); only emin can take it */
	{
		double		gap = (double) ksgrid_R(g, j - 1) / (double) n1 - (double) P / (double) t;

		if (!w->emin.set || gap < w->emin.gap)
		{
			w->emin.set = 1;
			w->emin.gap = gap;
			w->emin.has_a = 0;
			w->emin.has_b = 0;
		}
	}
}

Datum
ksgrid_result(FunctionCallInfo fcinfo, KsGrid *g)
{
	mlm_ks_walk w;

	ksgrid_flush(g);
	if (g->r.n1 == 0 && g->r.n2 == 0)
		PG_RETURN_NULL();
	if (g->r.n1 > 0 && g->r.n2 > 0)
	{
		if (g->moving)
			ksgrid_tree_walk(g, &w);
		else
			mlm_ksgrid_walk(g->grid, g->R, g->k, g->r.n1, g->cell, g->cellmax, g->r.n2, &w);
	}
	return ks_result_walk_datum(fcinfo, &w, g->r.n1, g->r.n2, &g->r.opts, g->r.ecdf_error);
}

/* mlm_ksgrid_final(internal) returns mlmon.ks_result */
Datum
mlm_ksgrid_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return ksgrid_result(fcinfo, (KsGrid *) PG_GETARG_POINTER(0));
}

/* ---------------------------------------------------------------- bins */

/* Prepare the bins of a PSI / Jensen-Shannon state whose profile is set. */
static void
bins_setup(BinState *b)
{
	mlm_wsample ws = refstate_sample(&b->r);
	int			bins = b->r.opts.bins;

	b->edges = MemoryContextAlloc(b->r.mcxt, sizeof(double) * Max(bins - 1, 1));
	b->nedges = ws.n > 0 ? mlm_quantile_edges(&ws, bins, b->edges) : 0;
	b->ref = MemoryContextAllocZero(b->r.mcxt, sizeof(int64) * (b->nedges + 1));
	b->cur = MemoryContextAllocZero(b->r.mcxt, sizeof(int64) * (b->nedges + 1));
	if (ws.n > 0)
		mlm_count_open_bins(&ws, b->edges, b->nedges, b->ref);
}

BinState *
bins_begin(FunctionCallInfo fcinfo, MemoryContext mcxt, OptionsKind kind)
{
	BinState   *b = MemoryContextAllocZero(mcxt, sizeof(BinState));

	b->r.mcxt = mcxt;
	options_init(&b->r.opts, fcinfo, 3, kind, mcxt);
	refstate_profile(&b->r, fcinfo, 2);
	bins_setup(b);
	return b;
}

/* The bins state of a transition (internal state), created on the first row. */
static BinState *
bins_state(FunctionCallInfo fcinfo)
{
	BinState   *b;
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "bins transition called in non-aggregate context");
	if (PG_ARGISNULL(0))
		return bins_begin(fcinfo, aggcxt, OPTS_BINNED);
	b = (BinState *) PG_GETARG_POINTER(0);
	refstate_next(&b->r, fcinfo);
	return b;
}

void
bins_add(BinState *b, double x)
{
	b->cur[mlm_open_bin_of(b->edges, b->nedges, x)]++;
	b->r.n2++;
}

/* mlm_bins_accum(internal, value float8, reference mlmon.profile [, bins int]) */
Datum
mlm_bins_accum(PG_FUNCTION_ARGS)
{
	BinState   *b = bins_state(fcinfo);

	if (!PG_ARGISNULL(1) && isfinite(PG_GETARG_FLOAT8(1)))
		bins_add(b, PG_GETARG_FLOAT8(1));
	PG_RETURN_POINTER(b);
}

/* mlm_bins_inv(internal, value, reference [, bins]): the inverse transition. */
Datum
mlm_bins_inv(PG_FUNCTION_ARGS)
{
	BinState   *b = (BinState *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1) && isfinite(PG_GETARG_FLOAT8(1)))
	{
		b->cur[mlm_open_bin_of(b->edges, b->nedges, PG_GETARG_FLOAT8(1))]--;
		b->r.n2--;
	}
	PG_RETURN_POINTER(b);
}

/* A divergence of the bin counts; NULL when either sample is empty. */
Datum
bins_result(FunctionCallInfo fcinfo, const BinState *b, mlm_divergence_fn divergence)
{
	double	   *scratch;

	if (b->r.n1 == 0 || b->r.n2 == 0)
		PG_RETURN_NULL();
	scratch = palloc(sizeof(double) * MLM_DIVERGENCE_SCRATCH(b->nedges + 1));
	PG_RETURN_FLOAT8(divergence(b->ref, b->cur, b->nedges + 1, b->r.n1, b->r.n2, scratch));
}

static Datum
bins_divergence(FunctionCallInfo fcinfo, mlm_divergence_fn divergence)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return bins_result(fcinfo, (BinState *) PG_GETARG_POINTER(0), divergence);
}

/* mlm_bins_psi_final(internal) returns float8 */
Datum
mlm_bins_psi_final(PG_FUNCTION_ARGS)
{
	return bins_divergence(fcinfo, mlm_psi_counts);
}

/* mlm_bins_js_final(internal) returns float8 */
Datum
mlm_bins_js_final(PG_FUNCTION_ARGS)
{
	return bins_divergence(fcinfo, mlm_js_counts);
}

/* ------------------------------------------------- parallel aggregation */

/* Serialize a state: options, n2, the reference profile, the counts (and the KS cell maxima). */
static bytea *
refstate_serialize(const RefState *rs, const int64 *counts, int64 ncounts, const double *maxima)
{
	Size		plen = VARSIZE(rs->profile);
	Size		size = sizeof(RefStateWire) + plen + sizeof(int64) * ncounts +
		(maxima ? sizeof(double) * (ncounts / 2 + 1) : 0);
	RefStateWire *w = palloc0(size);
	char	   *p = (char *) w + sizeof(RefStateWire);

	SET_VARSIZE(w, size);
	w->version = REFSTATE_VERSION;
	w->alternative = rs->opts.alternative;
	w->method = rs->opts.method;
	w->bins = rs->opts.bins;
	w->n2 = rs->n2;
	w->profile_len = plen;
	w->ncounts = ncounts;
	memcpy(p, rs->profile, plen);
	p += plen;
	memcpy(p, counts, sizeof(int64) * ncounts);
	p += sizeof(int64) * ncounts;
	if (maxima)
		memcpy(p, maxima, sizeof(double) * (ncounts / 2 + 1));
	return (bytea *) w;
}

/* Read a serialized state's head; set *p to its counts and *profile to an aligned copy of its profile. */
static void
refstate_deserialize(bytea *b, RefStateWire *w, struct varlena **profile, const char **counts,
					 bool with_maxima)
{
	const char *p = VARDATA_ANY(b);
	Size		len = VARSIZE_ANY_EXHDR(b);
	Size		hdr = sizeof(RefStateWire) - VARHDRSZ;

	if (len < hdr)
		elog(ERROR, "invalid serialized reference state");
	memcpy((char *) w + VARHDRSZ, p, hdr);
	if (w->version != REFSTATE_VERSION || w->profile_len < (int64) (PROFILE_HDRSZ + sizeof(mlm_profile_hdr)) ||
		w->ncounts < 1 || (Size) w->profile_len > len - hdr ||
		(Size) w->ncounts > (len - hdr - w->profile_len) / sizeof(int64) ||
		len != hdr + w->profile_len + sizeof(int64) * w->ncounts +
		(with_maxima ? sizeof(double) * (w->ncounts / 2 + 1) : 0))
		elog(ERROR, "invalid serialized reference state");
	*profile = palloc(w->profile_len);
	memcpy(*profile, p + hdr, w->profile_len);
	*counts = p + hdr + w->profile_len;
}

/* mlm_ksgrid_serialize(internal) returns bytea */
Datum
mlm_ksgrid_serialize(PG_FUNCTION_ARGS)
{
	KsGrid	   *g = (KsGrid *) PG_GETARG_POINTER(0);

	ksgrid_flush(g);
	PG_RETURN_BYTEA_P(refstate_serialize(&g->r, g->cell, 2 * g->k + 1, g->cellmax));
}

/* A state in mcxt for the given reference profile and options. */
KsGrid *
ksgrid_new(MemoryContext mcxt, struct varlena *profile, const StatOptions *opts)
{
	KsGrid	   *g = MemoryContextAllocZero(mcxt, sizeof(KsGrid));
	mlm_profile_view v;

	g->r.mcxt = mcxt;
	g->r.opts = *opts;
	g->r.opts.nopts = 0;
	g->r.profile = (struct varlena *) MemoryContextAlloc(mcxt, VARSIZE(profile));
	memcpy(g->r.profile, profile, VARSIZE(profile));
	mlm_profile_view_of(PROFILE_PAYLOAD(g->r.profile), &v);
	g->r.n1 = v.h->count;
	g->r.ecdf_error = profile_ecdf_error(v.h);
	ksgrid_setup(g);
	return g;
}

/* mlm_ksgrid_deserialize(bytea, internal) returns internal (in per-call memory) */
Datum
mlm_ksgrid_deserialize(PG_FUNCTION_ARGS)
{
	RefStateWire w;
	struct varlena *profile;
	const char *counts;
	StatOptions opts;
	KsGrid	   *g;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "ksgrid deserialize called in non-aggregate context");
	refstate_deserialize(PG_GETARG_BYTEA_PP(0), &w, &profile, &counts, true);
	memset(&opts, 0, sizeof(opts));
	opts.alternative = w.alternative;
	opts.method = w.method;
	opts.bins = w.bins;
	g = ksgrid_new(CurrentMemoryContext, profile, &opts);
	if (w.ncounts != 2 * g->k + 1)
		elog(ERROR, "invalid serialized reference state");
	memcpy(g->cell, counts, sizeof(int64) * w.ncounts);
	memcpy(g->cellmax, counts + sizeof(int64) * w.ncounts, sizeof(double) * (g->k + 1));
	g->r.n2 = w.n2;
	PG_RETURN_POINTER(g);
}

/* mlm_ksgrid_combine(internal, internal) returns internal */
Datum
mlm_ksgrid_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	KsGrid	   *a = PG_ARGISNULL(0) ? NULL : (KsGrid *) PG_GETARG_POINTER(0);
	KsGrid	   *b = PG_ARGISNULL(1) ? NULL : (KsGrid *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "ksgrid combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = ksgrid_new(aggcxt, b->r.profile, &b->r.opts);
	ksgrid_merge(a, b);
	PG_RETURN_POINTER(a);
}

/* Are two states' reference profiles the same? */
static bool
same_reference(const RefState *a, const RefState *b)
{
	return a->profile == b->profile ||
		(VARSIZE(a->profile) == VARSIZE(b->profile) &&
		 memcmp(a->profile, b->profile, VARSIZE(a->profile)) == 0);
}

void
ksgrid_merge(KsGrid *a, KsGrid *b)
{
	int64		i;

	ksgrid_flush(a);
	ksgrid_flush(b);
	options_check_combinable(&a->r.opts, &b->r.opts);
	if (a->k != b->k || !same_reference(&a->r, &b->r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine KS states of different reference profiles")));
	for (i = 0; i < 2 * a->k + 1; i++)
		a->cell[i] += b->cell[i];
	for (i = 0; i <= a->k; i++)
		if (b->cellmax[i] > a->cellmax[i])
			a->cellmax[i] = b->cellmax[i];
	a->r.n2 += b->r.n2;
}

/* mlm_bins_serialize(internal) returns bytea */
Datum
mlm_bins_serialize(PG_FUNCTION_ARGS)
{
	BinState   *b = (BinState *) PG_GETARG_POINTER(0);

	PG_RETURN_BYTEA_P(refstate_serialize(&b->r, b->cur, b->nedges + 1, NULL));
}

/* A bins state in mcxt for the given reference profile and options. */
BinState *
bins_new(MemoryContext mcxt, struct varlena *profile, const StatOptions *opts)
{
	BinState   *b = MemoryContextAllocZero(mcxt, sizeof(BinState));
	mlm_profile_view v;

	b->r.mcxt = mcxt;
	b->r.opts = *opts;
	b->r.opts.nopts = 0;
	b->r.profile = (struct varlena *) MemoryContextAlloc(mcxt, VARSIZE(profile));
	memcpy(b->r.profile, profile, VARSIZE(profile));
	mlm_profile_view_of(PROFILE_PAYLOAD(b->r.profile), &v);
	b->r.n1 = v.h->count;
	b->r.ecdf_error = profile_ecdf_error(v.h);
	bins_setup(b);
	return b;
}

/* mlm_bins_deserialize(bytea, internal) returns internal (in per-call memory) */
Datum
mlm_bins_deserialize(PG_FUNCTION_ARGS)
{
	RefStateWire w;
	struct varlena *profile;
	const char *counts;
	StatOptions opts;
	BinState   *b;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "bins deserialize called in non-aggregate context");
	refstate_deserialize(PG_GETARG_BYTEA_PP(0), &w, &profile, &counts, false);
	memset(&opts, 0, sizeof(opts));
	opts.bins = w.bins;
	b = bins_new(CurrentMemoryContext, profile, &opts);
	if (w.ncounts != b->nedges + 1)
		elog(ERROR, "invalid serialized reference state");
	memcpy(b->cur, counts, sizeof(int64) * w.ncounts);
	b->r.n2 = w.n2;
	PG_RETURN_POINTER(b);
}

/* mlm_bins_combine(internal, internal) returns internal */
Datum
mlm_bins_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BinState   *a = PG_ARGISNULL(0) ? NULL : (BinState *) PG_GETARG_POINTER(0);
	BinState   *b = PG_ARGISNULL(1) ? NULL : (BinState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "bins combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = bins_new(aggcxt, b->r.profile, &b->r.opts);
	bins_merge(a, b);
	PG_RETURN_POINTER(a);
}

void
bins_merge(BinState *a, const BinState *b)
{
	int			i;

	options_check_combinable(&a->r.opts, &b->r.opts);
	if (a->nedges != b->nedges || !same_reference(&a->r, &b->r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine bin states of different reference profiles")));
	for (i = 0; i <= a->nedges; i++)
		a->cur[i] += b->cur[i];
	a->r.n2 += b->r.n2;
}
