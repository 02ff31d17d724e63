/*
 * wsample.h: a sorted sample with optional counts, the one input of the
 * numeric drift statistics.
 *
 * A raw sample is a sorted array of values (ties repeated, no counts); a
 * profile is a sorted array of distinct values with counts.  Every
 * statistic walks values in order and treats each run of equal values as one
 * step, so both forms give identical floating-point results.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_WSAMPLE_H
#define MLM_WSAMPLE_H

#include <stdint.h>

typedef struct mlm_wsample
{
	const double *v;			/* ascending values (distinct when w is set) */
	const int64_t *w;			/* count of each value, or NULL: each counts once */
	const int64_t *cum;			/* with w: cum[i] = w[0] + ... + w[i] */
	int64_t		m;				/* number of entries */
	int64_t		n;				/* number of values (m when w is NULL) */
} mlm_wsample;

/* A sample over a sorted array of n values. */
mlm_wsample mlm_ws_array(const double *v, int64_t n);

/*
 * A sample over m distinct ascending values with counts w and their running
 * sums cum (filled in here; room for m).
 */
mlm_wsample mlm_ws_counted(const double *v, const int64_t *w, int64_t *cum, int64_t m);

/* Number of values < x. */
int64_t		mlm_ws_count_below(const mlm_wsample *s, double x);

/* Number of values <= x. */
int64_t		mlm_ws_count_upto(const mlm_wsample *s, double x);

/* The r-th smallest value, 0 <= r < n. */
double		mlm_ws_value_at(const mlm_wsample *s, int64_t r);

/*
 * Step through the distinct values: starting at entry *pos, return the
 * value there and add how many values equal it to *count; *pos moves past
 * them.
 */
static inline double
mlm_ws_next(const mlm_wsample *s, int64_t *pos, int64_t *count)
{
	double		v = s->v[*pos];

	if (s->w)
	{
		*count += s->w[*pos];
		(*pos)++;
	}
	else
	{
		while (*pos < s->m && s->v[*pos] == v)
		{
			(*count)++;
			(*pos)++;
		}
	}
	return v;
}

/*
 * The number of values equal to v at entry *pos (0 when that entry holds
 * another value, or none is left); *pos moves past them.  The merge step of
 * the rank statistics: one predictable branch on the form, then the tight
 * loop of a raw sample.
 */
static inline int64_t
mlm_ws_take(const mlm_wsample *s, int64_t *pos, double v)
{
	int64_t		p = *pos,
				c = 0;

	if (s->w)
	{
		if (p < s->m && s->v[p] == v)
		{
			c = s->w[p];
			*pos = p + 1;
		}
		return c;
	}
	while (p < s->m && s->v[p] == v)
		p++;
	c = p - *pos;
	*pos = p;
	return c;
}

#endif
