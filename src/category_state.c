/*
 * category_state.c: the state of the categorical drift aggregates
 * (chi2_drift, psi, jensen_shannon and z_test on categories): transition,
 * combine and final access, and the SQL type mlmon.category_state.
 *
 * Categories are compared byte-wise and counted (catcount.c), so memory
 * grows with the number of distinct categories, not with the rows.  The
 * aggregates' state type is mlmon.category_state, a real type, so Citus
 * computes them partially on its workers and ships the partial states as
 * text (base64 of the portable binary form, core/category_wire.h); during
 * aggregation the state is an expanded object every row updates in place.
 * The sliding-window forms of the (category, profile) aggregates keep an
 * internal state (MSTYPE) that their inverse transition updates.
 */
#include "category_state.h"

#include "base64_form.h"
#include "catcount.h"
#include "core/category_wire.h"
#include "profile.h"
#include "profile_ref.h"

#include "catalog/pg_type_d.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(mlm_category_accum);
PG_FUNCTION_INFO_V1(mlm_profile_category_accum);
PG_FUNCTION_INFO_V1(mlm_category_state_accum_text);
PG_FUNCTION_INFO_V1(mlm_category_state_accum_bool);
PG_FUNCTION_INFO_V1(mlm_category_state_accum_int8);
PG_FUNCTION_INFO_V1(mlm_profile_category_state_accum);
PG_FUNCTION_INFO_V1(mlm_profile_category_inv);
PG_FUNCTION_INFO_V1(mlm_category_state_combine);
PG_FUNCTION_INFO_V1(mlm_category_combine);
PG_FUNCTION_INFO_V1(mlm_category_serialize);
PG_FUNCTION_INFO_V1(mlm_category_deserialize);
PG_FUNCTION_INFO_V1(mlm_category_state_in);
PG_FUNCTION_INFO_V1(mlm_category_state_out);
PG_FUNCTION_INFO_V1(mlm_category_state_recv);
PG_FUNCTION_INFO_V1(mlm_category_state_send);

typedef struct CategoryState
{
	CatCounter	counts;			/* c[0]: reference, c[1]: current */
	int64		n_ref;
	int64		n_cur;
	struct varlena *ref_profile;	/* (category, reference profile) aggregates: the reference */
	ProfileRef	pref;			/* the argument the profile came from, for the per-row check */
	StatOptions opts;
	Oid			argtype;		/* text, boolean or bigint categories */
	int32		permutations;	/* tvd(..., permutations)'s argument, 0: another aggregate */
	/* 0.2.0's deserialized partial state: its entries in the message (combined next) */
	const char *wire;
	int64		wire_ncat;
} CategoryState;

/* A mlmon.category_state during aggregation: an expanded object around the state. */
typedef struct CategoryStateEO
{
	ExpandedObjectHeader hdr;
	CategoryState st;
	struct varlena *flat;		/* the flat form once asked for, until the state changes */
} CategoryStateEO;

static Size eo_get_flat_size(ExpandedObjectHeader *eohptr);
static void category_state_set_permutations(CategoryState *st, int32 permutations);
static void eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods eo_methods = {
	eo_get_flat_size,
	eo_flatten_into
};

static CategoryState *
category_state_new(MemoryContext mcxt)
{
	CategoryState *st = (CategoryState *) MemoryContextAllocZero(mcxt, sizeof(CategoryState));

	catcount_init(&st->counts, mcxt);
	return st;
}

/* A new expanded state in a context of its own under parent. */
static CategoryStateEO *
eo_new(MemoryContext parent)
{
	/* small: GROUP BY may hold thousands of states */
	MemoryContext cxt = AllocSetContextCreate(parent, "mlmon category state", ALLOCSET_SMALL_SIZES);
	CategoryStateEO *eo = (CategoryStateEO *) MemoryContextAllocZero(cxt, sizeof(CategoryStateEO));

	EOH_init_header(&eo->hdr, &eo_methods, cxt);
	catcount_init(&eo->st.counts, cxt);
	return eo;
}

