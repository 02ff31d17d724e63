/*
 * profile_builder.h: building and merging profiles in place, as an
 * expanded object, so an aggregate with the state type mlmon.profile does
 * not re-encode the profile at every row.
 */
#ifndef MLMON_PROFILE_BUILDER_H
#define MLMON_PROFILE_BUILDER_H

#include "profile.h"
#include "catcount.h"

typedef struct ProfileBuilder ProfileBuilder;

/* A new, empty builder of the given kind (MLM_PROFILE_NUMERIC or _CATEGORICAL) in a child of parent. */
extern ProfileBuilder *profile_builder_new(MemoryContext parent, int kind, int cap);

/* A builder holding the contents of a flat profile. */
extern ProfileBuilder *profile_builder_expand(MemoryContext parent, const mlm_profile_view *v);

/* The builder behind a mlmon.profile datum we may modify, or NULL if the datum is not one. */
extern ProfileBuilder *profile_builder_from_datum(Datum d);

/* The read-write datum of a builder. */
extern Datum profile_builder_datum(ProfileBuilder *b);

extern int	profile_builder_kind(const ProfileBuilder *b);
extern int	profile_builder_cap(const ProfileBuilder *b);

/*
 * Batch a numeric builder's numbers, n at a time: they are sorted and counted
 * when n have come or the builder is read (faster per number; a sketch built
 * this way differs from one built number by number, within the same kind of
 * bound).
 */
extern void profile_builder_batch(ProfileBuilder *b, int64 n);

extern void profile_builder_add_null(ProfileBuilder *b);
extern void profile_builder_add_number(ProfileBuilder *b, double v);
extern void profile_builder_add_category(ProfileBuilder *b, const char *data, int32 len);

/* Add the contents of a flat profile of the same kind. */
extern void profile_builder_merge(ProfileBuilder *b, const mlm_profile_view *v);

/* The builder's profile as a new varlena in the current memory context. */
extern struct varlena *profile_builder_flat(ProfileBuilder *b);

#endif
