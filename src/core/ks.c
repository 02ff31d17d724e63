/*
 * ks.c: statistic and method selection of the two-sample Kolmogorov-Smirnov
 * test, following scipy.stats.ks_2samp (SciPy 1.10).
 *
 * The ECDF gap at a pooled value v is i/n1 - j/n2, where i and j count the
 * values <= v in each sample.  The walk evaluates it at every distinct
 * pooled value in floating point exactly as SciPy does (cdf1 - cdf2, each a
 * quotient), so that where several values attain the extreme the same one
 * is reported; the exact p-value then recovers the integer numerator
 * h = round(D * lcm(n1, n2)) as SciPy does.
 */
#include "ks.h"

#include <math.h>
#include <string.h>

#include "kolmogorov.h"

#define AUTO_EXACT_MAX_N 10000	/* SciPy's MAX_AUTO_N */

/* Record the gap at value v (present in a and/or b) if it is a new extreme. */
static void
note_extreme(mlm_ks_extreme *e, double gap, int sign, double v, int in_a, int in_b)
{
	double		sg = sign > 0 ? gap : -gap;
	double		se = sign > 0 ? e->gap : -e->gap;

	if (!e->set || sg > se)
	{
		e->set = 1;
		e->gap = gap;
		e->has_a = in_a;
		e->has_b = in_b;
		e->loc_a = v;
		e->loc_b = v;
	}
	else if (sg == se)
	{
		/* numpy.argmax over data1 then data2 (each sorted) takes the first. */
		if (in_a && !e->has_a)
		{
			e->has_a = 1;
			e->loc_a = v;
		}
		if (in_b && !e->has_b)
		{
			e->has_b = 1;
			e->loc_b = v;
		}
	}
}

void
mlm_ks_walk_init(mlm_ks_walk *w, int64_t n1, int64_t n2)
{
	memset(w, 0, sizeof(*w));
	w->n1 = n1;
	w->n2 = n2;
}

void
mlm_ks_walk_point(mlm_ks_walk *w, int64_t i, int64_t j, double v, int in_a, int in_b)
{
	double		gap = (double) i / (double) w->n1 - (double) j / (double) w->n2;

	note_extreme(&w->emax, gap, +1, v, in_a, in_b);
	note_extreme(&w->emin, gap, -1, v, in_a, in_b);
}

/*
 * The p-value depends only on (n1, n2, d, alternative, method) and can cost
 * O(n1 n2) (exact) or O(n1 n2 / (n1 + n2)) (the asymptotic kstwo branch).
 * A sliding window asks for it once per row while d often repeats from one
 * row to the next, so the last answer is remembered.  The process is
 * single-threaded; the memo only ever returns what the computation would.
 */
static struct
{
	bool		valid;
	int64_t		n1;
	int64_t		n2;
	double		d;
	mlm_alternative alt;
	mlm_ks_method mode;			/* the method asked for: exact or asymp */
	double		pvalue;
	double		log_pvalue;
	mlm_ks_method used;
} pvalue_memo;

static bool
memo_lookup(int64_t n1, int64_t n2, double d, mlm_alternative alt, mlm_ks_method mode,
			double *pvalue, double *log_pvalue, mlm_ks_method *used)
{
	if (!pvalue_memo.valid || pvalue_memo.n1 != n1 || pvalue_memo.n2 != n2 ||
		pvalue_memo.d != d || pvalue_memo.alt != alt || pvalue_memo.mode != mode)
		return false;
	*pvalue = pvalue_memo.pvalue;
	*log_pvalue = pvalue_memo.log_pvalue;
	*used = pvalue_memo.used;
	return true;
}

static void
memo_store(int64_t n1, int64_t n2, double d, mlm_alternative alt, mlm_ks_method mode,
		   double pvalue, double log_pvalue, mlm_ks_method used)
{
	pvalue_memo.valid = true;
	pvalue_memo.n1 = n1;
	pvalue_memo.n2 = n2;
	pvalue_memo.d = d;
	pvalue_memo.alt = alt;
	pvalue_memo.mode = mode;
	pvalue_memo.pvalue = pvalue;
	pvalue_memo.log_pvalue = log_pvalue;
	pvalue_memo.used = used;
}