/* d as our expanded state (read-write or read-only), or NULL when it is flat. */
static CategoryStateEO *
eo_of(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &eo_methods)
		elog(ERROR, "expanded object is not a mlmon.category_state");
	return (CategoryStateEO *) eoh;
}

/* The state is about to change: forget its flat form. */
static void
eo_changed(CategoryStateEO *eo)
{
	if (eo->flat != NULL)
	{
		pfree(eo->flat);
		eo->flat = NULL;
	}
}

static uint8
argkind_of(Oid argtype)
{
	return argtype == BOOLOID ? MLM_CATEGORY_ARG_BOOL : argtype == INT8OID ? MLM_CATEGORY_ARG_INT8 : MLM_CATEGORY_ARG_TEXT;
}

/* The flat (portable) form of st, in mcxt. */
static struct varlena *
category_state_flatten(CategoryState *st, MemoryContext mcxt)
{
	CatEntry  **entries = catcount_sorted(&st->counts);
	int64		n = catcount_size(&st->counts);
	size_t		plen = 0;
	void	   *pwire = NULL;
	mlm_category_wire w;
	Size		size;
	struct varlena *vl;
	unsigned char *p;
	int64		i,
				k = 0;

	w.permutations = st->permutations;
	size = VARHDRSZ + mlm_category_wire_header_size(&w);
	if (st->ref_profile != NULL)
		pwire = mlm_profile_to_wire(PROFILE_PAYLOAD(st->ref_profile), PROFILE_PAYLOAD_SIZE(st->ref_profile), &plen);
	for (i = 0; i < n; i++)
	{
		if (entries[i]->c[0] == 0 && entries[i]->c[1] == 0)
			continue;
		if (size > MaxAllocSize - MLM_CATEGORY_WIRE_ENTRY_FIXED - (Size) entries[i]->key.len - plen)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("partial state of a categorical drift statistic too large"),
					 errdetail("The state holds " INT64_FORMAT " categories of %zu bytes in all; a value is at most 1 GB.",
							   n, st->counts.key_bytes)));
		size += MLM_CATEGORY_WIRE_ENTRY_FIXED + entries[i]->key.len;
		k++;
	}
	size += plen;
	vl = (struct varlena *) MemoryContextAlloc(mcxt, size);
	SET_VARSIZE(vl, size);
	w.chi2_method = (uint8) st->opts.chi2_method;
	w.argkind = argkind_of(st->argtype);
	w.ncat = k;
	w.n_ref = st->n_ref;
	w.n_cur = st->n_cur;
	w.profile_len = plen;
	p = (unsigned char *) VARDATA(vl);
	mlm_category_wire_put_header(p, &w);
	p += mlm_category_wire_header_size(&w);
	for (i = 0; i < n; i++)
		if (entries[i]->c[0] != 0 || entries[i]->c[1] != 0)
			p = mlm_category_wire_put_entry(p, entries[i]->key.data, (uint32) entries[i]->key.len,
											entries[i]->c[0], entries[i]->c[1]);
	if (plen > 0)
	{
		memcpy(p, pwire, plen);
		pfree(pwire);
	}
	pfree(entries);
	return vl;
}

static struct varlena *
eo_flat(CategoryStateEO *eo)
{
	if (eo->flat == NULL)
		eo->flat = category_state_flatten(&eo->st, eo->hdr.eoh_context);
	return eo->flat;
}

static Size
eo_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(eo_flat((CategoryStateEO *) eohptr));
}

static void
eo_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *vl = eo_flat((CategoryStateEO *) eohptr);

	Assert(allocated_size == VARSIZE(vl));
	memcpy(result, vl, allocated_size);
}

/*
 * Check a flat form (bytes[0..len), untrusted) and fill w; the reference
 * profile, when there is one, is decoded into *profile (palloc'd payload,
 * its size in *profile_len).  Errors carry errcode_bad.
 */
