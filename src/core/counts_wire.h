/*
 * counts_wire.h: the portable binary form of mlmon.profile_counts_state,
 * the partial state of ks_2samp, psi and jensen_shannon (value, reference
 * profile): the reference profile and the current values counted on its
 * grid cells (KS) or its quantile bins (PSI, Jensen-Shannon).
 *
 * Layout (big-endian, no padding):
 *   u8  version (MLM_COUNTS_WIRE_VERSION)
 *   u8  kind (MLM_COUNTS_KS or MLM_COUNTS_BINS)
 *   u8  KS alternative, u8 KS method (0 for bins)
 *   u32 bins (0 for KS)
 *   u64 current values n2 (the sum of the counts)
 *   u64 number of counts (KS: 2k + 1 for a grid of k values, odd)
 *   u64 bytes of the reference profile's wire form (core/profile.h)
 *   the reference profile's wire form, checked by its own reader
 *   the counts, each an unsigned LEB128 varint of minimal length
 *   KS only: for each open cell j (count index 2j) with a non-zero count,
 *   in order, the largest current value in it (float64 bits, finite)
 *   nothing after.
 * The form is canonical: one state has one encoding.  Counts are varints
 * because most grid cells hold few values: a state is usually a little
 * larger than its profile.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_COUNTS_WIRE_H
#define MLM_COUNTS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define MLM_COUNTS_WIRE_VERSION 1
#define MLM_COUNTS_WIRE_HEADER 32
#define MLM_COUNTS_KS 1
#define MLM_COUNTS_BINS 2

typedef struct mlm_counts_wire
{
	uint8_t		kind;
	uint8_t		alternative;
	uint8_t		method;
	uint32_t	bins;
	int64_t		n2;
	int64_t		ncounts;
	const unsigned char *profile;	/* the profile's wire form */
	size_t		profile_len;
	const unsigned char *counts;	/* the first varint (set by the check) */
	const unsigned char *maxima;	/* KS: the first cell maximum (set by the check) */
} mlm_counts_wire;

/*
 * Bytes of the form of w (kind, options, n2, ncounts, profile) with these
 * counts and, for KS, cell maxima (ncounts / 2 + 1 of them, one per open
 * cell).  0 if it would exceed max_size.
 */
size_t		mlm_counts_wire_size(const mlm_counts_wire *w, const int64_t *counts, size_t max_size);

/* Write the form into p (mlm_counts_wire_size bytes). */
void		mlm_counts_wire_write(unsigned char *p, const mlm_counts_wire *w, const int64_t *counts,
								  const double *maxima);

/*
 * Check buf[0..len) against every rule of the layout (the profile's bytes
 * excepted: parse them with mlm_profile_from_wire) and fill w.  Returns 0,
 * or -1 with a message (lower case, no final period) in err.  KS options
 * above the given maxima are refused.
 */
int			mlm_counts_wire_check(const void *buf, size_t len, int max_alternative, int max_method,
								  mlm_counts_wire *w, char *err, size_t errlen);

/*
 * The counts (w->ncounts) and, for KS, the cell maxima (w->ncounts / 2 + 1,
 * -infinity for an empty cell) of a checked form.
 */
void		mlm_counts_wire_read(const mlm_counts_wire *w, int64_t *counts, double *maxima);

#endif
