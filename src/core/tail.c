/*
 * tail.c: two-sided tail probabilities under a reference distribution.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <math.h>
#include <stdlib.h>

#include "tail.h"

double
mlm_tail_numeric(const mlm_wsample *ref, const mlm_grid_index *ix, double min, double max, double x)
{
	double		n = (double) ref->n,
				below,
				upto,
				p;
	int64_t		j,
				k;

	if (ref->n == 0 || x < min || x > max)
		return 0.0;
	/* entries [0, j) are < x, entries [j, k) equal x */
	j = mlm_grid_lower_bound(ix, x);
	for (k = j; k < ref->m && ref->v[k] == x; k++)
		;
	if (ref->w == 0)
	{
		below = (double) j / n;
		upto = (double) k / n;
	}
	else
	{
		below = (j == 0 ? 0.0 : (double) ref->cum[j - 1]) / n;
		upto = (k == 0 ? 0.0 : (double) ref->cum[k - 1]) / n;
	}
	p = 2.0 * (upto < 1.0 - below ? upto : 1.0 - below);
	return p < 1.0 ? p : 1.0;
}

/* The same arithmetic as mlm_tail_numeric and the row's Bonferroni step. */
static int
anomalous_at(double below_count, double upto_count, double n, double k, double alpha)
{
	double		below = below_count / n,
				upto = upto_count / n,
				p = 2.0 * (upto < 1.0 - below ? upto : 1.0 - below),
				q;

	p = p < 1.0 ? p : 1.0;
	q = p * k;
	return (q < 1.0 ? q : 1.0) < alpha;
}

void
mlm_tail_cutoffs(const mlm_wsample *ref, double k, double alpha, mlm_tail_cut *cut)
{
	int64_t		m = ref->m,
				i;
	double		n = (double) ref->n;

#define CUM(i) ((i) < 0 ? 0.0 : (double) ref->cum[(i)])
	/* from the left: point 0, gap (0, 1), point 1, ...: the first position that is not anomalous */
	cut->lo = INFINITY;
	cut->lo_incl = 0;
	for (i = 0; i < m; i++)
	{
		if (i > 0 && !anomalous_at(CUM(i - 1), CUM(i - 1), n, k, alpha))
		{
			cut->lo = ref->v[i - 1];	/* the gap above v[i-1] is normal: v[i-1] and below are not */
			cut->lo_incl = 1;
			break;
		}
		if (!anomalous_at(CUM(i - 1), CUM(i), n, k, alpha))
		{
			cut->lo = ref->v[i];
			cut->lo_incl = 0;
			break;
		}
	}
	/* from the right: point m-1, gap (m-2, m-1), point m-2, ... */
	cut->hi = -INFINITY;
	cut->hi_incl = 0;
	for (i = m - 1; i >= 0; i--)
	{
		if (i < m - 1 && !anomalous_at(CUM(i), CUM(i), n, k, alpha))
		{
			cut->hi = ref->v[i + 1];
			cut->hi_incl = 1;
			break;
		}
		if (!anomalous_at(CUM(i - 1), CUM(i), n, k, alpha))
		{
			cut->hi = ref->v[i];
			cut->hi_incl = 0;
			break;
		}
	}
#undef CUM
}

static const int64_t *sort_counts;

static int
by_count(const void *a, const void *b)
{
	int64_t		ca = sort_counts[*(const int64_t *) a],
				cb = sort_counts[*(const int64_t *) b];

	return (ca > cb) - (ca < cb);
}

void
mlm_tail_categories(const int64_t *counts, int64_t m, int64_t total,
					double *tail, int64_t *order)
{
	int64_t		i,
				k,
				cum = total;

	/* a sketch's unlisted categories are rarer than every listed one */
	for (i = 0; i < m; i++)
	{
		order[i] = i;
		cum -= counts[i];
	}
	sort_counts = counts;
	qsort(order, (size_t) m, sizeof(int64_t), by_count);
	sort_counts = NULL;
	/* categories of equal count share the tail that includes all of them */
	for (i = 0; i < m; i = k)
	{
		int64_t		c = counts[order[i]],
					j;

		for (k = i; k < m && counts[order[k]] == c; k++)
			cum += c;
		for (j = i; j < k; j++)
			tail[order[j]] = total > 0 ? (double) cum / (double) total : 0.0;
	}
}
