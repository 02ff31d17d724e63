/*
 * profile.h: the mlmon.profile type inside PostgreSQL: its varlena form
 * (8-byte aligned payload in the core's flat layout) and the expanded
 * builder the aggregates update in place.
 */
#ifndef MLMON_PROFILE_H
#define MLMON_PROFILE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/expandeddatum.h"

#include "core/profile.h"
#include "core/qsketch.h"
#include "core/wsample.h"

/*
 * The varlena form: a 4-byte length, 4 bytes of padding, then the flat
 * profile.  With the type's double alignment the flat profile starts
 * 8-aligned both in tuples and in palloc'd copies.
 */
#define PROFILE_HDRSZ 8
#define PROFILE_PAYLOAD(vl) ((const void *) ((const char *) (vl) + PROFILE_HDRSZ))
#define PROFILE_PAYLOAD_SIZE(vl) ((Size) VARSIZE(vl) - PROFILE_HDRSZ)

/* Default cap on exact distinct values (GUC mlmon.profile_exact_cap). */
#define PROFILE_DEFAULT_CAP 10000

extern int	mlm_profile_exact_cap;

/* A profile read from a function argument, with views of its contents. */
typedef struct ProfileArg
{
	struct varlena *vl;
	mlm_profile_view view;
} ProfileArg;

/* Detoast and view argument argno (a mlmon.profile). */
extern void profile_arg(FunctionCallInfo fcinfo, int argno, ProfileArg *p);

/* Error out unless the profile has the expected kind (for the named function argument). */
extern void profile_require_kind(const ProfileArg *p, int kind, const char *what);

/*
 * The distribution of a numeric profile as a sorted sample with counts
 * (exact: its values; sketch: its levels merged), in palloc'd memory.
 */
extern mlm_wsample profile_view_sample(const mlm_profile_view *v);

/* Bound on the distance between the profile's ECDF and the exact one (0 when exact). */
extern double profile_ecdf_error(const mlm_profile_hdr *h);

/* Build a varlena profile around a flat payload of `size` bytes. */
extern struct varlena *profile_from_payload(const void *payload, Size size);

/* Cap argument: from the call, or the GUC when absent; validated. */
extern int	profile_cap_arg(FunctionCallInfo fcinfo, int argno);

#endif
