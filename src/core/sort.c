/*
 * sort.c: a least-significant-digit radix sort specialised for float8.
 *
 * The statistics sort millions of values per sample, and a comparison sort
 * costs O(n log n) branchy comparisons.  Mapping each double to an unsigned
 * 64-bit key whose integer order is the numeric order lets us sort in a fixed
 * number of linear passes (11-bit digits, 6 passes at most, passes where every
 * key has the same digit are skipped).  Small arrays use insertion sort.
 */
#include "sort.h"

#include <stdint.h>
#include <string.h>

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_MASK (RADIX_SIZE - 1)
#define RADIX_PASSES 6			/* ceil(64 / 11) */
#define SMALL_SORT 64

/* Map a double to a key whose unsigned order is the double's numeric order. */
static inline uint64_t
double_key(double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return (u & UINT64_C(0x8000000000000000)) ? ~u : (u | UINT64_C(0x8000000000000000));
}

/* Inverse of double_key. */
static inline double
key_double(uint64_t k)
{
	uint64_t	u = (k & UINT64_C(0x8000000000000000)) ? (k & ~UINT64_C(0x8000000000000000)) : ~k;
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Insertion sort for short runs. */
static void
insertion_sort(double *a, size_t n)
{
	size_t		i;

	for (i = 1; i < n; i++)
	{
		double		v = a[i];
		size_t		j = i;

		while (j > 0 && a[j - 1] > v)
		{
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

void
mlm_sort_doubles(double *a, double *tmp, size_t n)
{
	static const int shift[RADIX_PASSES] = {0, 11, 22, 33, 44, 55};
	size_t		count[RADIX_PASSES][RADIX_SIZE];
	uint64_t   *src;
	uint64_t   *dst;
	size_t		i;
	int			p;

	if (n < SMALL_SORT)
	{
		insertion_sort(a, n);
		return;
	}

	/* Keys are built in place: a and tmp are reinterpreted as uint64 arrays. */
	src = (uint64_t *) a;
	dst = (uint64_t *) tmp;
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
	{
		uint64_t	k = double_key(a[i]);

		src[i] = k;
		for (p = 0; p < RADIX_PASSES; p++)
			count[p][(k >> shift[p]) & RADIX_MASK]++;
	}

	for (p = 0; p < RADIX_PASSES; p++)
	{
		size_t	   *c = count[p];
		size_t		sum = 0;
		uint32_t	d;
		uint64_t   *swap;

		/* Skip a pass in which every key has the same digit. */
		if (c[(src[0] >> shift[p]) & RADIX_MASK] == n)
			continue;
		for (d = 0; d < RADIX_SIZE; d++)
		{
			size_t		t = c[d];

			c[d] = sum;
			sum += t;
		}
		for (i = 0; i < n; i++)
		{
			uint64_t	k = src[i];

			dst[c[(k >> shift[p]) & RADIX_MASK]++] = k;
		}
		swap = src;
		src = dst;
		dst = swap;
	}

	/* Decode keys back to doubles, ending in a (in place when src is a). */
	for (i = 0; i < n; i++)
		a[i] = key_double(src[i]);
}

void
mlm_merge_doubles(const double *a, size_t na, const double *b, size_t nb, double *out)
{
	size_t		i = 0,
				j = 0,
				k = 0;

	while (i < na && j < nb)
	{
		if (b[j] < a[i])
			out[k++] = b[j++];
		else
			out[k++] = a[i++];
	}
	if (i < na)
		memcpy(out + k, a + i, (na - i) * sizeof(double));
	if (j < nb)
		memcpy(out + k, b + j, (nb - j) * sizeof(double));
}

int
mlm_is_sorted(const double *a, size_t n)
{
	size_t		i;

	for (i = 1; i < n; i++)
		if (a[i] < a[i - 1])
			return 0;
	return 1;
}
