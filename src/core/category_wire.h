/*
 * category_wire.h: the portable binary form of a categorical drift
 * aggregate's partial state (mlmon.category_state): the categories counted
 * in the reference and current samples, and the reference profile of the
 * (category, profile) forms.
 *
 * Layout (big-endian):
 *   u8  version: 1, or 2 for the state of mlmon.tvd with a number of
 *       permutations (MLM_CATEGORY_WIRE_VERSION_PERMUTATIONS)
 *   u8  chi2 method, u8 argument kind (0 text, 1 boolean, 2 bigint), u8 zero
 *   u64 number of categories, u64 reference total, u64 current total,
 *   u64 bytes of the reference profile's wire form (0: none)
 *   version 2 only: u32 number of permutations (1 to MLM_TVD_MAX_PERMUTATIONS)
 *   per category, in strictly ascending byte order (memcmp on the common
 *   prefix, then shorter first): u32 length, the bytes, u64 reference
 *   count, u64 current count (not both zero; the totals are their sums)
 *   the reference profile's wire form (core/profile.h), checked by its own
 *   reader
 * The form is canonical: one state has one encoding, so equal states have
 * equal text forms (a state without permutations is always version 1).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CATEGORY_WIRE_H
#define MLM_CATEGORY_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define MLM_CATEGORY_WIRE_VERSION 1
#define MLM_CATEGORY_WIRE_VERSION_PERMUTATIONS 2
#define MLM_CATEGORY_WIRE_HEADER 36 /* version 1; version 2 adds 4 bytes */
#define MLM_CATEGORY_WIRE_ENTRY_FIXED 20	/* u32 length, u64, u64 */
#define MLM_CATEGORY_ARG_TEXT 0
#define MLM_CATEGORY_ARG_BOOL 1
#define MLM_CATEGORY_ARG_INT8 2

typedef struct mlm_category_wire
{
	uint8_t		chi2_method;
	uint8_t		argkind;
	int64_t		ncat;
	int64_t		n_ref;
	int64_t		n_cur;
	const unsigned char *entries;	/* the first entry */
	const unsigned char *profile;	/* the profile's wire form, or NULL */
	size_t		profile_len;
	int32_t		permutations;	/* tvd's number of permutations, 0: none (version 1) */
} mlm_category_wire;

/* The bytes of w's header: MLM_CATEGORY_WIRE_HEADER, 4 more with permutations. */
size_t		mlm_category_wire_header_size(const mlm_category_wire *w);

/* Write the header at p[0..mlm_category_wire_header_size(w)). */
void		mlm_category_wire_put_header(unsigned char *p, const mlm_category_wire *w);

/* Write one entry at p; returns the byte after it. */
unsigned char *mlm_category_wire_put_entry(unsigned char *p, const char *data, uint32_t len,
										   int64_t ref, int64_t cur);

/*
 * Check buf[0..len) against every rule of the layout (the profile's bytes
 * excepted: parse them with mlm_profile_from_wire) and fill w.  Returns 0,
 * or -1 with a message (lower case, no final period) in err.  Methods above
 * max_chi2_method are refused.
 */
int			mlm_category_wire_check(const void *buf, size_t len, int max_chi2_method,
									mlm_category_wire *w, char *err, size_t errlen);

/* Read the entry at p of a checked form; returns the next entry. */
const unsigned char *mlm_category_wire_entry(const unsigned char *p, const char **data, uint32_t *len,
											 int64_t *ref, int64_t *cur);

#endif
