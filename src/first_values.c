/*
 * first_values.c: the transition and combine functions of
 * mlmon._first_values(text), the aggregate that keeps a few distinct values
 * of its input (the unexpected values an expectation reports).
 *
 * The state is a text[] of at most FIRST_VALUES_MAX distinct values, each
 * cut to FIRST_VALUES_CHARS characters.  Once full it is returned as it is,
 * without looking at the input (not even detoasting it), so a window with
 * millions of unexpected values costs one comparison a row.  Which values are
 * kept depends on the order the rows arrive in (and, in a parallel plan, on
 * how they are split): "a few", not "the first few" of any order.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(mlm_first_values_accum);
PG_FUNCTION_INFO_V1(mlm_first_values_combine);

#define FIRST_VALUES_MAX 5
#define FIRST_VALUES_CHARS 200

/* The values of a state (a one-dimensional text[] without NULLs, or NULL/empty). */
static int
state_values(ArrayType *a, Datum **values)
{
	bool	   *nulls;
	int			n;

	if (a == NULL || ARR_NDIM(a) == 0)
	{
		*values = NULL;
		return 0;
	}
	if (ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != TEXTOID || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid state of mlmon._first_values"),
				 errdetail("The state is a one-dimensional text array without NULLs.")));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, values, &nulls, &n);
	return n;
}

static bool
holds(Datum *values, int n, text *v)
{
	for (int i = 0; i < n; i++)
	{
		text	   *x = DatumGetTextPP(values[i]);

		if (VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(v) &&
			memcmp(VARDATA_ANY(x), VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v)) == 0)
			return true;
	}
	return false;
}

/* v cut to FIRST_VALUES_CHARS characters (whole characters of the database encoding). */
static text *
clipped(text *v)
{
	int			len = VARSIZE_ANY_EXHDR(v);
	int			keep = pg_mbcharcliplen(VARDATA_ANY(v), len, FIRST_VALUES_CHARS);

	if (keep >= len)
		return v;
	return cstring_to_text_with_len(VARDATA_ANY(v), keep);
}

static ArrayType *
build(Datum *values, int n)
{
	if (n == 0)
		return construct_empty_array(TEXTOID);
	return construct_array(values, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/* mlm_first_values_accum(state text[], value text) returns text[] */
Datum
mlm_first_values_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *values;
	Datum		grown[FIRST_VALUES_MAX];
	text	   *v;
	int			n;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition function of mlmon._first_values can only be called by its aggregate")));
	/* full: nothing to look at (the common case when many values are unexpected) */
	if (a != NULL && ARR_NDIM(a) == 1 && ARR_DIMS(a)[0] >= FIRST_VALUES_MAX)
		PG_RETURN_ARRAYTYPE_P(a);
	n = state_values(a, &values);
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(build(values, n));
	v = clipped(PG_GETARG_TEXT_PP(1));
	if (holds(values, n, v))
		PG_RETURN_ARRAYTYPE_P(build(values, n));
	for (int i = 0; i < n; i++)
		grown[i] = values[i];
	grown[n] = PointerGetDatum(v);
	PG_RETURN_ARRAYTYPE_P(build(grown, n + 1));
}

/* mlm_first_values_combine(a text[], b text[]) returns text[]: a's values, then b's new ones, FIRST_VALUES_MAX at most */
Datum
mlm_first_values_combine(PG_FUNCTION_ARGS)
{
	Datum	   *va,
			   *vb;
	Datum		out[FIRST_VALUES_MAX];
	int			na,
				nb,
				n = 0;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the combine function of mlmon._first_values can only be called by its aggregate")));
	na = state_values(PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0), &va);
	nb = state_values(PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), &vb);
	for (int i = 0; i < na && n < FIRST_VALUES_MAX; i++)
		out[n++] = va[i];
	for (int i = 0; i < nb && n < FIRST_VALUES_MAX; i++)
	{
		text	   *v = DatumGetTextPP(vb[i]);

		if (!holds(out, n, v))
			out[n++] = vb[i];
	}
	PG_RETURN_ARRAYTYPE_P(build(out, n));
}
