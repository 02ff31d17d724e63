/*
 * qsketch.c: the compactor levels of the numeric quantile sketch.
 */
#include "qsketch.h"

#include <string.h>

#include "env.h"
#include "sort.h"

int
mlm_qs_k_for_cap(int cap)
{
	int			k = cap / 2;

	if (k < 256)
		k = 256;
	if (k > 4096)
		k = 4096;
	return k;
}

void
mlm_qs_init(mlm_qsketch *s, int k)
{
	memset(s, 0, sizeof(*s));
	s->k = k;
	s->sorted = ~(uint64_t) 0;
}

void
mlm_qs_free(mlm_qsketch *s)
{
	int			h;

	for (h = 0; h < s->nlevels; h++)
		if (s->items[h])
			mlm_core_env->release(s->items[h]);
	memset(s->items, 0, sizeof(s->items));
	s->nlevels = 0;
}

/* Make sure level h exists. */
static void
ensure_level(mlm_qsketch *s, int h)
{
	while (s->nlevels <= h)
	{
		/* k items plus one left over from the level below, plus one pushed before compacting */
		s->room[s->nlevels] = 2 * (int64_t) s->k + 2;
		s->items[s->nlevels] = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) s->room[s->nlevels]);
		s->len[s->nlevels] = 0;
		s->sorted |= (uint64_t) 1 << s->nlevels;
		s->nlevels++;
	}
}

/* Room for n more items at level h (which exists). */
static void
reserve(mlm_qsketch *s, int h, int64_t n)
{
	double	   *bigger;

	if (s->len[h] + n <= s->room[h])
		return;
	s->room[h] = 2 * (s->len[h] + n);
	bigger = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) s->room[h]);
	memcpy(bigger, s->items[h], sizeof(double) * (size_t) s->len[h]);
	mlm_core_env->release(s->items[h]);
	s->items[h] = bigger;
}

/* Put v at the end of level h, noting whether the level is still in order. */
static inline void
append(mlm_qsketch *s, int h, double v)
{
	int64_t		n = s->len[h];

	if (n > 0 && v < s->items[h][n - 1])
		s->sorted &= ~((uint64_t) 1 << h);
	s->items[h][s->len[h]++] = v;
}

/* Put the ascending x[0..n) into level h: merged in order when the level is in order, else appended. */
static void
put_sorted(mlm_qsketch *s, int h, const double *x, int64_t n)
{
	double	   *a;
	int64_t		i,
				j,
				o;

	if (n == 0)
		return;
	reserve(s, h, n);
	a = s->items[h];
	if (!((s->sorted >> h) & 1))
	{
		memcpy(a + s->len[h], x, sizeof(double) * (size_t) n);
		s->len[h] += n;
		return;
	}
	/* merge from the back, in place */
	i = s->len[h] - 1;
	j = n - 1;
	o = s->len[h] + n - 1;
	while (j >= 0)
	{
		if (i >= 0 && a[i] > x[j])
			a[o--] = a[i--];
		else
			a[o--] = x[j--];
	}
	s->len[h] += n;
}

/* Sort level h ascending (unless it is). */
static void
sort_level(mlm_qsketch *s, int h)
{
	double	   *tmp;
	double	   *res;

	if ((s->sorted >> h) & 1)
		return;
	if (s->len[h] >= 2)
	{
		tmp = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) s->len[h]);
		res = mlm_sort_doubles(s->items[h], tmp, (size_t) s->len[h]);
		if (res != s->items[h])
			memcpy(s->items[h], res, sizeof(double) * (size_t) s->len[h]);
		mlm_core_env->release(tmp);
	}
	s->sorted |= (uint64_t) 1 << h;
}

/*
 * Compact level h: sort it, move one item of each adjacent pair up to
 * level h + 1, keep the odd one out (the largest) at level h.
 */
static void
compact(mlm_qsketch *s, int h)
{
	int64_t		n = s->len[h];
	int64_t		pairs = n / 2;
	int			offset = (int) ((s->parity >> h) & 1);
	int64_t		i;
	double	   *up;

	ensure_level(s, h + 1);
	sort_level(s, h);
	up = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (pairs > 0 ? pairs : 1));
	for (i = 0; i < pairs; i++)
		up[i] = s->items[h][2 * i + offset];
	if (n % 2)
		s->items[h][0] = s->items[h][n - 1];
	s->len[h] = n % 2;
	put_sorted(s, h + 1, up, pairs);
	mlm_core_env->release(up);
	s->parity ^= (uint64_t) 1 << h;
	s->rank_error += (double) ((uint64_t) 1 << h);
}

/* Compact every level that reached k, from the bottom up. */
static void
settle(mlm_qsketch *s, int from)
{
	int			h;

	for (h = from; h < s->nlevels; h++)
		if (s->len[h] >= s->k && h + 1 < MLM_PROFILE_MAX_LEVELS)
			compact(s, h);
}

