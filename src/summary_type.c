/*
 * summary_type.c: the SQL type mlmon.check_summary (text and binary forms), the
 * merge function and aggregate, and the shared combine and final functions
 * of the aggregates that build summaries (summary_build.c).
 *
 * The text form is the wire form (core/summary.h) in base64: exact, about
 * 1.33 times the binary size, and parsed without a JSON parser (Citus ships
 * partial states as text).  mlmon.summary_json gives a readable rendering.
 */
#include "summary.h"

#include <math.h>

#include "base64_form.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(mlm_summary_in);
PG_FUNCTION_INFO_V1(mlm_summary_out);
PG_FUNCTION_INFO_V1(mlm_summary_recv);
PG_FUNCTION_INFO_V1(mlm_summary_send);
PG_FUNCTION_INFO_V1(mlm_summary_combine);
PG_FUNCTION_INFO_V1(mlm_summary_final);
PG_FUNCTION_INFO_V1(mlm_summary_merge2);
PG_FUNCTION_INFO_V1(mlm_summary_json);

/* Error out unless bytes[0..len) of section id are text in the database encoding. */
static void
check_text(const char *bytes, int64 len, uint32 id)
{
	if (!pg_verifymbstr(bytes, (int) len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid byte sequence for encoding \"%s\" in a mlmon.check_summary value",
						GetDatabaseEncodingName()),
				 errdetail("Section %u holds a key, label or category that is not valid text.", id)));
}

/*
 * Every byte string of a checked summary (the keys, the score labels, the
 * categories of its profiles) is text in the database encoding: the readers
 * return them as text.
 */
static void
check_summary_encoding(struct varlena *vl)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "mlmon summary encoding", ALLOCSET_DEFAULT_SIZES);
	MemoryContext sectx = AllocSetContextCreate(tmp, "mlmon summary section", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	mlm_summary_wire w;
	uint32		i;

	summary_open_varlena(vl, &w);
	MemoryContextSwitchTo(sectx);
	for (i = 0; i < w.nsections; i++)
	{
		mlm_section s;
		mlm_profile_view v;
		const char *p;
		int64		j;

		if (w.ref[i].kind != MLM_SEC_KEYS && w.ref[i].kind != MLM_SEC_SCORES && w.ref[i].kind != MLM_SEC_PROFILE)
			continue;
		summary_section(&w, w.ref[i].id, &s);
		switch (s.kind)
		{
			case MLM_SEC_KEYS:
				for (j = 0; j < s.n * s.arity; j++)
					check_text(s.key[j].data, s.key[j].len, s.id);
				break;
			case MLM_SEC_SCORES:
				for (j = 0; j < s.n; j++)
					check_text(s.label[j].data, s.label[j].len, s.id);
				break;
			case MLM_SEC_PROFILE:
				mlm_profile_view_of(s.profile.buf, &v);
				if (v.h->kind != MLM_PROFILE_CATEGORICAL)
					break;
				for (j = 0, p = v.bytes; j < v.h->nentries; p += v.lens[j], j++)
					check_text(p, v.lens[j], s.id);
				break;
		}
		MemoryContextReset(sectx);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/* A varlena holding wire[0..len), checked (errcode for untrusted input). */
static struct varlena *
summary_from_wire(const char *wire, Size len, int errcode_bad)
{
	struct varlena *vl;
	char		err[256];

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("summary too large")));
	vl = palloc(VARHDRSZ + len);
	SET_VARSIZE(vl, VARHDRSZ + len);
	memcpy(VARDATA(vl), wire, len);
	if (mlm_summary_check(VARDATA(vl), len, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(errcode_bad),
				 errmsg("invalid mlmon.check_summary value"),
				 errdetail("%s", err)));
	check_summary_encoding(vl);
	return vl;
}

