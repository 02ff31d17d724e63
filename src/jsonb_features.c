/*
 * jsonb_features.c: the features of a logged prediction (a jsonb object)
 * as arrays, one walk over the object's keys and one call per row, for the
 * checks' single read of a window.
 *
 *   _jsonb_numbers(features jsonb, keys text[]) returns float8[]
 *       element i: the number under keys[i]; NULL when the key is absent,
 *       holds JSON null, or features is not an object; NaN when it holds
 *       anything but a number (a data-quality finding: JSON has no NaN).
 *   _jsonb_categories(features jsonb, keys text[]) returns text[]
 *       element i: the string, number or boolean under keys[i] as text
 *       (as the ->> operator gives it); NULL otherwise.
 *   _jsonb_has_other_keys(features jsonb, keys text[]) returns boolean
 *       whether features is an object with a key not among keys.
 *
 * Numbers are converted from jsonb's numeric without text when the decimal
 * allows it exactly (core/decimal.c), through numeric_float8 otherwise, so
 * every value is the double nearest to the logged decimal, as Python's
 * float() reads it.
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "core/decimal.h"
#include "jsonb_features.h"

PG_FUNCTION_INFO_V1(mlm_jsonb_numbers);
PG_FUNCTION_INFO_V1(mlm_jsonb_categories);
PG_FUNCTION_INFO_V1(mlm_jsonb_has_other_keys);

/*
 * The on-disk numeric format (stable across versions, as pg_upgrade
 * requires): a uint16 header, in the long form followed by an int16 weight,
 * then base-10000 digits.  The header's top bits: 0x8000 short form,
 * 0xC000 special (NaN, infinities), else long form with sign 0x4000.
 */
#define NUM_SHORT 0x8000
#define NUM_SPECIAL 0xC000
#define NUM_FLAG_MASK 0xC000
#define NUM_NEG 0x4000
#define NUM_SHORT_SIGN 0x2000
#define NUM_SHORT_WEIGHT_SIGN 0x0040
#define NUM_SHORT_WEIGHT_MASK 0x003F

/*
 * A numeric as the nearest double, by its decimal text (strtod rounds
 * correctly, as float8in does), for the forms the fast path below does not
 * take.  A number beyond the range of double precision (1e400) is not a
 * number here (NaN: counted as invalid, as a string would be), where
 * numeric_float8 would raise an error and fail the whole query; one below it
 * (1e-400) rounds to 0 or a subnormal, as strtod gives it.
 */
static double
numeric_to_double_text(Numeric num)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || (errno == ERANGE && isinf(d)))
		d = get_float8_nan();
	pfree(s);
	return d;
}

static double
numeric_to_double(Numeric num)
{
	const char *p = VARDATA_ANY(num);
	Size		len = VARSIZE_ANY_EXHDR(num);
	uint16		header;
	int			weight,
				ndigits,
				i;
	bool		negative;
	const char *digits;
	uint64		m = 0;
	double		d;

	if (len < sizeof(uint16))
		return get_float8_nan();
	memcpy(&header, p, sizeof(uint16));
	if ((header & NUM_FLAG_MASK) == NUM_SPECIAL)
		return numeric_to_double_text(num);
	if ((header & NUM_FLAG_MASK) == NUM_SHORT)
	{
		negative = (header & NUM_SHORT_SIGN) != 0;
		weight = (header & NUM_SHORT_WEIGHT_SIGN) ? (int) (header & NUM_SHORT_WEIGHT_MASK) - (NUM_SHORT_WEIGHT_MASK + 1)
			: (int) (header & NUM_SHORT_WEIGHT_MASK);
		digits = p + sizeof(uint16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			return get_float8_nan();
		negative = (header & NUM_FLAG_MASK) == NUM_NEG;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = p + 2 * sizeof(uint16);
	}
	ndigits = (int) ((len - (digits - p)) / sizeof(int16));
	if (ndigits > 4)			/* more than 16 decimal digits: not exact in a uint64 fast path */
		return numeric_to_double_text(num);
	for (i = 0; i < ndigits; i++)
	{
		int16		dg;

		memcpy(&dg, digits + i * sizeof(int16), sizeof(int16));
		m = m * 10000 + (uint64) dg;
	}
	if (!mlm_decimal_to_double(m, 4 * (weight - ndigits + 1), &d))
		return numeric_to_double_text(num);
	return negative ? -d : d;
}

/* The keys array, deconstructed once per call site and kept in fn_extra. */
typedef struct KeyCache
{
	ArrayType  *source;			/* the array the cache was built from (by value) */
	bool		stable;			/* the argument cannot change between calls */
	JsonbKeys	keys;
} KeyCache;

static const JsonbKeys *sort_keys;	/* for the qsort comparator */

/* jsonb orders object keys by length, then bytes. */
static int
jsonb_key_cmp(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
order_cmp(const void *x, const void *y)
{
	int			i = *(const int *) x,
				j = *(const int *) y;

	return jsonb_key_cmp(sort_keys->key[i], sort_keys->len[i], sort_keys->key[j], sort_keys->len[j]);
}

void
jsonb_keys_init(JsonbKeys *k, char **key, int *len, int n)
{
	int			i;

	k->n = n;
	k->key = key;
	k->len = len;
	k->order = (int *) palloc(Max(n, 1) * sizeof(int));
	for (i = 0; i < n; i++)
		k->order[i] = i;
	sort_keys = k;
	qsort(k->order, n, sizeof(int), order_cmp);
	sort_keys = NULL;
}

void
jsonb_keys_from_array(JsonbKeys *k, ArrayType *a)
{
	Datum	   *elems;
	bool	   *nulls;
	int			i,
				n;
	char	  **key;
	int		   *len;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("feature names must be a one-dimensional array")));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	key = (char **) palloc(Max(n, 1) * sizeof(char *));
	len = (int *) palloc(Max(n, 1) * sizeof(int));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature names must not be NULL")));
		key[i] = VARDATA_ANY(DatumGetPointer(elems[i]));
		len[i] = VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i]));
	}
	jsonb_keys_init(k, key, len, n);
}

