/*
 * embedding_ratio_wire.h: the portable binary form of mlmon.embedding_ratio's
 * partial state (mlmon.embedding_ratio_state), what parallel workers send
 * to the leader and Citus ships as text (in base64).
 *
 * Layout (big-endian), MLM_EMB_RATIO_WIRE_HEADER bytes then the rows:
 *   u8 version (MLM_EMB_RATIO_WIRE_VERSION), u8 elem_size (0, 4 or 8),
 *   2 zero bytes, i32 dim (0 .. max_dim)
 *   double component_threshold, threshold (finite)
 *   i64 n_ref, n_cur, skipped_null, skipped_length, skipped_component (>= 0)
 *   then n_ref reference rows and n_cur current rows, row after row, each
 *   dim components of elem_size bytes (IEEE 754 bits of a float or a
 *   double), all finite
 * dim and elem_size are 0 exactly when there is no row.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_EMBEDDING_RATIO_WIRE_H
#define MLM_EMBEDDING_RATIO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define MLM_EMB_RATIO_WIRE_VERSION 1
#define MLM_EMB_RATIO_WIRE_HEADER 64

typedef struct mlm_emb_ratio_wire
{
	int			elem_size;
	int32_t		dim;
	double		component_threshold;
	double		threshold;
	int64_t		n[2];			/* reference, current rows */
	int64_t		skipped_null;
	int64_t		skipped_length;
	int64_t		skipped_component;
	const unsigned char *rows;	/* the rows, when read by mlm_emb_ratio_wire_check */
} mlm_emb_ratio_wire;

/* The size of the form of w's header and rows, or 0 when it passes limit bytes. */
size_t		mlm_emb_ratio_wire_size(const mlm_emb_ratio_wire *w, size_t limit);

/* Write w's header at p[0..MLM_EMB_RATIO_WIRE_HEADER). */
void		mlm_emb_ratio_wire_put_header(unsigned char *p, const mlm_emb_ratio_wire *w);

/*
 * Write `fill` rows of a column-major block (component j of row i at
 * element j * block_rows + i) at p, row after row; returns the end.
 */
unsigned char *mlm_emb_ratio_wire_put_block(unsigned char *p, const void *block, int elem_size,
											int32_t dim, int64_t block_rows, int64_t fill);

/*
 * Read the row at p (dim components of elem_size bytes) into element i of
 * a column-major block of block_rows rows.
 */
void		mlm_emb_ratio_wire_get_row(const unsigned char *p, void *block, int elem_size,
									   int32_t dim, int64_t block_rows, int64_t i);

/*
 * Check buf[0..len) and fill *w (w->rows points into buf).  Returns 0, or -1
 * with a message (lower case, no final period) in err.
 */
int			mlm_emb_ratio_wire_check(const void *buf, size_t len, int32_t max_dim,
									 mlm_emb_ratio_wire *w, char *err, size_t errlen);

#endif