static void
category_wire_read(const char *bytes, Size len, int errcode_bad, mlm_category_wire *w,
				   void **profile, size_t *profile_len)
{
	char		err[256];

	if (mlm_category_wire_check(bytes, len, CHI2_CONTINGENCY, w, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.category_state value"),
				 errdetail("%s", err)));
	*profile = NULL;
	*profile_len = 0;
	if (w->profile != NULL)
	{
		mlm_profile_view v;

		*profile = mlm_profile_from_wire(w->profile, w->profile_len, profile_len, err, sizeof(err));
		if (*profile == NULL)
			ereport(ERROR,
					(errcode(errcode_bad),
					 errmsg("invalid mlmon.category_state value"),
					 errdetail("Its reference profile: %s.", err)));
		mlm_profile_view_of(*profile, &v);
		if (v.h->kind != MLM_PROFILE_CATEGORICAL)
			ereport(ERROR,
					(errcode(errcode_bad),
					 errmsg("invalid mlmon.category_state value"),
					 errdetail("Its reference profile is not a categorical profile.")));
	}
}

/* An expanded state under parent from a flat form (checked again: it may come from a user). */
static CategoryStateEO *
eo_expand(struct varlena *vl, MemoryContext parent)
{
	mlm_category_wire w;
	void	   *profile;
	size_t		profile_len;
	CategoryStateEO *eo;
	const unsigned char *p;
	int64		i;

	category_wire_read(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl), ERRCODE_DATA_CORRUPTED, &w, &profile, &profile_len);
	eo = eo_new(parent);
	options_defaults(&eo->st.opts);
	eo->st.opts.chi2_method = (Chi2Method) w.chi2_method;
	eo->st.argtype = w.argkind == MLM_CATEGORY_ARG_BOOL ? BOOLOID : w.argkind == MLM_CATEGORY_ARG_INT8 ? INT8OID : TEXTOID;
	eo->st.permutations = w.permutations;
	for (i = 0, p = w.entries; i < w.ncat; i++)
	{
		const char *data;
		uint32		len;
		int64		ref,
					cur;

		p = mlm_category_wire_entry(p, &data, &len, &ref, &cur);
		catcount_add(&eo->st.counts, data, (int32) len, ref, cur);
	}
	eo->st.n_ref = w.n_ref;
	eo->st.n_cur = w.n_cur;
	if (profile != NULL)
	{
		struct varlena *pv = profile_from_payload(profile, profile_len);

		eo->st.ref_profile = profile_ref_copy(pv, eo->hdr.eoh_context);
		pfree(pv);
		pfree(profile);
	}
	return eo;
}

/*
 * The state of argument argno: a CategoryState pointer for an internal
 * state (the sliding-window forms), else the mlmon.category_state's
 * expanded object (a flat value is expanded in the current context).  The
 * caller says which: Citus calls the support functions without the
 * expression that would tell the argument types.
 */
static CategoryState *
state_arg(FunctionCallInfo fcinfo, int argno, bool real_state)
{
	CategoryStateEO *eo;

	if (!real_state)
		return (CategoryState *) PG_GETARG_POINTER(argno);
	eo = eo_of(PG_GETARG_DATUM(argno));
	if (eo == NULL)
		eo = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)), CurrentMemoryContext);
	return &eo->st;
}

/* Add counts for one category. */
static void
category_add(CategoryState *st, const char *data, int32 len, int64 ref, int64 cur)
{
	catcount_add(&st->counts, data, len, ref, cur);
	st->n_ref += ref;
	st->n_cur += cur;
}

/* Keep the reference profile argument (first row), or check it is the same. */
static void
state_reference_profile(CategoryState *st, FunctionCallInfo fcinfo, int argno)
{
	mlm_profile_view v;

	if (!profile_ref_arg(&st->pref, fcinfo, argno, st->counts.mcxt))
		return;
	st->ref_profile = st->pref.profile;
	mlm_profile_view_of(PROFILE_PAYLOAD(st->ref_profile), &v);
	if (v.h->kind != MLM_PROFILE_CATEGORICAL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("reference profile must be a categorical profile"),
				 errhint("Compare numbers with a profile built by mlmon.profile(float8).")));
}

