/*
 * profile_counts_state.c: mlmon.profile_counts_state, the state type of
 * ks_2samp, psi and jensen_shannon (value, reference profile): transition,
 * combine and final functions of the plain aggregates, and the type's I/O.
 *
 * The state is the reference profile and the current values counted on its
 * grid cells or quantile bins (profile_window.c), so it has the size of the
 * profile whatever the number of rows.  A real type (not internal) lets
 * Citus compute the aggregates partially on its workers: each worker ships
 * one state per group (text: base64 of the portable binary form,
 * core/counts_wire.h) instead of every row with a copy of the profile.
 * During aggregation the state is an expanded object every row updates in
 * place.  The sliding-window forms keep their internal state (MSTYPE).
 */
#include "profile_window.h"

#include <math.h>

#include "base64_form.h"
#include "core/counts_wire.h"
#include "core/profile_codec.h"
#include "lib/stringinfo.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(mlm_pcounts_ks_accum);
PG_FUNCTION_INFO_V1(mlm_pcounts_bins_accum);
PG_FUNCTION_INFO_V1(mlm_pcounts_combine);
PG_FUNCTION_INFO_V1(mlm_pcounts_ks_final);
PG_FUNCTION_INFO_V1(mlm_pcounts_psi_final);
PG_FUNCTION_INFO_V1(mlm_pcounts_js_final);
PG_FUNCTION_INFO_V1(mlm_profile_counts_state_in);
PG_FUNCTION_INFO_V1(mlm_profile_counts_state_out);
PG_FUNCTION_INFO_V1(mlm_profile_counts_state_recv);
PG_FUNCTION_INFO_V1(mlm_profile_counts_state_send);

#define TYPNAME "mlmon.profile_counts_state"

/* A mlmon.profile_counts_state during aggregation. */
typedef struct CountsEO
{
	ExpandedObjectHeader hdr;
	uint8		kind;			/* MLM_COUNTS_KS or MLM_COUNTS_BINS */
	KsGrid	   *ks;
	BinState   *bins;
	struct varlena *flat;		/* the flat form once asked for, until the state changes */
} CountsEO;

static Size eo_get_flat_size(ExpandedObjectHeader *eohptr);
static void eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods eo_methods = {
	eo_get_flat_size,
	eo_flatten_into
};

/* A new empty expanded state in a context of its own under parent. */
static CountsEO *
eo_new(MemoryContext parent, uint8 kind)
{
	/* small: GROUP BY may hold thousands of states */
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon profile counts state", ALLOCSET_SMALL_SIZES);
	CountsEO   *eo = (CountsEO *) MemoryContextAllocZero(cxt, sizeof(CountsEO));

	EOH_init_header(&eo->hdr, &eo_methods, cxt);
	eo->kind = kind;
	return eo;
}

static RefState *
eo_refstate(CountsEO *eo)
{
	return eo->kind == MLM_COUNTS_KS ? &eo->ks->r : &eo->bins->r;
}

/* The flat form of the state, in the state's context. */
static struct varlena *
eo_flat(CountsEO *eo)
{
	RefState   *rs = eo_refstate(eo);
	mlm_counts_wire w;
	const int64 *counts;
	const double *maxima = NULL;
	void	   *pwire;
	size_t		plen;
	Size		size;
	struct varlena *vl;

	if (eo->flat != NULL)
		return eo->flat;
	memset(&w, 0, sizeof(w));
	w.kind = eo->kind;
	w.n2 = rs->n2;
	if (eo->kind == MLM_COUNTS_KS)
	{
		ksgrid_flush(eo->ks);
		w.alternative = (uint8) rs->opts.alternative;
		w.method = (uint8) rs->opts.method;
		w.ncounts = 2 * eo->ks->k + 1;
		w.n2 = rs->n2;
		counts = eo->ks->cell;
		maxima = eo->ks->cellmax;
	}
	else
	{
		w.bins = (uint32) rs->opts.bins;
		w.ncounts = eo->bins->nedges + 1;
		counts = eo->bins->cur;
	}
	pwire = mlm_profile_to_wire(PROFILE_PAYLOAD(rs->profile), PROFILE_PAYLOAD_SIZE(rs->profile), &plen);
	if (pwire == NULL)
		elog(ERROR, "could not encode the reference profile of a " TYPNAME);
	w.profile = pwire;
	w.profile_len = plen;
	size = mlm_counts_wire_size(&w, counts, MaxAllocSize - VARHDRSZ);
	if (size == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of a drift statistic against a profile too large"),
				 errdetail("Its reference profile has %zu bytes; a value is at most 1 GB.", plen)));
	vl = (struct varlena *) MemoryContextAlloc(eo->hdr.eoh_context, VARHDRSZ + size);
	SET_VARSIZE(vl, VARHDRSZ + size);
	mlm_counts_wire_write((unsigned char *) VARDATA(vl), &w, counts, maxima);
	pfree(pwire);
	eo->flat = vl;
	return vl;
}