void
mlm_ks_walk_finish(const mlm_ks_walk *w, mlm_alternative alt, mlm_ks_method method,
				   mlm_ks_result *res)
{
	int64_t		n1 = w->n1;
	int64_t		n2 = w->n2;
	int64_t		g = mlm_gcd(n1, n2);
	int64_t		n1g = n1 / g;
	int64_t		n2g = n2 / g;
	const mlm_ks_extreme *ext;
	double		d;
	double		minS,
				maxS;
	mlm_ks_method mode = method;
	int64_t		h = 0;

	maxS = w->emax.gap;
	minS = -w->emin.gap;
	if (minS < 0.0)
		minS = 0.0;
	if (minS > 1.0)
		minS = 1.0;

	if (alt == MLM_LESS || (alt == MLM_TWO_SIDED && minS > maxS))
	{
		ext = &w->emin;
		d = minS;
		res->sign = -1;
	}
	else
	{
		ext = &w->emax;
		d = maxS;
		res->sign = 1;
	}
	res->location = ext->has_a ? ext->loc_a : (ext->has_b ? ext->loc_b : NAN);

	if (mode == MLM_KS_AUTO)
		mode = (n1 > AUTO_EXACT_MAX_N || n2 > AUTO_EXACT_MAX_N) ? MLM_KS_ASYMP : MLM_KS_EXACT;
	else if (mode == MLM_KS_EXACT)
	{
		/* lcm(n1, n2) too big for the exact lattice computation: SciPy switches. */
		if ((double) n1g >= 2147483647.0 / (double) n2g)
			mode = MLM_KS_ASYMP;
	}

	if (mode == MLM_KS_EXACT)
	{
		/* h as SciPy derives it: round(d * lcm), then d = h / lcm exactly. */
		double		lcm = (double) n1g * (double) n2;

		h = (int64_t) nearbyint(d * lcm);
		d = (double) h / lcm;
	}
	res->statistic = d;
	if (mode == MLM_KS_NONE)
	{
		res->pvalue = NAN;
		res->log_pvalue = NAN;
		res->method_used = MLM_KS_NONE;
		return;
	}
	if (memo_lookup(n1, n2, d, alt, mode, &res->pvalue, &res->log_pvalue, &res->method_used))
		return;

	res->method_used = MLM_KS_ASYMP;
	if (mode == MLM_KS_EXACT)
	{
		double		p;

		if (mlm_ks2_exact_pvalue(n1, n2, h, alt, &p))
		{
			res->pvalue = p;
			res->log_pvalue = mlm_ks2_exact_logp(n1, n2, h, alt, p);
			res->method_used = MLM_KS_EXACT;
		}
	}
	if (res->method_used == MLM_KS_ASYMP)
	{
		res->pvalue = mlm_ks2_asymp_pvalue(n1, n2, d, alt);
		res->log_pvalue = mlm_ks2_asymp_logp(n1, n2, d, alt);
	}
	memo_store(n1, n2, d, alt, mode, res->pvalue, res->log_pvalue, res->method_used);
}

void
mlm_ks_2samp(const mlm_wsample *a, const mlm_wsample *b,
			 mlm_alternative alt, mlm_ks_method method, mlm_ks_result *res)
{
	int64_t		n1 = a->n;
	int64_t		n2 = b->n;
	int64_t		g = mlm_gcd(n1, n2);
	int64_t		n1g = n1 / g;
	int64_t		n2g = n2 / g;
	int64_t		ia = 0,
				ib = 0;			/* entries consumed */
	int64_t		i = 0,
				j = 0;			/* values consumed */
	mlm_ks_walk w;

	/*
	 * Two gaps that differ exactly differ by at least 1 / lcm(n1, n2), more
	 * than the rounding of cdf1 - cdf2 (under 2e-16) when the lcm is below
	 * 2^51.  Then only positions whose exact numerator i*(n2/g) - j*(n1/g)
	 * reaches the extreme so far can hold SciPy's floating-point extreme,
	 * and the divisions are done only there.
	 */
	int			prefilter = (double) n1g * (double) n2 < 2251799813685248.0;
	int64_t		kmax = INT64_MIN,
				kmin = INT64_MAX;

	mlm_ks_walk_init(&w, n1, n2);
	/* Walk every distinct pooled value, consuming all its copies in both samples. */
	while (ia < a->m || ib < b->m)
	{
		double		v;
		int			in_a,
					in_b;
		double		gap;

		if (ib >= b->m || (ia < a->m && a->v[ia] <= b->v[ib]))
			v = a->v[ia];
		else
			v = b->v[ib];
		in_a = ia < a->m && a->v[ia] == v;
		in_b = ib < b->m && b->v[ib] == v;
		if (in_a)
			mlm_ws_next(a, &ia, &i);
		if (in_b)
			mlm_ws_next(b, &ib, &j);
		if (prefilter)
		{
			int64_t		k = i * n2g - j * n1g;

			if (k < kmax && k > kmin)
				continue;
			if (k > kmax)
				kmax = k;
			if (k < kmin)
				kmin = k;
			gap = (double) i / (double) n1 - (double) j / (double) n2;
			if (k == kmax)
				note_extreme(&w.emax, gap, +1, v, in_a, in_b);
			if (k == kmin)
				note_extreme(&w.emin, gap, -1, v, in_a, in_b);
			continue;
		}
		mlm_ks_walk_point(&w, i, j, v, in_a, in_b);
	}
	mlm_ks_walk_finish(&w, alt, method, res);
}