/*
 * The transition of the categorical aggregates: NULL categories or NULL
 * is_current are skipped.  Boolean and integer categories are counted by
 * their text form ('t', '42').  With vs_profile the second argument is a
 * reference profile and every category belongs to the current sample.  The
 * state is a mlmon.category_state (the aggregates) or internal (the
 * sliding-window forms).
 */
static Datum
category_accum(FunctionCallInfo fcinfo, bool vs_profile, bool real_state, Oid argtype)
{
	MemoryContext aggcxt;
	CategoryStateEO *eo = NULL;
	CategoryState *st;
	bool		internal = !real_state;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition function of a categorical drift statistic can only be called by its aggregate")));
	if (PG_ARGISNULL(0))
	{
		MemoryContext cxt;

		if (internal)
		{
			st = category_state_new(aggcxt);
			cxt = aggcxt;
		}
		else
		{
			eo = eo_new(aggcxt);
			st = &eo->st;
			cxt = eo->hdr.eoh_context;
		}
		options_init(&st->opts, fcinfo, 3, OPTS_CATEGORICAL, cxt);
		st->argtype = argtype;
	}
	else
	{
		if (internal)
			st = (CategoryState *) PG_GETARG_POINTER(0);
		else
		{
			eo = eo_of(PG_GETARG_DATUM(0));
			if (eo == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
				eo = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), aggcxt);
			st = &eo->st;
		}
		if (st->opts.nopts > 0)
			options_check_same(&st->opts, fcinfo, 3);
	}
	if (eo != NULL)
		eo_changed(eo);
	if (vs_profile)
		state_reference_profile(st, fcinfo, 2);

	if (!PG_ARGISNULL(1) && (vs_profile || !PG_ARGISNULL(2)))
	{
		bool		current = vs_profile || PG_GETARG_BOOL(2);

		if (st->argtype == BOOLOID)
			category_add(st, PG_GETARG_BOOL(1) ? "t" : "f", 1, current ? 0 : 1, current ? 1 : 0);
		else if (st->argtype == INT8OID)
		{
			char		buf[MAXINT8LEN + 1];
			int			len = pg_lltoa(PG_GETARG_INT64(1), buf);

			category_add(st, buf, len, current ? 0 : 1, current ? 1 : 0);
		}
		else
		{
			text	   *t = PG_GETARG_TEXT_PP(1);

			category_add(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), current ? 0 : 1, current ? 1 : 0);
		}
	}
	if (eo != NULL)
		PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
	PG_RETURN_POINTER(st);
}

/* The category type of an internal-state transition (a window or 0.2.0's aggregates: the executor tells it). */
static Oid
internal_argtype(FunctionCallInfo fcinfo)
{
	Oid			t = get_fn_expr_argtype(fcinfo->flinfo, 1);

	return t == BOOLOID || t == INT8OID ? t : TEXTOID;
}

/* mlm_category_accum(internal, category text|boolean|bigint, is_current boolean [, method text]) (0.2.0's) */
Datum
mlm_category_accum(PG_FUNCTION_ARGS)
{
	return category_accum(fcinfo, false, false, internal_argtype(fcinfo));
}

/* mlm_profile_category_accum(internal, category text, reference mlmon.profile [, method text]): the windows' */
Datum
mlm_profile_category_accum(PG_FUNCTION_ARGS)
{
	return category_accum(fcinfo, true, false, TEXTOID);
}

/* mlm_category_state_accum_text(mlmon.category_state, category text, is_current boolean [, method text]) */
Datum
mlm_category_state_accum_text(PG_FUNCTION_ARGS)
{
	return category_accum(fcinfo, false, true, TEXTOID);
}

/* mlm_category_state_accum_bool(mlmon.category_state, category boolean, is_current boolean [, method text]) */
Datum
mlm_category_state_accum_bool(PG_FUNCTION_ARGS)
{
	return category_accum(fcinfo, false, true, BOOLOID);
}

