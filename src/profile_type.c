/*
 * profile_type.c: input, output, send and receive of mlmon.profile, and
 * the helpers other files use to read profile arguments.
 *
 * The text form is JSON (core/profile_json.c), the binary form a portable
 * big-endian encoding (core/profile_wire.c); both are validated completely
 * by the core before PostgreSQL keeps them, and category bytes are checked
 * against the database encoding here.
 */
#include "profile.h"

#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(mlm_profile_in);
PG_FUNCTION_INFO_V1(mlm_profile_out);
PG_FUNCTION_INFO_V1(mlm_profile_send);
PG_FUNCTION_INFO_V1(mlm_profile_recv);

int			mlm_profile_exact_cap = PROFILE_DEFAULT_CAP;

struct varlena *
profile_from_payload(const void *payload, Size size)
{
	struct varlena *vl;

	if (size > MaxAllocSize - PROFILE_HDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("profile too large")));
	vl = (struct varlena *) palloc0(size + PROFILE_HDRSZ);
	SET_VARSIZE(vl, size + PROFILE_HDRSZ);
	memcpy((char *) vl + PROFILE_HDRSZ, payload, size);
	return vl;
}

/* Check that every category of a checked categorical profile is valid text in the database encoding. */
static void
check_category_encoding(const void *payload)
{
	mlm_profile_view v;
	const char *p;
	int64		i;

	mlm_profile_view_of(payload, &v);
	if (v.h->kind != MLM_PROFILE_CATEGORICAL)
		return;
	p = v.bytes;
	for (i = 0; i < v.h->nentries; i++)
	{
		if (!pg_verifymbstr(p, v.lens[i], true))
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid byte sequence for encoding \"%s\" in category " INT64_FORMAT " of a profile",
							GetDatabaseEncodingName(), i + 1)));
		p += v.lens[i];
	}
}

/* mlm_profile_in(cstring) returns mlmon.profile: the JSON form. */
Datum
mlm_profile_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	char		err[256];
	size_t		len = 0;
	void	   *payload = mlm_profile_from_json(text, strlen(text), &len, err, sizeof(err));

	if (payload == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type mlmon.profile"),
				 errdetail("%s", err)));
	check_category_encoding(payload);
	PG_RETURN_POINTER(profile_from_payload(payload, len));
}

/* mlm_profile_out(mlmon.profile) returns cstring. */
Datum
mlm_profile_out(PG_FUNCTION_ARGS)
{
	struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	PG_RETURN_CSTRING(mlm_profile_to_json(PROFILE_PAYLOAD(vl), PROFILE_PAYLOAD_SIZE(vl)));
}

/* mlm_profile_send(mlmon.profile) returns bytea: the wire form. */
Datum
mlm_profile_send(PG_FUNCTION_ARGS)
{
	struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	size_t		wirelen = 0;
	void	   *wire = mlm_profile_to_wire(PROFILE_PAYLOAD(vl), PROFILE_PAYLOAD_SIZE(vl), &wirelen);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, wire, wirelen);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* mlm_profile_recv(internal) returns mlmon.profile: the rest of the message is the wire form. */
Datum
mlm_profile_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	char		err[256];
	size_t		len = 0;
	size_t		wirelen = buf->len - buf->cursor;
	void	   *payload = mlm_profile_from_wire(buf->data + buf->cursor, wirelen, &len, err, sizeof(err));

	if (payload == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of type mlmon.profile"),
				 errdetail("%s", err)));
	buf->cursor = buf->len;
	check_category_encoding(payload);
	PG_RETURN_POINTER(profile_from_payload(payload, len));
}

void
profile_arg(FunctionCallInfo fcinfo, int argno, ProfileArg *p)
{
	p->vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	mlm_profile_view_of(PROFILE_PAYLOAD(p->vl), &p->view);
}

void
profile_require_kind(const ProfileArg *p, int kind, const char *what)
{
	if (p->view.h->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be a %s profile", what,
						kind == MLM_PROFILE_NUMERIC ? "numeric" : "categorical")));
}

double
profile_ecdf_error(const mlm_profile_hdr *h)
{
	if (h->mode == MLM_PROFILE_EXACT || h->count == 0)
		return 0.0;
	return h->rank_error / (double) h->count;
}

mlm_wsample
profile_view_sample(const mlm_profile_view *v)
{
	int64	   *cum;

	if (v->h->mode == MLM_PROFILE_EXACT)
	{
		cum = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(v->h->nentries, 1));
		return mlm_ws_counted(v->values, v->counts, cum, v->h->nentries);
	}
	else
	{
		mlm_qsketch qs;
		int64		n;
		double	   *vals;
		int64	   *w;

		mlm_qs_load(&qs, mlm_qs_k_for_cap(v->h->cap), v);
		n = mlm_qs_items(&qs);
		vals = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));
		w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
		cum = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
		n = mlm_qs_weighted(&qs, vals, w);
		mlm_qs_free(&qs);
		return mlm_ws_counted(vals, w, cum, n);
	}
}

int
profile_cap_arg(FunctionCallInfo fcinfo, int argno)
{
	int32		cap;

	if (PG_NARGS() <= argno)
		return mlm_profile_exact_cap;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("exact cap of a profile must not be null")));
	cap = PG_GETARG_INT32(argno);
	if (cap < MLM_PROFILE_MIN_CAP || cap > MLM_PROFILE_MAX_CAP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("exact cap of a profile must be between %d and %d",
						MLM_PROFILE_MIN_CAP, MLM_PROFILE_MAX_CAP),
				 errdetail("The cap given was %d.", cap)));
	return cap;
}
