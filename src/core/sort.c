/*
 * sort.c: sorting float8 samples.
 *
 * The statistics sort millions of values per sample, and a comparison sort
 * costs O(n log n) unpredictable branches.  A least-significant-digit radix
 * sort on an unsigned key whose integer order is the numeric order of the
 * doubles needs a fixed number of linear passes instead: one pass counts
 * the 11-bit digits of every key, then each of the (at most 6) passes whose
 * digit is not the same for all keys scatters the doubles themselves (the
 * key is recomputed on the fly, which costs less than storing it).  The
 * result lands in whichever buffer the last pass wrote; the caller is told
 * which, so no final copy is needed.  Short arrays use insertion sort.
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

/* Count the 11-bit digits of the keys of all values in the segments. */
static void
count_digits(const double *const *seg, const size_t *len, int nseg,
			 size_t count[RADIX_PASSES][RADIX_SIZE])
{
	static const int shift[RADIX_PASSES] = {0, 11, 22, 33, 44, 55};
	int			s;
	size_t		i;
	int			p;

	memset(count, 0, sizeof(size_t) * RADIX_PASSES * RADIX_SIZE);
	for (s = 0; s < nseg; s++)
		for (i = 0; i < len[s]; i++)
		{
			uint64_t	k = double_key(seg[s][i]);

			for (p = 0; p < RADIX_PASSES; p++)
				count[p][(k >> shift[p]) & RADIX_MASK]++;
		}
}

/* One scatter pass on digit p of the values in the segments into dst. */
static void
scatter(const double *const *seg, const size_t *len, int nseg, double *dst,
		size_t *offsets, int p)
{
	int			shift = p * RADIX_BITS;
	int			s;
	size_t		i;

	for (s = 0; s < nseg; s++)
		for (i = 0; i < len[s]; i++)
		{
			double		v = seg[s][i];

			dst[offsets[(double_key(v) >> shift) & RADIX_MASK]++] = v;
		}
}

/* Copy the segments one after the other into out. */
static void
concat_segments(const double *const *seg, const size_t *len, int nseg, double *out)
{
	size_t		o = 0;
	int			s;

	for (s = 0; s < nseg; s++)
	{
		memcpy(out + o, seg[s], len[s] * sizeof(double));
		o += len[s];
	}
}

double *
mlm_sort_segments(const double *const *seg, const size_t *len, int nseg,
				  double *out, double *tmp, size_t n)
{
	size_t		count[RADIX_PASSES][RADIX_SIZE];
	double	   *result = NULL;	/* the buffer the last pass wrote */
	int			p;

	if (n < SMALL_SORT)
	{
		concat_segments(seg, len, nseg, out);
		insertion_sort(out, n);
		return out;
	}

	count_digits(seg, len, nseg, count);
	for (p = 0; p < RADIX_PASSES; p++)
	{
		size_t	   *c = count[p];
		size_t		sum = 0;
		uint32_t	d;

		/* Skip a pass in which every key has the same digit. */
		for (d = 0; d < RADIX_SIZE && c[d] == 0; d++)
			;
		if (c[d] == n)
			continue;
		for (d = 0; d < RADIX_SIZE; d++)
		{
			size_t		t = c[d];

			c[d] = sum;
			sum += t;
		}
		if (result == NULL)
		{
			/* The first pass reads the segments. */
			scatter(seg, len, nseg, out, c, p);
			result = out;
		}
		else
		{
			double	   *dst = (result == out) ? tmp : out;
			const double *src[1];
			size_t		srclen[1];

			src[0] = result;
			srclen[0] = n;
			scatter(src, srclen, 1, dst, c, p);
			result = dst;
		}
	}
	if (result == NULL)
	{
		/* Every key is equal, and so is every value. */
		concat_segments(seg, len, nseg, out);
		result = out;
	}
	return result;
}

double *
mlm_sort_doubles(double *a, double *tmp, size_t n)
{
	const double *seg[1];
	size_t		len[1];
	double	   *res;

	if (n < SMALL_SORT)
	{
		insertion_sort(a, n);
		return a;
	}
	seg[0] = a;
	len[0] = n;
	/* a is only read by the first pass, so later passes can write into it. */
	res = mlm_sort_segments(seg, len, 1, tmp, a, n);
	return res;
}

/* Map a float to a key whose unsigned order is the float's numeric order. */
static inline uint32_t
float_key(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof(u));
	return (u & UINT32_C(0x80000000)) ? ~u : (u | UINT32_C(0x80000000));
}

#define FLOAT_PASSES 3			/* ceil(32 / 11) */

float *
mlm_sort_floats(float *a, float *tmp, size_t n)
{
	size_t		count[FLOAT_PASSES][RADIX_SIZE];
	float	   *src = a,
			   *dst = tmp;

	if (n < SMALL_SORT)
	{
		for (size_t i = 1; i < n; i++)
		{
			float		v = a[i];
			size_t		j = i;

			while (j > 0 && a[j - 1] > v)
			{
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
		return a;
	}
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
	{
		uint32_t	k = float_key(a[i]);

		count[0][k & RADIX_MASK]++;
		count[1][(k >> RADIX_BITS) & RADIX_MASK]++;
		count[2][k >> (2 * RADIX_BITS)]++;
	}
	for (int p = 0; p < FLOAT_PASSES; p++)
	{
		size_t	   *c = count[p];
		size_t		sum = 0;
		int			shift = p * RADIX_BITS;
		uint32_t	d;

		/* Skip a pass in which every key has the same digit. */
		for (d = 0; d < RADIX_SIZE && c[d] == 0; d++)
			;
		if (c[d] == n)
			continue;
		for (d = 0; d < RADIX_SIZE; d++)
		{
			size_t		t = c[d];

			c[d] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
		{
			float		v = src[i];

			dst[c[(float_key(v) >> shift) & RADIX_MASK]++] = v;
		}
		{
			float	   *t = src;

			src = dst;
			dst = t;
		}
	}
	return src;
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

void
mlm_merge_runs(const double *const *runs, const size_t *lens, int k, double *out)
{
	const double *head[MLM_MERGE_MAX_RUNS];
	const double *end[MLM_MERGE_MAX_RUNS];
	int			live = 0;
	int			i;

	for (i = 0; i < k; i++)
	{
		if (lens[i] == 0)
			continue;
		head[live] = runs[i];
		end[live++] = runs[i] + lens[i];
	}

	/* While three or more runs remain, take the smallest head by a linear scan. */
	while (live > 2)
	{
		int			m = 0;

		for (i = 1; i < live; i++)
			if (*head[i] < *head[m])
				m = i;
		*out++ = *head[m]++;
		if (head[m] == end[m])
		{
			live--;
			head[m] = head[live];
			end[m] = end[live];
		}
	}
	if (live == 2)
		mlm_merge_doubles(head[0], end[0] - head[0], head[1], end[1] - head[1], out);
	else if (live == 1)
		memcpy(out, head[0], (end[0] - head[0]) * sizeof(double));
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
