/*
 * summary.h: the portable form of a summary (mlmon.check_summary), the mergeable
 * state of a model's rows in one time bucket, and its validation.
 *
 * A summary is a list of sections, each with an id (what it summarises:
 * chosen by the code that builds it) and a kind (how it merges):
 *
 *   COUNTS      int64[n]                      merged by adding
 *   SUMS        compensated sums [n]           merged by adding (Neumaier)
 *   PROFILE     a profile (profile.h)          merged as profiles merge
 *   GRID        counts of values in the cells of a grid of g points (cell
 *               2j+1 is grid point j, cell 2j the open interval below it),
 *               and the largest value in each open cell: sparse, merged by
 *               adding counts and keeping maxima
 *   KEYS        counts of keys of one or two byte strings, sorted; at most
 *               cap keys are kept (the smallest), merged by adding
 *   REGRESSION  running sums of a regression's errors (metrics.h)
 *   STREAM      values in time order: open (time, value) pairs while a
 *               bucket is read, closed (sorted by time, then value, times
 *               dropped, 0/1 values as bits) once it is complete; closed
 *               streams of disjoint time spans merge by concatenation in
 *               time order, keeping each span as a segment
 *   SCORES      per actual label (at most two): rows, four compensated
 *               sums and a numeric profile of the scores; a third label
 *               marks the section as overflowing (score metrics are then
 *               undefined)
 *
 * The wire form (the varlena payload, the binary send/receive form, and,
 * base64-encoded, the text form) is big-endian and portable:
 *
 *   uint8 version, uint8 0, uint16 0, uint32 nsections
 *   per section (ids strictly ascending): uint32 id, uint8 kind, 3 zero
 *   bytes, uint64 payload length, the payload:
 *     COUNTS      uint64 n, n x int64
 *     SUMS        uint64 n, n x (float64 sum, float64 compensation)
 *     PROFILE     the profile's wire form (profile.h)
 *     GRID        uint64 cells (2g + 1), uint64 n, n x (uint64 cell, int64
 *                 count > 0, float64 largest value: NaN for grid points);
 *                 cells strictly ascending
 *     KEYS        uint8 arity (1 or 2), uint8 truncated, 6 zero bytes,
 *                 uint64 cap (0: none), uint64 n, n x (arity x (uint32 len,
 *                 bytes), int64 count > 0); strictly ascending; n <= cap
 *     REGRESSION  int64 n, 3 x (float64, float64) sums of |e|, e^2 and
 *                 |e|/|y|, float64 mean of y, float64 sum of squared
 *                 deviations of y
 *     STREAM      uint8 closed, uint8 binary, 6 zero bytes, uint64 n; open:
 *                 n x (int64 time, float64 value); closed: uint64 nseg,
 *                 nseg x (int64 first, int64 last, uint64 count) with
 *                 first <= last < next first and counts summing to n, then
 *                 the values: binary, ceil(n / 8) bytes (value i is bit
 *                 i % 8 of byte i / 8, unused bits 0), else n x float64
 *     SCORES      uint8 overflow, uint8 labels (0 to 2; 0 when overflow),
 *                 6 zero bytes; per label (ascending, distinct): uint32
 *                 len, bytes, int64 rows, 4 x (float64, float64), uint64
 *                 profile length, the profile's wire form
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_SUMMARY_H
#define MLM_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "summation.h"

#define MLM_SUMMARY_VERSION 1

#define MLM_SEC_COUNTS 1
#define MLM_SEC_SUMS 2
#define MLM_SEC_PROFILE 3
#define MLM_SEC_GRID 4
#define MLM_SEC_KEYS 5
#define MLM_SEC_REGRESSION 6
#define MLM_SEC_STREAM 7
#define MLM_SEC_SCORES 8

/* Sums kept per label by a SCORES section. */
#define MLM_SCORE_SUMS 4

/* A byte string inside a decoded summary (not NUL-terminated). */
typedef struct mlm_bytes
{
	const char *data;
	uint32_t	len;
} mlm_bytes;

/* A flat profile (profile.h), checked, in memory of its own. */
typedef struct mlm_flat_profile
{
	void	   *buf;
	size_t		len;
} mlm_flat_profile;

typedef struct mlm_section
{
	uint32_t	id;
	uint8_t		kind;
	int64_t		n;				/* COUNTS, SUMS: length; GRID, KEYS: entries; STREAM: values; SCORES: labels */
	int64_t    *counts;			/* COUNTS: [n]; GRID: [n]; KEYS: [n] */
	mlm_ksum   *sums;			/* SUMS: [n]; SCORES: [labels x MLM_SCORE_SUMS] */
	mlm_flat_profile profile;	/* PROFILE */
	/* GRID */
	int64_t		ncells;
	int64_t    *cell;			/* [n] */
	double	   *max;			/* [n] */
	/* KEYS */
	int			arity;
	int			truncated;
	int64_t		cap;
	mlm_bytes  *key;			/* [n x arity] */
	/* REGRESSION */
	mlm_regression_acc reg;
	/* STREAM */
	int			closed;
	int			binary;
	int64_t    *ts;				/* open: [n] */
	double	   *values;			/* [n] */
	int64_t		nseg;			/* closed */
	int64_t    *seg_first;
	int64_t    *seg_last;
	int64_t    *seg_n;
	/* SCORES */
	int			overflow;
	mlm_bytes	label[2];
	int64_t		rows[2];
	mlm_flat_profile scores[2];
} mlm_section;

/* A section of a wire form, not decoded yet. */
typedef struct mlm_section_ref
{
	uint32_t	id;
	uint8_t		kind;
	const unsigned char *payload;
	size_t		len;
} mlm_section_ref;

/* A wire form opened: its section table (payloads point into the wire). */
typedef struct mlm_summary_wire
{
	uint32_t	nsections;
	mlm_section_ref *ref;		/* ids strictly ascending */
} mlm_summary_wire;

/* Decoded sections, for encoding. */
typedef struct mlm_summary
{
	uint32_t	nsections;
	mlm_section *sec;			/* ids strictly ascending */
} mlm_summary;

/*
 * Open the wire form wire[0..len): check its header and section table
 * (ids ascending, every payload inside the form).  0 when valid, -1 with a
 * message (lower case, no final period) in err otherwise.  The section
 * table comes from mlm_core_env->alloc and points into wire.
 */
int			mlm_summary_open(const void *wire, size_t len, mlm_summary_wire *w, char *err, size_t errlen);

/* The section with this id, or NULL. */
const mlm_section_ref *mlm_summary_find(const mlm_summary_wire *w, uint32_t id);

/*
 * Decode and check one section: arrays and profiles (checked flat forms)
 * from mlm_core_env->alloc, byte strings pointing into the wire form, which
 * must outlive it.  0 when valid, -1 with a message in err.
 */
int			mlm_summary_section(const mlm_section_ref *r, mlm_section *out, char *err, size_t errlen);

/* Open the wire form and decode every section: the full check of an untrusted value. */
int			mlm_summary_check(const void *wire, size_t len, char *err, size_t errlen);

/*
 * The wire form of a summary (sections in ascending id order, each valid as
 * decode requires), in memory from mlm_core_env->alloc, its size in *len;
 * NULL with a message in err when a section breaks a rule or the form
 * would exceed limit bytes.
 */
void	   *mlm_summary_encode(const mlm_summary *s, size_t limit, size_t *len, char *err, size_t errlen);

/* Order of two keys of `arity` byte strings: each part in byte order, a shorter one first on a common prefix. */
int			mlm_keys_cmp(const mlm_bytes *a, const mlm_bytes *b, int arity);

#endif