/* mlm_category_state_accum_int8(mlmon.category_state, category bigint, is_current boolean [, method text]) */
Datum
mlm_category_state_accum_int8(PG_FUNCTION_ARGS)
{
	return category_accum(fcinfo, false, true, INT8OID);
}

/* mlm_profile_category_state_accum(mlmon.category_state, category text, reference mlmon.profile [, method text]) */
Datum
mlm_profile_category_state_accum(PG_FUNCTION_ARGS)
{
	return category_accum(fcinfo, true, true, TEXTOID);
}

/*
 * mlm_profile_category_inv(state internal, category text, reference mlmon.profile [, method text]):
 * the inverse transition of the window forms, removing a row that left the frame.
 */
Datum
mlm_profile_category_inv(PG_FUNCTION_ARGS)
{
	CategoryState *st = (CategoryState *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1))
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		category_add(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), 0, -1);
	}
	PG_RETURN_POINTER(st);
}

/*
 * mlm_category_state_combine(mlmon.category_state, mlmon.category_state): add
 * the counts of the second state to the first (NULLs are skipped).
 */
Datum
mlm_category_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CategoryStateEO *a;
	CategoryState *b;
	uint64		it = 0;
	CatEntry   *e;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the combine function of a categorical drift statistic can only be called by its aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = state_arg(fcinfo, 1, true);
	if (PG_ARGISNULL(0))
	{
		a = eo_new(aggcxt);
		a->st.opts = b->opts;
		a->st.opts.nopts = 0;
		a->st.argtype = b->argtype;
	}
	else
	{
		a = eo_of(PG_GETARG_DATUM(0));
		if (a == NULL || !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
			a = eo_expand(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), aggcxt);
		options_check_combinable(&a->st.opts, &b->opts);
	}
	eo_changed(a);
	if (b->permutations != 0)
		category_state_set_permutations(&a->st, b->permutations);
	profile_ref_merge(&a->st.ref_profile, b->ref_profile, a->hdr.eoh_context);
	while ((e = catcount_next(&b->counts, &it)) != NULL)
		category_add(&a->st, e->key.data, e->key.len, e->c[0], e->c[1]);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* A checked flat mlmon.category_state holding bytes[0..len). */
static struct varlena *
category_state_from_bytes(const char *bytes, Size len, int errcode_bad)
{
	mlm_category_wire w;
	void	   *profile;
	size_t		profile_len;

	category_wire_read(bytes, len, errcode_bad, &w, &profile, &profile_len);
	if (profile != NULL)
		pfree(profile);
	return base64_form_varlena(bytes, len);
}

/* mlm_category_state_in(cstring) returns mlmon.category_state: base64 of the binary form. */
Datum
mlm_category_state_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *bytes = base64_form_decode(PG_GETARG_CSTRING(0), "mlmon.category_state", &len);

	PG_RETURN_POINTER(category_state_from_bytes(bytes, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* mlm_category_state_out(mlmon.category_state) returns cstring */
Datum
mlm_category_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(base64_form_out(PG_GETARG_DATUM(0)));
}

/* mlm_category_state_recv(internal) returns mlmon.category_state: the rest of the message is the binary form. */
Datum
mlm_category_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	struct varlena *vl = category_state_from_bytes(buf->data + buf->cursor, (Size) (buf->len - buf->cursor),
												   ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(vl);
}

/* mlm_category_state_send(mlmon.category_state) returns bytea */
Datum
mlm_category_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(base64_form_send(PG_GETARG_DATUM(0)));
}

/*
 * 0.2.0's internal state support (combine, serialize, deserialize): a
 * database whose mlmon is not updated yet (ALTER EXTENSION mlmon UPDATE)
 * still calls them with the new library.  Its aggregates share the
 * transition and final functions above (their internal-state path).
 */
#define CATEGORY_STATE_VERSION 1

