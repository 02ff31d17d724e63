/*
 * jsonb_features.h: reading the features of a logged prediction (a jsonb
 * object) by one walk over its keys, for the SQL extractors and for the
 * aggregates that summarise a check's rows (jsonb_features.c).
 */
#ifndef MLMON_JSONB_FEATURES_H
#define MLMON_JSONB_FEATURES_H

#include "postgres.h"

#include "utils/array.h"
#include "utils/jsonb.h"

/* Requested keys, with their order in jsonb's key order (length, then bytes). */
typedef struct JsonbKeys
{
	int			n;
	char	  **key;
	int		   *len;
	int		   *order;
} JsonbKeys;

/* Keys from n strings (kept by reference), ordered in the current memory context. */
extern void jsonb_keys_init(JsonbKeys *k, char **key, int *len, int n);

/* Keys from a text[] (its elements kept by reference); errors on NULL elements or more than one dimension. */
extern void jsonb_keys_from_array(JsonbKeys *k, ArrayType *a);

/*
 * Look every requested key up in the object container obj: found[i] tells
 * whether keys i is there and out[i] holds its value (jbvBinary for an
 * object or array, jbvNull for JSON null).  Each key of obj that is not
 * requested is passed to other(arg, key, len), when other is given.
 */
extern void jsonb_lookup_keys(JsonbContainer *obj, const JsonbKeys *k, JsonbValue *out, bool *found,
							  void (*other) (void *arg, const char *key, int len), void *arg);

/* A JSON number as the nearest double (Python's float()); NaN for anything else. */
extern double jsonb_value_number(const JsonbValue *v);

/* A scalar as the text ->> gives (strings as they are, numbers and booleans printed); NULL for null, objects and arrays. */
extern char *jsonb_value_category(const JsonbValue *v, int *len);

#endif