void
mlm_qs_add(mlm_qsketch *s, double v, int64_t count)
{
	int			h;

	for (h = 0; h < MLM_PROFILE_MAX_LEVELS && count > 0; h++, count >>= 1)
	{
		if ((count & 1) == 0)
			continue;
		ensure_level(s, h);
		reserve(s, h, 1);
		append(s, h, v);
		if (s->len[h] >= s->k)
			settle(s, h);
	}
}

/*
 * Put the ascending x[0..n) into level h as appending them one by one
 * would: whenever the level reaches k it is compacted (and the levels
 * above it settle) before the rest comes in.
 */
static void
take_sorted(mlm_qsketch *s, int h, const double *x, int64_t n)
{
	ensure_level(s, h);
	while (n > 0)
	{
		int64_t		m = s->k - s->len[h];

		if (m <= 0)
			m = 1;
		if (m > n)
			m = n;
		put_sorted(s, h, x, m);
		x += m;
		n -= m;
		if (s->len[h] >= s->k)
			settle(s, h);
	}
}

void
mlm_qs_add_sorted(mlm_qsketch *s, double *v, int64_t n)
{
	int			h = 0;
	int64_t		i;

	if (n < s->k)
	{
		take_sorted(s, 0, v, n);
		return;
	}
	/*
	 * A run of k or more items is a level of its own, already sorted:
	 * compact it as compact() would, in place, until fewer than k items are
	 * left; each compaction moves a count by at most 2^h, as for any level.
	 */
	ensure_level(s, 0);
	while (n >= s->k && h + 1 < MLM_PROFILE_MAX_LEVELS)
	{
		int			offset = (int) ((s->parity >> h) & 1);
		int64_t		pairs = n / 2;

		ensure_level(s, h + 1);
		if (n % 2)
		{
			/* the odd one out, the largest, stays at this level */
			take_sorted(s, h, &v[n - 1], 1);
		}
		for (i = 0; i < pairs; i++)
			v[i] = v[2 * i + offset];
		n = pairs;
		s->parity ^= (uint64_t) 1 << h;
		s->rank_error += (double) ((uint64_t) 1 << h);
		h++;
	}
	take_sorted(s, h, v, n);
}

void
mlm_qs_merge(mlm_qsketch *dst, const mlm_qsketch *src)
{
	int			h;

	for (h = 0; h < src->nlevels; h++)
	{
		int64_t		i;

		if ((src->sorted >> h) & 1)
		{
			take_sorted(dst, h, src->items[h], src->len[h]);
			continue;
		}
		/* a level in any order (a sketch being built): its items one by one, as they are stored */
		ensure_level(dst, h);
		for (i = 0; i < src->len[h]; i++)
		{
			reserve(dst, h, 1);
			append(dst, h, src->items[h][i]);
			if (dst->len[h] >= dst->k)
				settle(dst, h);
		}
	}
	dst->rank_error += src->rank_error;
}

void
mlm_qs_load(mlm_qsketch *s, int k, const mlm_profile_view *v)
{
	int			h;
	int64_t		off = 0;

	mlm_qs_init(s, k);
	/* the flat form's levels are in order: each goes in whole, as appended one by one */
	for (h = 0; h < v->h->nlevels; h++)
	{
		take_sorted(s, h, v->values + off, v->level_len[h]);
		off += v->level_len[h];
	}
	s->parity = v->h->parity;
	s->rank_error += v->h->rank_error;
}

int64_t
mlm_qs_items(const mlm_qsketch *s)
{
	int64_t		n = 0;
	int			h;

	for (h = 0; h < s->nlevels; h++)
		n += s->len[h];
	return n;
}

void
mlm_qs_export(mlm_qsketch *s, int64_t *level_len, double *values)
{
	int			h;
	int64_t		off = 0;

	for (h = 0; h < s->nlevels; h++)
	{
		sort_level(s, h);
		level_len[h] = s->len[h];
		memcpy(values + off, s->items[h], sizeof(double) * (size_t) s->len[h]);
		off += s->len[h];
	}
}

int64_t
mlm_qs_weighted(const mlm_qsketch *s, double *v, int64_t *w)
{
	int64_t		pos[MLM_PROFILE_MAX_LEVELS];
	int64_t		m = 0;
	int			h;

	memset(pos, 0, sizeof(pos));
	for (;;)
	{
		int			best = -1;

		/* the level whose next item is smallest (levels are few: a linear scan) */
		for (h = 0; h < s->nlevels; h++)
			if (pos[h] < s->len[h] &&
				(best < 0 || s->items[h][pos[h]] < s->items[best][pos[best]]))
				best = h;
		if (best < 0)
			break;
		{
			double		x = s->items[best][pos[best]++];
			int64_t		wt = (int64_t) 1 << best;

			if (m > 0 && v[m - 1] == x)
				w[m - 1] += wt;
			else
			{
				v[m] = x;
				w[m++] = wt;
			}
		}
	}
	return m;
}