static KeyCache *
keys_of(FunctionCallInfo fcinfo)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(1);
	KeyCache   *kc = (KeyCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;

	/* a constant or parameter (as in the checks) is the same every row */
	if (kc != NULL && (kc->stable ||
					   (VARSIZE(kc->source) == VARSIZE(a) && memcmp(kc->source, a, VARSIZE(a)) == 0)))
		return kc;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	kc = (KeyCache *) palloc0(sizeof(KeyCache));
	kc->source = (ArrayType *) palloc(VARSIZE(a));
	memcpy(kc->source, a, VARSIZE(a));
	jsonb_keys_from_array(&kc->keys, kc->source);
	MemoryContextSwitchTo(old);
	kc->stable = get_fn_expr_arg_stable(fcinfo->flinfo, 1);
	fcinfo->flinfo->fn_extra = kc;
	return kc;
}

/* The object container of the features argument, or NULL when it is not an object. */
static JsonbContainer *
object_of(FunctionCallInfo fcinfo)
{
	Jsonb	   *jb;

	if (PG_ARGISNULL(0))
		return NULL;
	jb = PG_GETARG_JSONB_P(0);
	if (!JB_ROOT_IS_OBJECT(jb))
		return NULL;
	return &jb->root;
}

/* Element i of a result: the value under keys[i] (NULL when absent), or SQL NULL. */
typedef Datum (*convert_fn) (JsonbValue *v, bool *isnull);

/* The value of JEntry e whose data starts at base + off (as jsonb_util.c's fillJsonbValue reads it). */
static void
entry_value(JEntry e, const char *base, uint32 off, uint32 len, JsonbValue *v)
{
	if (JBE_ISSTRING(e))
	{
		v->type = jbvString;
		v->val.string.val = unconstify(char *, base + off);
		v->val.string.len = (int) len;
	}
	else if (JBE_ISNUMERIC(e))
	{
		v->type = jbvNumeric;
		v->val.numeric = (Numeric) unconstify(char *, base + INTALIGN(off));
	}
	else if (JBE_ISBOOL_TRUE(e) || JBE_ISBOOL_FALSE(e))
	{
		v->type = jbvBool;
		v->val.boolean = JBE_ISBOOL_TRUE(e);
	}
	else if (JBE_ISNULL(e))
		v->type = jbvNull;
	else
		v->type = jbvBinary;	/* an object or array: neither a number nor a category */
}

/*
 * The values under the keys, by one walk over the object's keys (stored in
 * jsonb's key order) beside the requested keys in the same order: no binary
 * search per key, and each entry's offset computed once from the previous
 * one instead of from the nearest stored offset.  Object keys not among
 * the requested ones go to `other` (when given), in jsonb's key order.
 */
