/*
 * ktree.h: a kinetic prefix-maximum segment tree.
 *
 * Leaf j holds a line  a_j t + b_j  in an integer parameter t.  The tree
 * answers, at the current t, the largest prefix sum  max_p sum_{j<=p}
 * (a_j t + b_j)  and the leftmost p attaining it.  A leaf's line changes in
 * O(log n); moving t re-evaluates only the nodes whose choice (left prefix
 * or left sum plus right prefix) is no longer the larger one, since every
 * node keeps the interval of t over which its subtree's choices hold.
 *
 * mlmon keeps the KS gap numerators  t R_j - n1 P_j  of a sliding window
 * this way: t is the number of values in the frame, which changes while a
 * frame fills and when NULLs enter or leave it; a plain segment tree over
 * values at one t would have to be rebuilt in O(n) each time.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_KTREE_H
#define MLM_KTREE_H

#include <stddef.h>
#include <stdint.h>

typedef __int128 mlm_i128;

typedef struct mlm_ktree_node
{
	mlm_i128	sum_b;			/* the node's total line: sum of a_j, sum of b_j */
	mlm_i128	best_b;			/* the line of its largest prefix at the current t */
	int64_t		sum_a;
	int64_t		best_a;
	int64_t		lo;				/* the choices below hold for lo <= t <= hi */
	int64_t		hi;
} mlm_ktree_node;

typedef struct mlm_ktree
{
	int64_t		n;				/* leaves in use */
	int64_t		size;			/* leaves, a power of 2 >= n */
	int64_t		t;				/* the parameter the tree is valid at */
	mlm_ktree_node *node;		/* 2 size nodes, 1-based; node size + j is leaf j */
} mlm_ktree;

/* Bytes of node memory for n leaves (n >= 1), any alignment; 0 if n is too large. */
size_t		mlm_ktree_bytes(int64_t n);

/* Prepare a tree of n leaves in mem (mlm_ktree_bytes(n) bytes), all lines 0 t + 0. */
void		mlm_ktree_init(mlm_ktree *kt, int64_t n, void *mem);

/* Set leaf j's line without updating the nodes above (before mlm_ktree_build). */
void		mlm_ktree_set_leaf(mlm_ktree *kt, int64_t j, int64_t a, mlm_i128 b);

/* Compute every node for parameter t, in O(n). */
void		mlm_ktree_build(mlm_ktree *kt, int64_t t);

/* Change leaf j's line on a built tree, in O(log n). */
void		mlm_ktree_update(mlm_ktree *kt, int64_t j, int64_t a, mlm_i128 b);

/* Move a built tree to parameter t. */
void		mlm_ktree_advance(mlm_ktree *kt, int64_t t);

/*
 * The leftmost leaf p whose prefix sum is the largest at the tree's t, and
 * that sum in *value.
 */
int64_t		mlm_ktree_argmax(const mlm_ktree *kt, mlm_i128 *value);

#endif