/* 0.2.0's serialized form: */
/* Serialized form: header, then per category int32 length, bytes, int64 ref, int64 cur. */
typedef struct CategoryStateWire
{
	int32		vl_len_;
	uint8		version;
	uint8		chi2_method;
	uint8		pad[2];
	int64		profile_len;	/* bytes of the reference profile after the entries */
	int64		ncat;
	int64		n_ref;
	int64		n_cur;
} CategoryStateWire;

#define WIRE_ENTRY_FIXED (sizeof(int32) + 2 * sizeof(int64))

/* Add the entries of a serialized state (validated by deserialize) to st. */
static void
category_add_wire(CategoryState *st, const char *p, int64 ncat)
{
	int64		i;

	for (i = 0; i < ncat; i++)
	{
		int32		len;
		int64		ref,
					cur;
		const char *data;

		memcpy(&len, p, sizeof(int32));
		p += sizeof(int32);
		data = p;
		p += len;
		memcpy(&ref, p, sizeof(int64));
		p += sizeof(int64);
		memcpy(&cur, p, sizeof(int64));
		p += sizeof(int64);
		category_add(st, data, len, ref, cur);
	}
}

/*
 * mlm_category_combine(internal, internal) of 0.2.0: add the counts of the
 * second state to the first; a deserialized state's entries are read
 * straight from its message.
 */
Datum
mlm_category_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CategoryState *a = PG_ARGISNULL(0) ? NULL : (CategoryState *) PG_GETARG_POINTER(0);
	CategoryState *b = PG_ARGISNULL(1) ? NULL : (CategoryState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mlm_category_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = category_state_new(aggcxt);
		a->opts = b->opts;
		a->opts.nopts = 0;
	}
	else
		options_check_combinable(&a->opts, &b->opts);

	profile_ref_merge(&a->ref_profile, b->ref_profile, a->counts.mcxt);
	if (b->wire != NULL)
		category_add_wire(a, b->wire, b->wire_ncat);
	else
	{
		uint64		it = 0;
		CatEntry   *e;

		while ((e = catcount_next(&b->counts, &it)) != NULL)
			category_add(a, e->key.data, e->key.len, e->c[0], e->c[1]);
	}
	PG_RETURN_POINTER(a);
}

/* mlm_category_serialize(internal) returns bytea. */
Datum
mlm_category_serialize(PG_FUNCTION_ARGS)
{
	CategoryState *st = (CategoryState *) PG_GETARG_POINTER(0);
	int64		ncat = catcount_size(&st->counts);
	Size		key_bytes = st->counts.key_bytes;
	Size		plen = st->ref_profile ? VARSIZE(st->ref_profile) : 0;
	Size		size;
	CategoryStateWire *w;
	char	   *p;
	uint64		it = 0;
	CatEntry   *e;

	if (key_bytes + plen > MaxAllocSize - sizeof(CategoryStateWire) ||
		(Size) ncat > (MaxAllocSize - sizeof(CategoryStateWire) - key_bytes - plen) / WIRE_ENTRY_FIXED)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of a drift statistic too large to serialize"),
				 errdetail("The partial state holds " INT64_FORMAT " categories of %zu bytes in all.",
						   ncat, key_bytes),
				 errhint("Partial states are serialized by parallel workers and by partitionwise aggregation: disable them for this statement with SET max_parallel_workers_per_gather = 0 and SET enable_partitionwise_aggregate = off.")));

	size = sizeof(CategoryStateWire) + key_bytes + (Size) ncat * WIRE_ENTRY_FIXED + plen;
	w = (CategoryStateWire *) palloc(size);
	memset(w, 0, sizeof(CategoryStateWire));
	SET_VARSIZE(w, size);
	w->version = CATEGORY_STATE_VERSION;
	w->chi2_method = (uint8) st->opts.chi2_method;
	w->ncat = ncat;
	w->profile_len = plen;
	w->n_ref = st->n_ref;
	w->n_cur = st->n_cur;
	p = (char *) w + sizeof(CategoryStateWire);
	while ((e = catcount_next(&st->counts, &it)) != NULL)
	{
		memcpy(p, &e->key.len, sizeof(int32));
		p += sizeof(int32);
		memcpy(p, e->key.data, e->key.len);
		p += e->key.len;
		memcpy(p, &e->c[0], sizeof(int64));
		p += sizeof(int64);
		memcpy(p, &e->c[1], sizeof(int64));
		p += sizeof(int64);
	}
	if (plen > 0)
		memcpy(p, st->ref_profile, plen);
	p += plen;
	Assert(p == (char *) w + size);
	PG_RETURN_BYTEA_P(w);
}