void
jsonb_lookup_keys(JsonbContainer *obj, const JsonbKeys *k, JsonbValue *out, bool *found,
				  void (*other) (void *arg, const char *key, int len), void *arg)
{
	int			n = JsonContainerSize(obj);
	const char *base = (const char *) &obj->children[2 * n];
	uint32		soff[2 * 32 + 1],
			   *off = n <= 32 ? soff : (uint32 *) palloc(sizeof(uint32) * (2 * n + 1));
	uint32		o = 0;
	int			i,
				j,
				matched = -1;

	for (j = 0; j < k->n; j++)
		found[j] = false;
	/* start offsets of the n keys and n values, and the end of the last */
	for (i = 0; i < 2 * n; i++)
	{
		JEntry		e = obj->children[i];

		off[i] = o;
		o = JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : o + JBE_OFFLENFLD(e);
	}
	off[2 * n] = o;
	i = 0;
	for (j = 0; j < k->n; j++)
	{
		int			q = k->order[j];
		int			c = 1;

		/* object keys before the j-th requested one: not requested unless an equal one just was */
		while (i < n &&
			   (c = jsonb_key_cmp(base + off[i], (int) (off[i + 1] - off[i]), k->key[q], k->len[q])) < 0)
		{
			if (other && i != matched)
				other(arg, base + off[i], (int) (off[i + 1] - off[i]));
			i++;
		}
		if (i < n && c == 0)
		{
			/* (a key requested twice gets the value twice) */
			entry_value(obj->children[n + i], base, off[n + i], off[n + i + 1] - off[n + i], &out[q]);
			found[q] = true;
			matched = i;
		}
	}
	for (; other && i < n; i++)
		if (i != matched)
			other(arg, base + off[i], (int) (off[i + 1] - off[i]));
	if (off != soff)
		pfree(off);
}

static ArrayType *
lookup_all(FunctionCallInfo fcinfo, convert_fn convert, Oid elemtype, int elemlen, bool byval, char align)
{
	const JsonbKeys *k = &keys_of(fcinfo)->keys;
	JsonbContainer *obj = object_of(fcinfo);
	Datum	   *values = (Datum *) palloc(Max(k->n, 1) * sizeof(Datum));
	bool	   *nulls = (bool *) palloc(Max(k->n, 1) * sizeof(bool));
	JsonbValue *v = (JsonbValue *) palloc(Max(k->n, 1) * sizeof(JsonbValue));
	bool	   *found = (bool *) palloc(Max(k->n, 1) * sizeof(bool));
	int			i,
				dims[1],
				lbs[1] = {1};

	if (obj != NULL)
		jsonb_lookup_keys(obj, k, v, found, NULL, NULL);
	for (i = 0; i < k->n; i++)
	{
		nulls[i] = false;
		values[i] = convert(obj != NULL && found[i] ? &v[i] : NULL, &nulls[i]);
	}
	dims[0] = k->n;
	return construct_md_array(values, nulls, 1, dims, lbs, elemtype, elemlen, byval, align);
}

double
jsonb_value_number(const JsonbValue *v)
{
	if (v->type == jbvNumeric)
		return numeric_to_double(v->val.numeric);
	return get_float8_nan();
}

char *
jsonb_value_category(const JsonbValue *v, int *len)
{
	char	   *s;

	switch (v->type)
	{
		case jbvString:
			*len = v->val.string.len;
			return v->val.string.val;
		case jbvNumeric:
			s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			*len = (int) strlen(s);
			return s;
		case jbvBool:
			*len = v->val.boolean ? 4 : 5;
			return v->val.boolean ? "true" : "false";
		default:
			return NULL;
	}
}

static Datum
number_of(JsonbValue *v, bool *isnull)
{
	if (v == NULL || v->type == jbvNull)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return Float8GetDatum(jsonb_value_number(v));
}

static Datum
category_of(JsonbValue *v, bool *isnull)
{
	int			len;
	char	   *s = v != NULL ? jsonb_value_category(v, &len) : NULL;

	if (s == NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

Datum
mlm_jsonb_numbers(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(lookup_all(fcinfo, number_of, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum
mlm_jsonb_categories(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(lookup_all(fcinfo, category_of, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Walk the object's keys (stored in jsonb's key order) and the requested
 * keys in the same order together: O(keys), no per-row allocation.
 */
Datum
mlm_jsonb_has_other_keys(PG_FUNCTION_ARGS)
{
	const JsonbKeys *kc;
	JsonbContainer *obj;
	int			n,
				i,
				j = 0;
	const char *base;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	kc = &keys_of(fcinfo)->keys;
	obj = object_of(fcinfo);
	if (obj == NULL)
		PG_RETURN_BOOL(false);
	n = JsonContainerSize(obj);
	if (n > kc->n)
		PG_RETURN_BOOL(true);
	base = (const char *) &obj->children[2 * n];
	for (i = 0; i < n; i++)
	{
		const char *k = base + getJsonbOffset(obj, i);
		int			klen = getJsonbLength(obj, i);
		int			c = 1;

		while (j < kc->n &&
			   (c = jsonb_key_cmp(kc->key[kc->order[j]], kc->len[kc->order[j]], k, klen)) < 0)
			j++;
		if (j == kc->n || c != 0)
			PG_RETURN_BOOL(true);
		j++;
	}
	PG_RETURN_BOOL(false);
}

/*
 * _fence() returns 0 and is VOLATILE on purpose: a subquery whose target
 * list calls it is not flattened into the query above, so the feature
 * arrays it computes are computed once per row, not once per reference;
 * unlike OFFSET 0 it leaves parallel partial aggregation possible.
 */
PG_FUNCTION_INFO_V1(mlm_fence);

Datum
mlm_fence(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(0);
}
