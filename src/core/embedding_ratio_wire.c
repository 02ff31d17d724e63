/*
 * embedding_ratio_wire.c: writing and checking the portable form of
 * mlmon.embedding_ratio's state (layout in embedding_ratio_wire.h).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "embedding_ratio_wire.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "byteorder.h"

size_t
mlm_emb_ratio_wire_size(const mlm_emb_ratio_wire *w, size_t limit)
{
	uint64_t	rows = (uint64_t) w->n[0] + (uint64_t) w->n[1];
	uint64_t	row_bytes = (uint64_t) w->dim * (uint64_t) w->elem_size;

	if (limit < MLM_EMB_RATIO_WIRE_HEADER)
		return 0;
	if (row_bytes > 0 && rows > (limit - MLM_EMB_RATIO_WIRE_HEADER) / row_bytes)
		return 0;
	return MLM_EMB_RATIO_WIRE_HEADER + (size_t) (rows * row_bytes);
}

void
mlm_emb_ratio_wire_put_header(unsigned char *p, const mlm_emb_ratio_wire *w)
{
	memset(p, 0, MLM_EMB_RATIO_WIRE_HEADER);
	p[0] = MLM_EMB_RATIO_WIRE_VERSION;
	p[1] = (unsigned char) w->elem_size;
	mlm_put32(p + 4, (uint32_t) w->dim);
	mlm_put_double(p + 8, w->component_threshold);
	mlm_put_double(p + 16, w->threshold);
	mlm_put64(p + 24, (uint64_t) w->n[0]);
	mlm_put64(p + 32, (uint64_t) w->n[1]);
	mlm_put64(p + 40, (uint64_t) w->skipped_null);
	mlm_put64(p + 48, (uint64_t) w->skipped_length);
	mlm_put64(p + 56, (uint64_t) w->skipped_component);
}

unsigned char *
mlm_emb_ratio_wire_put_block(unsigned char *p, const void *block, int elem_size,
							 int32_t dim, int64_t block_rows, int64_t fill)
{
	for (int64_t i = 0; i < fill; i++)
		for (int32_t j = 0; j < dim; j++)
		{
			if (elem_size == 4)
			{
				uint32_t	u;

				memcpy(&u, (const float *) block + (size_t) j * block_rows + i, 4);
				mlm_put32(p, u);
				p += 4;
			}
			else
			{
				mlm_put_double(p, ((const double *) block)[(size_t) j * block_rows + i]);
				p += 8;
			}
		}
	return p;
}

void
mlm_emb_ratio_wire_get_row(const unsigned char *p, void *block, int elem_size,
						   int32_t dim, int64_t block_rows, int64_t i)
{
	for (int32_t j = 0; j < dim; j++)
	{
		if (elem_size == 4)
		{
			uint32_t	u = mlm_get32(p);

			memcpy((float *) block + (size_t) j * block_rows + i, &u, 4);
			p += 4;
		}
		else
		{
			((double *) block)[(size_t) j * block_rows + i] = mlm_get_double(p);
			p += 8;
		}
	}
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int
mlm_emb_ratio_wire_check(const void *buf, size_t len, int32_t max_dim,
						 mlm_emb_ratio_wire *w, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *) buf;
	uint64_t	counts[5];
	size_t		size;
	int64_t		nvals;

	if (len < MLM_EMB_RATIO_WIRE_HEADER)
		FAIL("%zu bytes, fewer than the header's %d", len, MLM_EMB_RATIO_WIRE_HEADER);
	if (p[0] != MLM_EMB_RATIO_WIRE_VERSION)
		FAIL("unknown version %u", (unsigned) p[0]);
	if (p[2] != 0 || p[3] != 0)
		FAIL("reserved bytes are not 0");
	memset(w, 0, sizeof(*w));
	w->elem_size = p[1];
	w->dim = (int32_t) mlm_get32(p + 4);
	w->component_threshold = mlm_get_double(p + 8);
	w->threshold = mlm_get_double(p + 16);
	for (int i = 0; i < 5; i++)
	{
		counts[i] = mlm_get64(p + 24 + 8 * i);
		if (counts[i] > (uint64_t) INT64_MAX)
			FAIL("a count is negative");
	}
	w->n[0] = (int64_t) counts[0];
	w->n[1] = (int64_t) counts[1];
	w->skipped_null = (int64_t) counts[2];
	w->skipped_length = (int64_t) counts[3];
	w->skipped_component = (int64_t) counts[4];
	if (!isfinite(w->component_threshold) || !isfinite(w->threshold))
		FAIL("a threshold is not finite");
	if (w->elem_size != 0 && w->elem_size != 4 && w->elem_size != 8)
		FAIL("element size %d is not 0, 4 or 8", w->elem_size);
	if (w->dim < 0 || w->dim > max_dim)
		FAIL("dimension %d is not between 0 and %d", (int) w->dim, (int) max_dim);
	if ((w->dim == 0) != (w->elem_size == 0) || (w->dim == 0) != (w->n[0] == 0 && w->n[1] == 0))
		FAIL("dimension %d, element size %d and %lld + %lld rows do not go together", (int) w->dim,
			 w->elem_size, (long long) w->n[0], (long long) w->n[1]);
	if (w->n[0] > INT64_MAX - w->n[1])
		FAIL("too many rows");
	size = mlm_emb_ratio_wire_size(w, len);
	if (size != len)
		FAIL("%zu bytes, not the %lld rows' size", len, (long long) (w->n[0] + w->n[1]));
	w->rows = p + MLM_EMB_RATIO_WIRE_HEADER;
	nvals = (w->n[0] + w->n[1]) * w->dim;
	for (int64_t k = 0; k < nvals; k++)
	{
		double		x;

		if (w->elem_size == 4)
		{
			uint32_t	u = mlm_get32(w->rows + 4 * k);
			float		f;

			memcpy(&f, &u, 4);
			x = f;
		}
		else
			x = mlm_get_double(w->rows + 8 * k);
		if (!isfinite(x))
			FAIL("component %lld of row %lld is not finite", (long long) (k % w->dim) + 1,
				 (long long) (k / w->dim) + 1);
	}
	return 0;
}
