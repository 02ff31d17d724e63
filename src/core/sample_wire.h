/*
 * sample_wire.h: the portable binary form of the partial state of the
 * numeric two-sample aggregates (mlmon.sample_state): every finite value of
 * the reference and current samples, the options, and the reference
 * profile of the (value, profile) forms.
 *
 * Layout (big-endian):
 *   u8  version (MLM_SAMPLE_WIRE_VERSION)
 *   u8  KS alternative (0..2), u8 KS method (0..3), u8 binning (0..1)
 *   u32 number of bins (1..max_bins), u32 zero (so that the values of a
 *   varlena with a 4-byte header at an 8-byte boundary are aligned)
 *   u64 reference values, u64 current values,
 *   u64 bytes of the reference profile's wire form (0: none; with one, the
 *   reference sample is empty)
 *   the reference values then the current values (IEEE 754 bits), each
 *   sample ascending, finite, no -0.0
 *   the reference profile's wire form (core/profile.h), checked by its own
 *   reader
 * The form is canonical: one state has one encoding (the values sorted, the
 * options always all present), so equal states have equal text forms.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SAMPLE_WIRE_H
#define MLM_SAMPLE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define MLM_SAMPLE_WIRE_VERSION 1
#define MLM_SAMPLE_WIRE_HEADER 36

typedef struct mlm_sample_wire
{
	uint8_t		alternative;
	uint8_t		method;
	uint8_t		binning;
	int32_t		bins;
	int64_t		n_ref;
	int64_t		n_cur;
	const unsigned char *ref;	/* the reference values (big-endian) */
	const unsigned char *cur;	/* the current values (big-endian) */
	const unsigned char *profile;	/* the profile's wire form, or NULL */
	size_t		profile_len;
} mlm_sample_wire;

/* Write the header at p[0..MLM_SAMPLE_WIRE_HEADER). */
void		mlm_sample_wire_put_header(unsigned char *p, const mlm_sample_wire *w);

/* Write v[0..n) at p; returns the byte after them. */
unsigned char *mlm_sample_wire_put_values(unsigned char *p, const double *v, int64_t n);

/* Turn v[0..n) into their wire form in place (v may then be written out as bytes). */
void		mlm_sample_wire_values_in_place(double *v, int64_t n);

/* Read n values of a checked form at p into v[0..n). */
void		mlm_sample_wire_get_values(const unsigned char *p, double *v, int64_t n);

/*
 * Check buf[0..len) against every rule of the layout (the profile's bytes
 * excepted: parse them with mlm_profile_from_wire) and fill w.  Returns 0,
 * or -1 with a message (lower case, no final period) in err.
 */
int			mlm_sample_wire_check(const void *buf, size_t len, int max_bins,
								  mlm_sample_wire *w, char *err, size_t errlen);

#endif
