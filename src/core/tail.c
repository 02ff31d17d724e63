/*
 * tail.c: two-sided tail probabilities under a reference distribution.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <stdlib.h>

#include "tail.h"

double
mlm_tail_numeric(const mlm_wsample *ref, double min, double max, double x)
{
	double		n = (double) ref->n,
				below,
				upto,
				p;

	if (ref->n == 0 || x < min || x > max)
		return 0.0;
	upto = (double) mlm_ws_count_upto(ref, x) / n;
	below = (double) mlm_ws_count_below(ref, x) / n;
	p = 2.0 * (upto < 1.0 - below ? upto : 1.0 - below);
	return p < 1.0 ? p : 1.0;
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