static Size
eo_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(eo_flat((CountsEO *) eohptr));
}

static void
eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *vl = eo_flat((CountsEO *) eohptr);

	Assert(allocated_size == VARSIZE(vl));
	memcpy(result, vl, allocated_size);
}

/* The state is about to change: forget its flat form. */
static void
eo_changed(CountsEO *eo)
{
	if (eo->flat != NULL)
	{
		pfree(eo->flat);
		eo->flat = NULL;
	}
}

/* d as our expanded state, or NULL when it is flat. */
static CountsEO *
eo_of(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &eo_methods)
		elog(ERROR, "expanded object is not a " TYPNAME);
	return (CountsEO *) eoh;
}

static void
bad_state(int errcode_bad, const char *detail)
{
	ereport(ERROR,
			(errcode(errcode_bad),
			 errmsg("invalid " TYPNAME " value"),
			 errdetail("%s", detail)));
}

/*
 * Check a flat form (bytes[0..len), untrusted): the layout, the profile,
 * and the counts against the profile's grid or bins.  With parent, returns
 * the expanded state built from it there; else NULL.
 */
static CountsEO *
counts_read(const char *bytes, Size len, int errcode_bad, MemoryContext parent)
{
	mlm_counts_wire w;
	char		err[256];
	void	   *payload;
	size_t		payload_len;
	struct varlena *profile;
	mlm_profile_view v;
	StatOptions opts;
	CountsEO   *eo;
	MemoryContext cxt,
				old;
	int64		i;

	if (mlm_counts_wire_check(bytes, len, MLM_GREATER, MLM_KS_NONE, &w, err, sizeof(err)) != 0)
		bad_state(errcode_bad, err);
	if (w.kind == MLM_COUNTS_BINS && w.bins > MLM_MAX_BINS)
		bad_state(errcode_bad, "bins out of range");
	payload = mlm_profile_from_wire(w.profile, w.profile_len, &payload_len, err, sizeof(err));
	if (payload == NULL)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid " TYPNAME " value"),
				 errdetail("Its reference profile: %s.", err)));
	mlm_profile_view_of(payload, &v);
	if (v.h->kind != MLM_PROFILE_NUMERIC)
		bad_state(errcode_bad, "Its reference profile is not a numeric profile.");
	profile = profile_from_payload(payload, payload_len);
	pfree(payload);

	/* the state, in a context thrown away if the counts do not fit the profile */
	eo = eo_new(parent != NULL ? parent : CurrentMemoryContext, w.kind);
	cxt = eo->hdr.eoh_context;
	options_defaults(&opts);
	opts.alternative = (mlm_alternative) w.alternative;
	opts.method = (mlm_ks_method) w.method;
	if (w.kind == MLM_COUNTS_BINS)
		opts.bins = (int32) w.bins;
	old = MemoryContextSwitchTo(cxt);
	if (w.kind == MLM_COUNTS_KS)
	{
		KsGrid	   *g = ksgrid_new(cxt, profile, &opts);

		eo->ks = g;
		if (w.ncounts != 2 * g->k + 1)
			bad_state(errcode_bad, "Its counts do not fit its reference profile's grid.");
		mlm_counts_wire_read(&w, g->cell, g->cellmax);
		/* a cell's largest value lies in the cell: open cell j is (grid[j-1], grid[j]) */
		for (i = 0; i <= g->k; i++)
			if (g->cell[2 * i] > 0 &&
				((i > 0 && !(g->cellmax[i] > g->grid[i - 1])) || (i < g->k && !(g->cellmax[i] < g->grid[i]))))
				bad_state(errcode_bad, "A cell maximum lies outside its cell.");
	}
	else
	{
		BinState   *b = bins_new(cxt, profile, &opts);

		eo->bins = b;
		if (w.ncounts != b->nedges + 1)
			bad_state(errcode_bad, "Its counts do not fit its reference profile's bins.");
		mlm_counts_wire_read(&w, b->cur, NULL);
	}
	MemoryContextSwitchTo(old);
	eo_refstate(eo)->n2 = w.n2;
	/* later rows compare their reference argument with this one */
	eo_refstate(eo)->pref.profile = eo_refstate(eo)->profile;
	pfree(profile);
	if (parent == NULL)
	{
		MemoryContextDelete(cxt);
		return NULL;
	}
	return eo;
}

/* The state of argument argno, expanded (a flat one in the current context). */
static CountsEO *
state_arg(FunctionCallInfo fcinfo, int argno)
{
	CountsEO   *eo = eo_of(PG_GETARG_DATUM(argno));

	if (eo == NULL)
	{
		struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

		eo = counts_read(VARDATA(vl), VARSIZE(vl) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, CurrentMemoryContext);
	}
	return eo;
}

/*
 * The transition: (state, value float8, reference mlmon.profile [, options]).
 * NULL and non-finite values are not counted.
 */
