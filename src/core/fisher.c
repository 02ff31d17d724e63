/*
 * fisher.c: two-sided Fisher's exact test (fisher.h).
 *
 * Given the margins, the table's top-left cell X is hypergeometric:
 * P(X = x) = hypergeom.pmf(x, N, n1, n), n1 the first row's total, n the
 * first column's.  SciPy 1.10's two-sided p-value, which this reproduces:
 *   - the mode m = floor((n + 1)(n1 + 1) / (N + 2)); if P(c00) is within
 *     a relative 1e-14 of P(m), p = 1;
 *   - else the tail on c00's side of the mode (from c00 outward) plus the
 *     tables on the other side whose probability is below P(c00)(1 + 1e-14)
 *     (SciPy finds where they start by binary search: P decreases away from
 *     the mode; so does it here);
 *   - p is clipped to 1.
 * All probabilities are taken relative to P(c00), in log space
 * (hypergeom.c), so a table whose P(c00) underflows still gets a finite
 * ln p.  The tails are summed outward and stop once the rest is provably
 * negligible: P is log-concave, so the ratio r of successive terms only
 * shrinks and the rest is below term * r / (1 - r).  When p > 1/2, ln p is
 * taken as log1p(-(the probability of the tables between the two tails)),
 * which keeps its digits when p is close to 1.
 */
#include "fisher.h"

#include <math.h>

#include "hypergeom.h"

/* SciPy's relative tolerance for "as likely as". */
#define FISHER_EPS 1e-14
/* A tail stops when what is left is below this share of its sum. */
#define TAIL_REL 1e-18

typedef struct table_margins
{
	int64_t		n1;				/* first row's total */
	int64_t		n2;				/* second row's total */
	int64_t		n;				/* first column's total */
	int64_t		lo;				/* support of X */
	int64_t		hi;
} table_margins;

static double
lpmf(const table_margins *t, int64_t x)
{
	return mlm_hypergeom_logpmf(x, t->n1, t->n2, t->n);
}

/* sum over x = from, from + step, ... (within the support) of exp(ln P(x) - shift). */
static double
tail_sum(const table_margins *t, int64_t from, int step, double shift)
{
	double		sum = 0.0;
	double		prev = -1.0;
	int64_t		x;

	for (x = from; x >= t->lo && x <= t->hi; x += step)
	{
		double		term = exp(lpmf(t, x) - shift);

		sum += term;
		if (prev > 0.0)
		{
			double		r = term / prev;

			if (r < 0.5 && term * r / (1.0 - r) < TAIL_REL * sum)
				break;
		}
		if (term == 0.0 && sum > 0.0)
			break;
		prev = term;
	}
	return sum;
}

/*
 * Where the other side's tail starts: on [a, b] (step +1: P decreasing
 * from the mode a to b; step -1: increasing from a up to the mode b) the
 * x nearest the support's end that is still counted.  Returns the first x
 * of the tail walking away from the mode, or a value outside [lo, hi]
 * when the tail is empty.
 */
static int64_t
far_tail_start(const table_margins *t, int64_t mode, int upward, double threshold)
{
	int64_t		a,
				b;

	if (upward)
	{
		/* smallest x in [mode, hi] with ln P(x) < threshold (P decreasing) */
		if (!(lpmf(t, t->hi) < threshold))
			return t->hi + 1;
		a = mode;
		b = t->hi;
		while (a < b)
		{
			int64_t		mid = a + (b - a) / 2;

			if (lpmf(t, mid) < threshold)
				b = mid;
			else
				a = mid + 1;
		}
		return a;
	}
	/* largest x in [lo, mode] with ln P(x) <= threshold (P increasing) */
	if (!(lpmf(t, t->lo) <= threshold))
		return t->lo - 1;
	a = t->lo;
	b = mode;
	while (a < b)
	{
		int64_t		mid = b - (b - a) / 2;

		if (lpmf(t, mid) <= threshold)
			a = mid;
		else
			b = mid - 1;
	}
	return a;
}

/* sum of P(x) for x in [from, to] (the tables between the tails). */
static double
middle_sum(const table_margins *t, int64_t from, int64_t to)
{
	double		sum = 0.0;
	int64_t		x;

	for (x = from; x <= to; x++)
		sum += exp(lpmf(t, x));
	return sum;
}

void
mlm_fisher_exact(int64_t c00, int64_t c01, int64_t c10, int64_t c11,
				 mlm_test_outcome *out)
{
	table_margins t;
	int64_t		total,
				mode,
				far;
	double		lpe,
				lpm,
				threshold,
				s,
				logp;
	int			upward;

	out->method = "exact";
	t.n1 = c00 + c01;
	t.n2 = c10 + c11;
	t.n = c00 + c10;
	total = t.n1 + t.n2;
	if (t.n1 == 0 || t.n2 == 0 || t.n == 0 || c01 + c11 == 0)
	{
		out->statistic = (double) NAN;
		out->pvalue = 1.0;
		out->log_pvalue = 0.0;
		return;
	}
	if (c10 > 0 && c01 > 0)
		out->statistic = (double) ((__int128) c00 * c11) / (double) ((__int128) c10 * c01);
	else
		out->statistic = (double) INFINITY;

	t.lo = t.n - t.n2 > 0 ? t.n - t.n2 : 0;
	t.hi = t.n < t.n1 ? t.n : t.n1;
	mode = (int64_t) (((__int128) (t.n + 1) * (t.n1 + 1)) / (total + 2));
	lpe = lpmf(&t, c00);
	lpm = lpmf(&t, mode);
	if (-expm1(-fabs(lpe - lpm)) <= FISHER_EPS)
	{
		out->pvalue = 1.0;
		out->log_pvalue = 0.0;
		return;
	}
	threshold = lpe + log1p(FISHER_EPS);
	upward = c00 < mode;
	if (upward)
	{
		s = tail_sum(&t, c00, -1, lpe);
		far = far_tail_start(&t, mode, 1, threshold);
		if (far <= t.hi)
			s += tail_sum(&t, far, 1, lpe);
	}
	else
	{
		s = tail_sum(&t, c00, 1, lpe);
		far = far_tail_start(&t, mode, 0, threshold);
		if (far >= t.lo)
			s += tail_sum(&t, far, -1, lpe);
	}
	logp = lpe + log(s);
	out->pvalue = logp >= 0.0 ? 1.0 : exp(logp);
	if (out->pvalue > 0.5)
	{
		/* 1 - p: the tables strictly between the two tails */
		double		rest = upward ? middle_sum(&t, c00 + 1, far - 1) : middle_sum(&t, far + 1, c00 - 1);

		out->log_pvalue = rest < 0.5 ? log1p(-rest) : logp;
		if (out->log_pvalue > 0.0)
			out->log_pvalue = 0.0;
	}
	else
		out->log_pvalue = logp;
}
