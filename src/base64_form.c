/*
 * base64_form.c: base64 text forms of binary forms (base64_form.h).
 */
#include "base64_form.h"

#include "common/base64.h"
#include "fmgr.h"
#include "libpq/pqformat.h"

char *
base64_form_decode(const char *in, const char *typname, Size *len)
{
	Size		inlen = strlen(in);
	char	   *str = palloc(inlen + 1);
	Size		slen = 0;
	char	   *bytes;
	int			n;

	/* whitespace is skipped, as decode(text, 'base64') does (encode() breaks lines at 76 characters) */
	for (; *in != '\0'; in++)
		if (*in != ' ' && *in != '\t' && *in != '\n' && *in != '\r')
			str[slen++] = *in;
	str[slen] = '\0';

	if (slen > (Size) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the text form of a %s value is too long", typname)));
	bytes = palloc(pg_b64_dec_len((int) slen) + 1);
	n = pg_b64_decode(str, (int) slen, bytes, pg_b64_dec_len((int) slen) + 1);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", typname),
				 errdetail("The text form is the base64 encoding of the binary form.")));
	*len = (Size) n;
	return bytes;
}

char *
base64_form_encode(const char *data, Size len)
{
	int			cap;
	char	   *out;
	int			n;

	if (len > (Size) (PG_INT32_MAX / 4 * 3 - 4))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("value too large for its text form")));
	cap = pg_b64_enc_len((int) len) + 1;
	out = palloc(cap);
	n = pg_b64_encode(data, (int) len, out, cap);
	if (n < 0)
		elog(ERROR, "could not encode in base64");
	out[n] = '\0';
	return out;
}

struct varlena *
base64_form_varlena(const char *bytes, Size len)
{
	struct varlena *vl = (struct varlena *) palloc(VARHDRSZ + len);

	SET_VARSIZE(vl, VARHDRSZ + len);
	memcpy(VARDATA(vl), bytes, len);
	return vl;
}

char *
base64_form_out(Datum value)
{
	struct varlena *vl = PG_DETOAST_DATUM(value);

	return base64_form_encode(VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl));
}

bytea *
base64_form_send(Datum value)
{
	struct varlena *vl = PG_DETOAST_DATUM(value);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(vl), VARSIZE_ANY_EXHDR(vl));
	return pq_endtypsend(&buf);
}
