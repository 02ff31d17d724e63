/*
 * embedding_sample.c: the bottom-k sample of embedding rows (see
 * embedding_sample.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* qsort_r */
#endif
#include "embedding_sample.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t
mix(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The bits of x as a double, -0.0 as +0.0 (x + 0.0 is +0.0 for both zeros). */
static inline uint64_t
bits_of(double x)
{
	uint64_t	b;

	x += 0.0;
	memcpy(&b, &x, sizeof(b));
	return b;
}

uint64_t
mlm_es_row_seed(uint64_t seed, uint64_t r)
{
	return mix(seed ^ mix(r));
}

uint64_t
mlm_es_key(const double *x, int64_t d, uint64_t seed)
{
	uint64_t	h = seed;

	for (int64_t i = 0; i < d; i++)
		h = mix(h ^ bits_of(x[i]));
	return h;
}

uint64_t
mlm_es_key_f4(const float *x, int64_t d, uint64_t seed)
{
	uint64_t	h = seed;

	for (int64_t i = 0; i < d; i++)
		h = mix(h ^ bits_of((double) x[i]));
	return h;
}

static inline void
put_key(double *slot, uint64_t key)
{
	slot[0] = (double) (key >> 32);
	slot[1] = (double) (key & UINT64_C(0xffffffff));
}

void
mlm_es_slot_fill(double *slot, uint64_t key, const double *x, int64_t d)
{
	put_key(slot, key);
	for (int64_t i = 0; i < d; i++)
		slot[2 + i] = x[i] + 0.0;
}

void
mlm_es_slot_fill_f4(double *slot, uint64_t key, const float *x, int64_t d)
{
	put_key(slot, key);
	for (int64_t i = 0; i < d; i++)
		slot[2 + i] = (double) x[i] + 0.0;
}

/* A key half as stored (a whole number below 2^32; anything else, from a forged state, as 0). */
static inline uint64_t
half_of(double v)
{
	return (v >= 0.0 && v < 4294967296.0) ? (uint64_t) v : 0;
}

uint64_t
mlm_es_slot_key(const double *slot)
{
	return (half_of(slot[0]) << 32) | half_of(slot[1]);
}

int
mlm_es_cmp(const double *a, const double *b, int64_t d)
{
	int64_t		n = MLM_ES_SLOT(d);

	for (int64_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

int
mlm_es_may_enter(const double *slots, int64_t size, int64_t k, uint64_t key)
{
	return size < k || key <= mlm_es_slot_key(slots);
}

/*
 * Sift the row in v down from position pos of a max-heap of n slots (the
 * slot at pos is a hole): children larger than v move up.
 */
static void
sift_down(double *slots, int64_t n, int64_t d, int64_t pos, const double *v)
{
	int64_t		w = MLM_ES_SLOT(d);
	size_t		bytes = (size_t) w * sizeof(double);

	for (;;)
	{
		int64_t		c = 2 * pos + 1;

		if (c >= n)
			break;
		if (c + 1 < n && mlm_es_cmp(slots + (c + 1) * w, slots + c * w, d) > 0)
			c++;
		if (mlm_es_cmp(slots + c * w, v, d) <= 0)
			break;
		memcpy(slots + pos * w, slots + c * w, bytes);
		pos = c;
	}
	memcpy(slots + pos * w, v, bytes);
}

int
mlm_es_offer(double *slots, int64_t *size, int64_t k, int64_t d, double *cand)
{
	int64_t		w = MLM_ES_SLOT(d);

	if (*size < k)
	{
		memcpy(slots + *size * w, cand, (size_t) w * sizeof(double));
		if (++*size == k)
		{
			/* make the heap (Floyd), cand as the scratch slot */
			for (int64_t i = k / 2 - 1; i >= 0; i--)
			{
				memcpy(cand, slots + i * w, (size_t) w * sizeof(double));
				sift_down(slots, k, d, i, cand);
			}
		}
		return 1;
	}
	if (mlm_es_cmp(cand, slots, d) >= 0)
		return 0;
	sift_down(slots, k, d, 0, cand);
	return 1;
}

void
mlm_es_merge(double *a, int64_t *size_a, int64_t k, int64_t d,
			 const double *b, int64_t size_b, double *tmp)
{
	int64_t		w = MLM_ES_SLOT(d);

	for (int64_t i = 0; i < size_b; i++)
	{
		if (!mlm_es_may_enter(a, *size_a, k, mlm_es_slot_key(b + i * w)))
			continue;
		memcpy(tmp, b + i * w, (size_t) w * sizeof(double));
		mlm_es_offer(a, size_a, k, d, tmp);
	}
}

typedef struct order_arg
{
	const double *slots;
	int64_t		d;
} order_arg;

static int
cmp_order(const void *pa, const void *pb, void *arg)
{
	const order_arg *o = arg;
	int64_t		w = MLM_ES_SLOT(o->d);
	int64_t		ia = *(const int64_t *) pa,
				ib = *(const int64_t *) pb;
	int			c = mlm_es_cmp(o->slots + ia * w, o->slots + ib * w, o->d);

	/* equal rows: by slot number, so the comparison is a total order */
	return c != 0 ? c : (ia > ib) - (ia < ib);
}

void
mlm_es_order(const double *slots, int64_t size, int64_t d, int64_t *order)
{
	order_arg	o = {slots, d};

	for (int64_t i = 0; i < size; i++)
		order[i] = i;
	qsort_r(order, (size_t) size, sizeof(int64_t), cmp_order, &o);
}
