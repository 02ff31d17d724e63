/*
 * moments.c: sample moments in double-double arithmetic.
 *
 * Part of the numerics core: plain C99, no PostgreSQL headers.
 *
 * Welford's update (mean += d / n, M2 += d (x - mean'), d = x - mean) and
 * Chan et al.'s merge (mean = mean_a + d n_b / n, M2 = M2_a + M2_b +
 * d^2 n_a n_b / n, d = mean_b - mean_a) are stable but, in double, leave
 * the mean with an error of a few ulps per value; the t statistic divides
 * the difference of two means, so that error would be amplified where the
 * means are large and close.  In double-double (about 32 digits; sums and
 * products made exact by two-sum and fma) the state's mean and M2 are as
 * good as the data, and the result rounded to double agrees with NumPy's
 * mean and var to the last digit or so, whatever the order in which rows
 * and partial states arrive.
 */
#include <math.h>

#include "moments.h"

/* a + b exactly as hi + lo (Knuth's two-sum). */
static inline mlm_dd
two_sum(double a, double b)
{
	mlm_dd		r;
	double		bb;

	r.hi = a + b;
	bb = r.hi - a;
	r.lo = (a - (r.hi - bb)) + (b - bb);
	return r;
}

/* hi + lo renormalized (|lo| <= ulp(hi) / 2), given |a| >= |b| or a = 0. */
static inline mlm_dd
fast_two_sum(double a, double b)
{
	mlm_dd		r;

	r.hi = a + b;
	r.lo = b - (r.hi - a);
	return r;
}

static inline mlm_dd
dd_add(mlm_dd a, mlm_dd b)
{
	mlm_dd		s = two_sum(a.hi, b.hi);
	mlm_dd		t = two_sum(a.lo, b.lo);

	s.lo += t.hi;
	s = fast_two_sum(s.hi, s.lo);
	s.lo += t.lo;
	return fast_two_sum(s.hi, s.lo);
}

static inline mlm_dd
dd_neg(mlm_dd a)
{
	a.hi = -a.hi;
	a.lo = -a.lo;
	return a;
}

static inline mlm_dd
dd_mul(mlm_dd a, mlm_dd b)
{
	double		p = a.hi * b.hi;
	double		e = fma(a.hi, b.hi, -p);

	e += a.hi * b.lo + a.lo * b.hi;
	return fast_two_sum(p, e);
}

/* a / b for a double b. */
static inline mlm_dd
dd_div_d(mlm_dd a, double b)
{
	double		q1 = a.hi / b;
	/* remainder a - q1 b, exactly in its high part */
	double		p = q1 * b;
	double		e = fma(q1, b, -p);
	double		r = ((a.hi - p) - e + a.lo) / b;

	return fast_two_sum(q1, r);
}

static inline mlm_dd
dd_of(double x)
{
	mlm_dd		r = {x, 0.0};

	return r;
}

void
mlm_dmoments_add(mlm_dmoments *m, double x)
{
	mlm_dd		d,
				d2;

	m->n++;
	d = dd_add(dd_of(x), dd_neg(m->mean));
	m->mean = dd_add(m->mean, dd_div_d(d, (double) m->n));
	d2 = dd_add(dd_of(x), dd_neg(m->mean));
	m->m2 = dd_add(m->m2, dd_mul(d, d2));
}

void
mlm_dmoments_add_count(mlm_dmoments *m, double x, int64_t count)
{
	mlm_dmoments b = {count, {x, 0.0}, {0.0, 0.0}};

	if (count == 1)
		mlm_dmoments_add(m, x);
	else
		mlm_dmoments_merge(m, &b);
}

void
mlm_dmoments_of_sample(const mlm_wsample *s, mlm_dmoments *m)
{
	int64_t		pos = 0;

	m->n = 0;
	m->mean.hi = m->mean.lo = m->m2.hi = m->m2.lo = 0.0;
	while (pos < s->m)
	{
		int64_t		count = 0;
		double		x = mlm_ws_next(s, &pos, &count);

		mlm_dmoments_add_count(m, x, count);
	}
}

void
mlm_dmoments_merge(mlm_dmoments *a, const mlm_dmoments *b)
{
	double		n;
	mlm_dd		d;

	if (b->n == 0)
		return;
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	n = (double) a->n + (double) b->n;
	d = dd_add(b->mean, dd_neg(a->mean));
	a->mean = dd_add(a->mean, dd_div_d(dd_mul(d, dd_of((double) b->n)), n));
	a->m2 = dd_add(dd_add(a->m2, b->m2),
				   dd_div_d(dd_mul(dd_mul(d, d), dd_mul(dd_of((double) a->n), dd_of((double) b->n))), n));
	a->n += b->n;
}
