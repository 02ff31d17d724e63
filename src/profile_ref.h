/*
 * profile_ref.h: the reference-profile argument of the (value, profile)
 * aggregates, kept once per state and checked cheaply on later rows.
 */
#ifndef MLMON_PROFILE_REF_H
#define MLMON_PROFILE_REF_H

#include "profile.h"

typedef struct ProfileRef
{
	struct varlena *profile;	/* the profile, detoasted and aligned, in the state's context */
	struct varlena *raw;		/* the first row's argument as passed (maybe a TOAST pointer) */
	Pointer		last;			/* the argument's address, for large profiles computed in the query */
} ProfileRef;

/*
 * Keep the profile in argument argno (first call, in mcxt) or check that
 * it is still the same profile: by comparing the argument as passed (a
 * TOAST pointer is 18 bytes; small profiles are compared whole), or for a
 * large profile computed in the query by its unchanged address, else by
 * comparing the whole profile.  Returns true on the first call.
 */
extern bool profile_ref_arg(ProfileRef *ref, FunctionCallInfo fcinfo, int argno, MemoryContext mcxt);

/*
 * A copy in mcxt, aligned, of a profile that may sit unaligned in a
 * serialized state.
 */
extern struct varlena *profile_ref_copy(const void *profile, MemoryContext mcxt);

/*
 * Combine the reference profile of another partial state into *mine: kept
 * when *mine has none (copied into mcxt), else checked to be the same
 * profile (an error otherwise: a plan that aggregates parts of a group
 * separately must not mix references).  other may be NULL or unaligned.
 */
extern void profile_ref_merge(struct varlena **mine, const void *other, MemoryContext mcxt);

#endif
