/*
 * wsample.c: rank queries on sorted samples with optional counts.
 */
#include "wsample.h"

mlm_wsample
mlm_ws_array(const double *v, int64_t n)
{
	mlm_wsample s;

	s.v = v;
	s.w = 0;
	s.cum = 0;
	s.m = n;
	s.n = n;
	return s;
}

mlm_wsample
mlm_ws_counted(const double *v, const int64_t *w, int64_t *cum, int64_t m)
{
	mlm_wsample s;
	int64_t		i,
				total = 0;

	for (i = 0; i < m; i++)
	{
		total += w[i];
		cum[i] = total;
	}
	s.v = v;
	s.w = w;
	s.cum = cum;
	s.m = m;
	s.n = total;
	return s;
}

/* Index of the first entry >= x (strict = 0) or > x (strict = 1). */
static int64_t
search(const mlm_wsample *s, double x, int strict)
{
	int64_t		lo = 0,
				hi = s->m;

	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (strict ? s->v[mid] <= x : s->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Number of values in entries [0, idx). */
static inline int64_t
count_before(const mlm_wsample *s, int64_t idx)
{
	if (s->w == 0)
		return idx;
	return idx == 0 ? 0 : s->cum[idx - 1];
}

int64_t
mlm_ws_count_below(const mlm_wsample *s, double x)
{
	return count_before(s, search(s, x, 0));
}

int64_t
mlm_ws_count_upto(const mlm_wsample *s, double x)
{
	return count_before(s, search(s, x, 1));
}

double
mlm_ws_value_at(const mlm_wsample *s, int64_t r)
{
	int64_t		lo = 0,
				hi;

	if (s->w == 0)
		return s->v[r];
	/* first entry whose running count exceeds r */
	hi = s->m - 1;
	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (s->cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return s->v[lo];
}