/*
 * mlm_category_deserialize(bytea, internal) returns internal: the message
 * is validated and a state in per-call memory points at its entries, which
 * the combine function adds next.
 */
Datum
mlm_category_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	CategoryStateWire w;
	CategoryState *st;
	const char *p = VARDATA_ANY(b);
	const char *end = p + VARSIZE_ANY_EXHDR(b);
	const char *entries;
	Size		hdr = sizeof(CategoryStateWire) - VARHDRSZ;
	int64		i,
				n_ref = 0,
				n_cur = 0;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "mlm_category_deserialize called in non-aggregate context");
	if ((Size) (end - p) < hdr)
		elog(ERROR, "invalid serialized category state");
	memcpy((char *) &w + VARHDRSZ, p, hdr);
	p += hdr;
	if (w.version != CATEGORY_STATE_VERSION || w.ncat < 0 || w.profile_len < 0 ||
		(Size) w.profile_len > (Size) (end - p) ||
		(Size) w.ncat > (Size) (end - p - w.profile_len) / WIRE_ENTRY_FIXED)
		elog(ERROR, "invalid serialized category state");
	end -= w.profile_len;

	entries = p;
	for (i = 0; i < w.ncat; i++)
	{
		int32		len;
		int64		ref,
					cur;

		if ((Size) (end - p) < sizeof(int32))
			elog(ERROR, "invalid serialized category state");
		memcpy(&len, p, sizeof(int32));
		p += sizeof(int32);
		if (len < 0 || (Size) (end - p) < (Size) len + 2 * sizeof(int64))
			elog(ERROR, "invalid serialized category state");
		p += len;
		memcpy(&ref, p, sizeof(int64));
		p += sizeof(int64);
		memcpy(&cur, p, sizeof(int64));
		p += sizeof(int64);
		if (ref < 0 || cur < 0)
			elog(ERROR, "invalid serialized category state");
		n_ref += ref;
		n_cur += cur;
	}
	if (p != end || n_ref != w.n_ref || n_cur != w.n_cur)
		elog(ERROR, "invalid serialized category state");

	st = (CategoryState *) palloc0(sizeof(CategoryState));
	st->opts.chi2_method = (Chi2Method) w.chi2_method;
	st->n_ref = w.n_ref;
	st->n_cur = w.n_cur;
	st->wire = entries;
	st->wire_ncat = w.ncat;
	if (w.profile_len > 0)
		st->ref_profile = (struct varlena *) end;
	PG_RETURN_POINTER(st);
}