/* mlm_summary_in(cstring) returns mlmon.check_summary: base64 of the wire form. */
Datum
mlm_summary_in(PG_FUNCTION_ARGS)
{
	Size		len;
	char	   *wire = base64_form_decode(PG_GETARG_CSTRING(0), "mlmon.check_summary", &len);

	PG_RETURN_POINTER(summary_from_wire(wire, len, ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* mlm_summary_out(mlmon.check_summary) returns cstring */
Datum
mlm_summary_out(PG_FUNCTION_ARGS)
{
	struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	PG_RETURN_CSTRING(base64_form_encode(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl)));
}

/* mlm_summary_recv(internal) returns mlmon.check_summary: the wire form as it is. */
Datum
mlm_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	struct varlena *vl = summary_from_wire(buf->data + buf->cursor, (Size) len,
										   ERRCODE_INVALID_BINARY_REPRESENTATION);

	buf->cursor = buf->len;
	PG_RETURN_POINTER(vl);
}

/* mlm_summary_send(mlmon.check_summary) returns bytea */
Datum
mlm_summary_send(PG_FUNCTION_ARGS)
{
	struct varlena *vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	bytea	   *out = palloc(VARHDRSZ + VARSIZE_ANY_EXHDR(vl));

	SET_VARSIZE(out, VARHDRSZ + VARSIZE_ANY_EXHDR(vl));
	memcpy(VARDATA(out), VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl));
	PG_RETURN_BYTEA_P(out);
}

/*
 * mlm_summary_combine(mlmon.check_summary, mlmon.check_summary) returns mlmon.check_summary:
 * the combine function of the aggregates that build summaries and the
 * transition of mlmon.merge(mlmon.check_summary).  NULL inputs are skipped.
 */
Datum
mlm_summary_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SummaryBuilder *b;
	mlm_summary_wire other;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the summary combine function can only be called by an aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	summary_arg(fcinfo, 1, &other);
	b = PG_ARGISNULL(0) ? NULL : summary_builder_from_datum(PG_GETARG_DATUM(0));
	if (b == NULL)
	{
		SummaryBuilder *nb = summary_builder_new(aggcxt);

		if (!PG_ARGISNULL(0))
		{
			mlm_summary_wire first;

			summary_arg(fcinfo, 0, &first);
			summary_builder_merge(nb, &first);
		}
		b = nb;
	}
	summary_builder_merge(b, &other);
	PG_RETURN_DATUM(summary_builder_datum(b));
}

/*
 * mlm_summary_final(mlmon.check_summary) returns mlmon.check_summary: the flat form of
 * the state, its streams closed (the sample is complete).
 */
Datum
mlm_summary_final(PG_FUNCTION_ARGS)
{
	SummaryBuilder *b;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	b = summary_builder_from_datum(PG_GETARG_DATUM(0));
	if (b == NULL)
	{
		mlm_summary_wire s;

		summary_arg(fcinfo, 0, &s);
		b = summary_builder_new(CurrentMemoryContext);
		summary_builder_merge(b, &s);
	}
	summary_builder_close(b);
	PG_RETURN_POINTER(summary_builder_flat(b));
}

/* mlm_summary_merge2(a mlmon.check_summary, b mlmon.check_summary) returns mlmon.check_summary; NULL stands for no rows. */
Datum
mlm_summary_merge2(PG_FUNCTION_ARGS)
{
	SummaryBuilder *b;
	mlm_summary_wire s;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	b = summary_builder_new(CurrentMemoryContext);
	if (!PG_ARGISNULL(0))
	{
		summary_arg(fcinfo, 0, &s);
		summary_builder_merge(b, &s);
	}
	if (!PG_ARGISNULL(1))
	{
		summary_arg(fcinfo, 1, &s);
		summary_builder_merge(b, &s);
	}
	PG_RETURN_POINTER(summary_builder_flat(b));
}

/* ---------------------------------------------------------------- JSON rendering */

