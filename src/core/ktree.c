/*
 * ktree.c: a kinetic prefix-maximum segment tree (see ktree.h).
 *
 * Node i combines its children L and R: its total is L.sum + R.sum, and
 * its best prefix is L.best if L.best(t) >= L.sum(t) + R.best(t) (ties go
 * left, so the leftmost maximum is found), else L.sum + R.best.  Both sides
 * are lines in t, so the choice holds on an interval of t, which the node
 * intersects with its children's.  Moving t visits only the nodes whose
 * interval no longer contains it.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include "ktree.h"

#include <string.h>

/* The best prefix of a node without leaves in use. */
#define KT_NONE		(-((mlm_i128) 1 << 120))
/* Open ends of the validity intervals. */
#define KT_T_MIN	(-((int64_t) 1 << 62))
#define KT_T_MAX	((int64_t) 1 << 62)
/* Alignment of the nodes (they hold 128-bit integers). */
#define KT_ALIGN	16

static inline mlm_i128
line_at(int64_t a, mlm_i128 b, int64_t t)
{
	return (mlm_i128) a * t + b;
}

static inline int64_t
clamp_t(mlm_i128 v)
{
	if (v < KT_T_MIN)
		return KT_T_MIN;
	if (v > KT_T_MAX)
		return KT_T_MAX;
	return (int64_t) v;
}

/* floor(p / q), q != 0 */
static inline mlm_i128
floor_div(mlm_i128 p, mlm_i128 q)
{
	mlm_i128	d;

	/* 64-bit division when it suffices: the 128-bit one is a slow library call */
	if (p >= INT64_MIN && p <= INT64_MAX && q >= INT64_MIN && q <= INT64_MAX &&
		!(p == INT64_MIN && q == -1))
	{
		int64_t		p64 = (int64_t) p,
					q64 = (int64_t) q,
					d64 = p64 / q64;

		if ((p64 % q64 != 0) && ((p64 < 0) != (q64 < 0)))
			d64 -= 1;
		return d64;
	}
	d = p / q;
	if ((p % q != 0) && ((p < 0) != (q < 0)))
		d -= 1;
	return d;
}

/* ceil(p / q), q != 0 */
static inline mlm_i128
ceil_div(mlm_i128 p, mlm_i128 q)
{
	return -floor_div(-p, q);
}

size_t
mlm_ktree_bytes(int64_t n)
{
	int64_t		size = 1;

	if (n < 1 || n > ((int64_t) 1 << 40))
		return 0;
	while (size < n)
		size *= 2;
	/* room to align the nodes to 16 bytes (hosts' allocators may give 8) */
	return sizeof(mlm_ktree_node) * (size_t) (2 * size) + KT_ALIGN - 1;
}

void
mlm_ktree_init(mlm_ktree *kt, int64_t n, void *mem)
{
	int64_t		size = 1;
	int64_t		j;

	while (size < n)
		size *= 2;
	kt->n = n;
	kt->size = size;
	kt->t = 0;
	kt->node = (mlm_ktree_node *) (((uintptr_t) mem + KT_ALIGN - 1) & ~(uintptr_t) (KT_ALIGN - 1));
	memset(kt->node, 0, sizeof(mlm_ktree_node) * (size_t) (2 * size));
	for (j = 0; j < size; j++)
	{
		mlm_ktree_node *leaf = &kt->node[size + j];

		leaf->lo = KT_T_MIN;
		leaf->hi = KT_T_MAX;
		if (j >= n)
			leaf->best_b = KT_NONE;
	}
}

void
mlm_ktree_set_leaf(mlm_ktree *kt, int64_t j, int64_t a, mlm_i128 b)
{
	mlm_ktree_node *leaf = &kt->node[kt->size + j];

	leaf->sum_a = leaf->best_a = a;
	leaf->sum_b = leaf->best_b = b;
}

