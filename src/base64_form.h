/*
 * base64_form.h: the text form of the types whose text form is their
 * binary form in base64 (mlmon.check_summary, mlmon.category_state,
 * mlmon.sample_state): exact, about 1.33 times the binary size, parsed
 * without a parser (Citus ships partial aggregate states as text).
 */
#ifndef MLMON_BASE64_FORM_H
#define MLMON_BASE64_FORM_H

#include "postgres.h"

/* The bytes str encodes, whitespace skipped (palloc'd, their number in *len); a syntax error names the type. */
extern char *base64_form_decode(const char *str, const char *typname, Size *len);

/* data[0..len) in base64, NUL-terminated (palloc'd). */
extern char *base64_form_encode(const char *data, Size len);

/*
 * For the types whose payload is their binary form as it is: a new varlena
 * holding bytes[0..len) (checked by the caller), a value's text form, and
 * its send form.
 */
extern struct varlena *base64_form_varlena(const char *bytes, Size len);
extern char *base64_form_out(Datum value);
extern bytea *base64_form_send(Datum value);

#endif