static void
json_number(StringInfo out, double d)
{
	if (isnan(d))
		appendStringInfoString(out, "\"NaN\"");
	else if (isinf(d))
		appendStringInfoString(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		appendStringInfo(out, "%.17g", d);
}

static void
json_bytes(StringInfo out, const mlm_bytes *b)
{
	char	   *s = pnstrdup(b->data, b->len);

	escape_json(out, s);
	pfree(s);
}

static void
json_profile(StringInfo out, const mlm_flat_profile *fp)
{
	char	   *j = mlm_profile_to_json(fp->buf, fp->len);

	appendStringInfoString(out, j ? j : "null");
}

static const char *const kind_names[] = {
	"", "counts", "sums", "profile", "grid", "keys", "regression", "stream", "scores"
};

/* mlm_summary_json(mlmon.check_summary) returns jsonb: every section, readable (profiles in their JSON form). */
Datum
mlm_summary_json(PG_FUNCTION_ARGS)
{
	mlm_summary_wire s;
	StringInfoData out;
	uint32		i;
	int64		j;
	int			k;

	summary_arg(fcinfo, 0, &s);
	initStringInfo(&out);
	appendStringInfo(&out, "{\"version\": %d, \"sections\": [", MLM_SUMMARY_VERSION);
	for (i = 0; i < s.nsections; i++)
	{
		mlm_section sec;
		const mlm_section *c = &sec;

		summary_section(&s, s.ref[i].id, &sec);

		appendStringInfo(&out, "%s{\"id\": %u, \"kind\": \"%s\"", i > 0 ? ", " : "", c->id, kind_names[c->kind]);
		switch (c->kind)
		{
			case MLM_SEC_COUNTS:
				appendStringInfoString(&out, ", \"counts\": [");
				for (j = 0; j < c->n; j++)
					appendStringInfo(&out, "%s" INT64_FORMAT, j > 0 ? ", " : "", c->counts[j]);
				appendStringInfoChar(&out, ']');
				break;
			case MLM_SEC_SUMS:
				appendStringInfoString(&out, ", \"sums\": [");
				for (j = 0; j < c->n; j++)
				{
					appendStringInfoString(&out, j > 0 ? ", " : "");
					json_number(&out, mlm_ksum_value(&c->sums[j]));
				}
				appendStringInfoChar(&out, ']');
				break;
			case MLM_SEC_PROFILE:
				appendStringInfoString(&out, ", \"profile\": ");
				json_profile(&out, &c->profile);
				break;
			case MLM_SEC_GRID:
				appendStringInfo(&out, ", \"cells\": " INT64_FORMAT ", \"counts\": {", c->ncells);
				for (j = 0; j < c->n; j++)
					appendStringInfo(&out, "%s\"" INT64_FORMAT "\": " INT64_FORMAT, j > 0 ? ", " : "",
									 c->cell[j], c->counts[j]);
				appendStringInfoChar(&out, '}');
				break;
			case MLM_SEC_KEYS:
				appendStringInfo(&out, ", \"arity\": %d, \"truncated\": %s, \"keys\": [",
								 c->arity, c->truncated ? "true" : "false");
				for (j = 0; j < c->n; j++)
				{
					appendStringInfoString(&out, j > 0 ? ", [" : "[");
					for (k = 0; k < c->arity; k++)
					{
						json_bytes(&out, &c->key[j * c->arity + k]);
						appendStringInfoString(&out, ", ");
					}
					appendStringInfo(&out, INT64_FORMAT "]", c->counts[j]);
				}
				appendStringInfoChar(&out, ']');
				break;
			case MLM_SEC_REGRESSION:
				appendStringInfo(&out, ", \"n\": " INT64_FORMAT ", \"abs_err\": ", c->reg.n);
				json_number(&out, mlm_ksum_value(&c->reg.abs_err));
				appendStringInfoString(&out, ", \"sq_err\": ");
				json_number(&out, mlm_ksum_value(&c->reg.sq_err));
				break;
			case MLM_SEC_STREAM:
				appendStringInfo(&out, ", \"closed\": %s, \"n\": " INT64_FORMAT ", \"segments\": [",
								 c->closed ? "true" : "false", c->n);
				for (j = 0; j < c->nseg; j++)
					appendStringInfo(&out, "%s[" INT64_FORMAT ", " INT64_FORMAT ", " INT64_FORMAT "]",
									 j > 0 ? ", " : "", c->seg_first[j], c->seg_last[j], c->seg_n[j]);
				appendStringInfoString(&out, "], \"values\": [");
				for (j = 0; j < c->n; j++)
				{
					appendStringInfoString(&out, j > 0 ? ", " : "");
					json_number(&out, c->values[j]);
				}
				appendStringInfoChar(&out, ']');
				break;
			case MLM_SEC_SCORES:
				appendStringInfo(&out, ", \"overflow\": %s, \"labels\": [", c->overflow ? "true" : "false");
				for (j = 0; j < c->n; j++)
				{
					appendStringInfoString(&out, j > 0 ? ", {\"label\": " : "{\"label\": ");
					json_bytes(&out, &c->label[j]);
					appendStringInfo(&out, ", \"rows\": " INT64_FORMAT ", \"scores\": ", c->rows[j]);
					json_profile(&out, &c->scores[j]);
					appendStringInfoChar(&out, '}');
				}
				appendStringInfoChar(&out, ']');
				break;
		}
		appendStringInfoChar(&out, '}');
	}
	appendStringInfoString(&out, "]}");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}
