/*
 * profile.h: the flat form of a reference profile (mlmon.profile), its
 * validation and its two external forms (JSON text and a portable binary
 * wire format).
 *
 * A profile summarises one feature's distribution.  The flat form is what
 * PostgreSQL stores (after a varlena header): native byte order, every array
 * 8-byte aligned, so it can be read in place.  Untrusted bytes (text input,
 * binary receive) are parsed and checked by mlm_profile_check before any
 * other function reads them.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_PROFILE_H
#define MLM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define MLM_PROFILE_VERSION 1

#define MLM_PROFILE_NUMERIC 1
#define MLM_PROFILE_CATEGORICAL 2

#define MLM_PROFILE_EXACT 0
#define MLM_PROFILE_SKETCH 1

/* Numeric sketches have at most this many levels (weights 2^0 .. 2^61). */
#define MLM_PROFILE_MAX_LEVELS 62
/* Limits on the size parameter (exact cap / sketch size). */
#define MLM_PROFILE_MIN_CAP 1
#define MLM_PROFILE_MAX_CAP 1000000

/*
 * Layout, after this header (all in native byte order):
 *
 * numeric, exact:   double values[nentries]    strictly ascending, finite
 *                   int64  counts[nentries]    each > 0, sum = count
 *
 * numeric, sketch:  int64  level_len[nlevels]  sum = nentries
 *                   double values[nentries]    level 0's values ascending,
 *                                              then level 1's, ...; finite;
 *                                              an item of level h stands for
 *                                              2^h values, so
 *                                              sum level_len[h] * 2^h = count
 *
 * categorical:      int64  counts[nentries]    each > 0
 *                   int32  lens[nentries]      each >= 0
 *                   (padding to 8 bytes)
 *                   char   bytes[sum of lens]  the categories one after the
 *                                              other, strictly ascending in
 *                                              byte order (memcmp, then
 *                                              shorter first), no NUL byte
 *                   (padding to 8 bytes)
 *                   sum counts + other = count; other = 0 when exact
 *
 * The total size is exactly mlm_profile_size().
 */
typedef struct mlm_profile_hdr
{
	uint8_t		version;		/* MLM_PROFILE_VERSION */
	uint8_t		kind;			/* MLM_PROFILE_NUMERIC or _CATEGORICAL */
	uint8_t		mode;			/* MLM_PROFILE_EXACT or _SKETCH */
	uint8_t		nlevels;		/* numeric sketch: levels; otherwise 0 */
	int32_t		cap;			/* exact: distinct-value cap; sketch: size parameter */
	int64_t		count;			/* values summarised: finite numbers or non-NULL categories */
	int64_t		nulls;			/* NULLs seen */
	int64_t		nan;			/* numeric: NaN seen (not in count); categorical: 0 */
	int64_t		posinf;			/* numeric: +Infinity seen (not in count); categorical: 0 */
	int64_t		neginf;			/* numeric: -Infinity seen (not in count); categorical: 0 */
	double		min;			/* numeric: of the finite values; NaN when count = 0 or categorical */
	double		max;
	double		mean;
	double		m2;				/* sum of squared deviations from the mean (Chan) */
	double		rank_error;		/* bound on |estimated - true| count at or below any x; 0 when exact */
	int64_t		nentries;		/* values (numeric) or categories (categorical) listed */
	int64_t		other;			/* categorical sketch: values of unlisted categories */
	uint64_t	parity;			/* numeric sketch: bit h = next compaction offset of level h */
} mlm_profile_hdr;

/* Round n up to a multiple of 8. */
#define MLM_ALIGN8(n) (((n) + (size_t) 7) & ~(size_t) 7)

/*
 * Size in bytes of a profile with this header and, for categorical
 * profiles, `catbytes` bytes of category text; 0 if it would overflow
 * size_t or exceed `limit`.
 */
size_t		mlm_profile_size(const mlm_profile_hdr *h, size_t catbytes, size_t limit);

/* Pointers into a checked flat profile. */
typedef struct mlm_profile_view
{
	const mlm_profile_hdr *h;
	const double *values;		/* numeric */
	const int64_t *counts;		/* numeric exact, categorical */
	const int64_t *level_len;	/* numeric sketch */
	const int32_t *lens;		/* categorical */
	const char *bytes;			/* categorical */
} mlm_profile_view;

/* Fill v for the flat profile at buf (which must have passed mlm_profile_check). */
void		mlm_profile_view_of(const void *buf, mlm_profile_view *v);

/*
 * Check that buf[0..len) is a well-formed flat profile (8-byte aligned
 * buffer): every rule of the layout above, every size computed without
 * overflow and never reading outside the buffer.  Returns 0 when it is, or
 * -1 with a message (lower case, no final period) in err.
 */
int			mlm_profile_check(const void *buf, size_t len, char *err, size_t errlen);

/*
 * The JSON text form of a checked flat profile, NUL-terminated, in memory
 * from mlm_core_env->alloc.  Floating-point values are written with 17
 * significant digits, so mlm_profile_from_json gives back the same bytes.
 */
char	   *mlm_profile_to_json(const void *buf, size_t len);

/*
 * Parse the JSON text form (text[0..len), not necessarily NUL-terminated)
 * into a checked flat profile in memory from mlm_core_env->alloc; its size
 * in *outlen.  NULL with a message in err on any error.
 */
void	   *mlm_profile_from_json(const char *text, size_t len, size_t *outlen,
								  char *err, size_t errlen);

/*
 * The binary wire form of a checked flat profile (big-endian, starting with
 * the version byte), in memory from mlm_core_env->alloc; its size in *wirelen.
 */
void	   *mlm_profile_to_wire(const void *buf, size_t len, size_t *wirelen);

/* Parse the wire form into a checked flat profile; NULL with a message in err on any error. */
void	   *mlm_profile_from_wire(const void *wire, size_t wirelen, size_t *outlen,
								  char *err, size_t errlen);

#endif