/* Recompute node i from its children (valid at t) for parameter t. */
static void
pull(mlm_ktree *kt, int64_t i, int64_t t)
{
	mlm_ktree_node *nd = &kt->node[i];
	const mlm_ktree_node *l = &kt->node[2 * i];
	const mlm_ktree_node *r = &kt->node[2 * i + 1];
	int64_t		lo = l->lo > r->lo ? l->lo : r->lo;
	int64_t		hi = l->hi < r->hi ? l->hi : r->hi;
	int64_t		ra;
	mlm_i128	rb,
				ds,
				di;
	int			left;

	nd->sum_a = l->sum_a + r->sum_a;
	nd->sum_b = l->sum_b + r->sum_b;
	if (r->best_b == KT_NONE || l->best_b == KT_NONE)
	{
		/* leaves past n: only the left side (if any) counts */
		nd->best_a = l->best_a;
		nd->best_b = l->best_b;
		nd->lo = lo;
		nd->hi = hi;
		return;
	}
	ra = l->sum_a + r->best_a;
	rb = l->sum_b + r->best_b;
	/* left holds while ds t >= di */
	ds = (mlm_i128) l->best_a - ra;
	di = rb - l->best_b;
	left = line_at(l->best_a, l->best_b, t) >= line_at(ra, rb, t);
	if (left)
	{
		nd->best_a = l->best_a;
		nd->best_b = l->best_b;
		if (ds > 0)
		{
			int64_t		c = clamp_t(ceil_div(di, ds));

			if (c > lo)
				lo = c;
		}
		else if (ds < 0)
		{
			int64_t		c = clamp_t(floor_div(di, ds));

			if (c < hi)
				hi = c;
		}
	}
	else
	{
		nd->best_a = ra;
		nd->best_b = rb;
		if (ds > 0)
		{
			int64_t		c = clamp_t(ceil_div(di, ds) - 1);

			if (c < hi)
				hi = c;
		}
		else if (ds < 0)
		{
			int64_t		c = clamp_t(floor_div(di, ds) + 1);

			if (c > lo)
				lo = c;
		}
	}
	nd->lo = lo;
	nd->hi = hi;
}

void
mlm_ktree_build(mlm_ktree *kt, int64_t t)
{
	int64_t		i;

	for (i = kt->size - 1; i >= 1; i--)
		pull(kt, i, t);
	kt->t = t;
}

void
mlm_ktree_update(mlm_ktree *kt, int64_t j, int64_t a, mlm_i128 b)
{
	int64_t		i = kt->size + j;

	mlm_ktree_set_leaf(kt, j, a, b);
	for (i /= 2; i >= 1; i /= 2)
		pull(kt, i, kt->t);
}

/* Make the subtree of node i valid at t. */
static void
heat(mlm_ktree *kt, int64_t i, int64_t t)
{
	const mlm_ktree_node *nd = &kt->node[i];

	if (i >= kt->size || (nd->lo <= t && t <= nd->hi))
		return;
	heat(kt, 2 * i, t);
	heat(kt, 2 * i + 1, t);
	pull(kt, i, t);
}

void
mlm_ktree_advance(mlm_ktree *kt, int64_t t)
{
	if (t == kt->t)
		return;
	heat(kt, 1, t);
	kt->t = t;
}

int64_t
mlm_ktree_argmax(const mlm_ktree *kt, mlm_i128 *value)
{
	int64_t		t = kt->t;
	int64_t		i = 1;
	mlm_i128	target = line_at(kt->node[1].best_a, kt->node[1].best_b, t);
	mlm_i128	offset = 0;

	*value = target;
	while (i < kt->size)
	{
		const mlm_ktree_node *l = &kt->node[2 * i];

		if (l->best_b != KT_NONE && offset + line_at(l->best_a, l->best_b, t) == target)
			i = 2 * i;
		else
		{
			offset += line_at(l->sum_a, l->sum_b, t);
			i = 2 * i + 1;
		}
	}
	return i - kt->size;
}