static Datum
pcounts_accum(FunctionCallInfo fcinfo, uint8 kind)
{
	MemoryContext aggcxt;
	CountsEO   *eo;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition function of a drift statistic can only be called by its aggregate")));
	if (PG_ARGISNULL(0))
	{
		eo = eo_new(aggcxt, kind);
		if (kind == MLM_COUNTS_KS)
			eo->ks = ksgrid_begin(fcinfo, eo->hdr.eoh_context, false);
		else
			eo->bins = bins_begin(fcinfo, eo->hdr.eoh_context, OPTS_BINS);
	}
	else
	{
		eo = eo_of(PG_GETARG_DATUM(0));
		if (eo == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
		{
			struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

			eo = counts_read(VARDATA(vl), VARSIZE(vl) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, aggcxt);
		}
		if (eo->kind != kind)
			elog(ERROR, TYPNAME " of another statistic");
		refstate_next(eo_refstate(eo), fcinfo);
		eo_changed(eo);
	}
	if (!PG_ARGISNULL(1) && isfinite(PG_GETARG_FLOAT8(1)))
	{
		if (kind == MLM_COUNTS_KS)
			ksgrid_add(eo->ks, PG_GETARG_FLOAT8(1));
		else
			bins_add(eo->bins, PG_GETARG_FLOAT8(1));
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
}

/* mlm_pcounts_ks_accum(mlmon.profile_counts_state, value float8, reference mlmon.profile [, alternative text [, method text]]) */
Datum
mlm_pcounts_ks_accum(PG_FUNCTION_ARGS)
{
	return pcounts_accum(fcinfo, MLM_COUNTS_KS);
}

/* mlm_pcounts_bins_accum(mlmon.profile_counts_state, value float8, reference mlmon.profile [, bins int]) */
Datum
mlm_pcounts_bins_accum(PG_FUNCTION_ARGS)
{
	return pcounts_accum(fcinfo, MLM_COUNTS_BINS);
}

/* mlm_pcounts_combine(mlmon.profile_counts_state, mlmon.profile_counts_state) */
Datum
mlm_pcounts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CountsEO   *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the combine function of a drift statistic can only be called by its aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = state_arg(fcinfo, 1);
	if (PG_ARGISNULL(0))
	{
		/* a copy of b under the aggregate context */
		struct varlena *flat = eo_flat(b);

		a = counts_read(VARDATA(flat), VARSIZE(flat) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, aggcxt);
		PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
	}
	a = eo_of(PG_GETARG_DATUM(0));
	if (a == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

		a = counts_read(VARDATA(vl), VARSIZE(vl) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, aggcxt);
	}
	if (a->kind != b->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine states of different drift statistics")));
	eo_changed(a);
	if (a->kind == MLM_COUNTS_KS)
		ksgrid_merge(a->ks, b->ks);
	else
		bins_merge(a->bins, b->bins);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* The state of a final function's argument, of the given kind. */
static CountsEO *
final_state(FunctionCallInfo fcinfo, uint8 kind)
{
	CountsEO   *eo = state_arg(fcinfo, 0);

	if (eo->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("state of another drift statistic")));
	return eo;
}

/* mlm_pcounts_ks_final(mlmon.profile_counts_state) returns mlmon.ks_result */
Datum
mlm_pcounts_ks_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return ksgrid_result(fcinfo, final_state(fcinfo, MLM_COUNTS_KS)->ks);
}

/* mlm_pcounts_psi_final(mlmon.profile_counts_state) returns float8 */
Datum
mlm_pcounts_psi_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return bins_result(fcinfo, final_state(fcinfo, MLM_COUNTS_BINS)->bins, mlm_psi_counts);
}

/* mlm_pcounts_js_final(mlmon.profile_counts_state) returns float8 */
Datum
mlm_pcounts_js_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return bins_result(fcinfo, final_state(fcinfo, MLM_COUNTS_BINS)->bins, mlm_js_counts);
}

/* A checked flat value from untrusted bytes. */
static struct varlena *
counts_from_bytes(const char *bytes, Size len, int errcode_bad)
{
	counts_read(bytes, len, errcode_bad, NULL);
	return base64_form_varlena(bytes, len);
}

/* mlm_profile_counts_state_in(cstring): base64 of the binary form. */
Datum
mlm_profile_counts_state_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = base64_form_decode(PG_GETARG_CSTRING(0), TYPNAME, &len);

	PG_RETURN_POINTER(counts_from_bytes(bytes, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* mlm_profile_counts_state_out(mlmon.profile_counts_state) returns cstring */
Datum
mlm_profile_counts_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(base64_form_out(PG_GETARG_DATUM(0)));
}

/* mlm_profile_counts_state_recv(internal): the rest of the message is the binary form. */
Datum
mlm_profile_counts_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	struct varlena *vl = counts_from_bytes(buf->data + buf->cursor, (Size) (buf->len - buf->cursor),
										   ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(vl);
}

/* mlm_profile_counts_state_send(mlmon.profile_counts_state) returns bytea */
Datum
mlm_profile_counts_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(base64_form_send(PG_GETARG_DATUM(0)));
}