bool
category_final_counts(FunctionCallInfo fcinfo, bool real_state, CategoryCounts *cc)
{
	CategoryState *st;
	CatEntry  **entries;
	int64		k,
				i;

	if (PG_ARGISNULL(0))
		return false;
	st = state_arg(fcinfo, 0, real_state);
	if (st->ref_profile != NULL)
	{
		mlm_profile_view v;
		CategoryList ref,
					cur;
		CatEntry  **entries = catcount_sorted(&st->counts);
		int64		n = catcount_size(&st->counts);
		const char **key = palloc(sizeof(char *) * Max(n, 1));
		int32	   *len = palloc(sizeof(int32) * Max(n, 1));
		int64	   *count = palloc(sizeof(int64) * Max(n, 1));

		mlm_profile_view_of(PROFILE_PAYLOAD(st->ref_profile), &v);
		category_list_of_profile(&v, &ref);
		for (i = 0; i < n; i++)
		{
			key[i] = entries[i]->key.data;
			len[i] = entries[i]->key.len;
			count[i] = entries[i]->c[1];
		}
		cur.n = n;
		cur.key = key;
		cur.len = len;
		cur.count = count;
		cur.other = 0;
		category_union(&ref, &cur, cc);
		cc->opts = st->opts;
		cc->permutations = st->permutations;
		return true;
	}

	k = cc->k = catcount_size(&st->counts);
	cc->n_ref = st->n_ref;
	cc->n_cur = st->n_cur;
	cc->opts = st->opts;
	cc->permutations = st->permutations;
	entries = catcount_sorted(&st->counts);
	cc->ref = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(k, 1));
	cc->cur = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(k, 1));
	cc->key = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(k, 1));
	cc->keylen = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(k, 1));
	for (i = 0; i < k; i++)
	{
		cc->ref[i] = entries[i]->c[0];
		cc->cur[i] = entries[i]->c[1];
		cc->key[i] = entries[i]->key.data;
		cc->keylen[i] = entries[i]->key.len;
	}
	pfree(entries);
	return true;
}

void
category_list_of_profile(const mlm_profile_view *v, CategoryList *l)
{
	const char **key = palloc(sizeof(char *) * Max(v->h->nentries, 1));
	const char *p = v->bytes;
	int64		i;

	for (i = 0; i < v->h->nentries; i++)
	{
		key[i] = p;
		p += v->lens[i];
	}
	l->n = v->h->nentries;
	l->key = key;
	l->len = v->lens;
	l->count = v->counts;
	l->other = v->h->other;
}

void
category_union(const CategoryList *ref, const CategoryList *cur, CategoryCounts *cc)
{
	int64		room = ref->n + cur->n + 1;
	int64		i = 0,
				j = 0,
				k = 0;

	cc->ref = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * room);
	cc->cur = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * room);
	cc->key = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * room);
	cc->keylen = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * room);
	cc->n_ref = ref->other;
	cc->n_cur = cur->other;
	while (i < ref->n || j < cur->n)
	{
		int			c;

		if (i >= ref->n)
			c = 1;
		else if (j >= cur->n)
			c = -1;
		else
			c = catcount_cmp(ref->key[i], ref->len[i], cur->key[j], cur->len[j]);
		cc->ref[k] = c <= 0 ? ref->count[i] : 0;
		cc->cur[k] = c >= 0 ? cur->count[j] : 0;
		cc->key[k] = c <= 0 ? ref->key[i] : cur->key[j];
		cc->keylen[k] = c <= 0 ? ref->len[i] : cur->len[j];
		cc->n_ref += cc->ref[k];
		cc->n_cur += cc->cur[k];
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		/* a category with no value left on either side (a window moved past it) is no bin */
		if (cc->ref[k] != 0 || cc->cur[k] != 0)
			k++;
	}
	if (ref->other > 0 || cur->other > 0)
	{
		cc->ref[k] = ref->other;
		cc->cur[k] = cur->other;
		cc->key[k] = NULL;
		cc->keylen[k] = -1;
		k++;
	}
	cc->k = k;
}

/*
 * tvd(..., permutations): keep the number of relabellings in the state (its
 * portable form carries it to the final function, also on a Citus
 * coordinator), the same for every row and every partial state.
 */
static void
category_state_set_permutations(CategoryState *st, int32 permutations)
{
	if (st->permutations == 0)
		st->permutations = permutations;
	else if (st->permutations != permutations)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of permutations of mlmon.tvd must be the same for every row"),
				 errdetail("Rows give %d and %d.", st->permutations, permutations),
				 errhint("Pass a constant or a parameter.")));
}

Datum
category_state_with_permutations(Datum state, int32 permutations)
{
	CategoryStateEO *eo = eo_of(state);

	if (eo == NULL)
		elog(ERROR, "the transition of mlmon.tvd did not return an expanded mlmon.category_state");
	category_state_set_permutations(&eo->st, permutations);
	return state;
}
