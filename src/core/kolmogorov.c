/*
 * kolmogorov.c - one-sample Kolmogorov-Smirnov distributions (mlmon numerics core)
 *
 * Three functions are exported (see kolmogorov.h):
 *   mlm_kolmogorov_sf  limiting distribution of sqrt(n) D_n
 *   mlm_smirnov_sf     exact one-sided D+_n survival function
 *   mlm_kstwo_sf       two-sided D_n survival function for finite n
 *
 * The results are meant to reproduce SciPy 1.10 digit for digit where SciPy
 * uses an approximation, so the region boundaries below (140, 0.754693, 4,
 * 2.2, 18, 370, 1.4, 1e5, 1e6, 0.82, ...) are deliberately the ones SciPy
 * uses, and the approximations are evaluated with the same floating-point
 * operations.  The exact algorithms are written independently and evaluated
 * with enough precision that their agreement is limited by SciPy's rounding.
 *
 * No global mutable state; scratch memory comes from the host (core/env.h)
 * and a failed allocation yields NaN.
 *
 * Portions Copyright (c) the mlmon authors; PostgreSQL licence.
 */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdbool.h>
#include <float.h>
#include <string.h>

#include "kolmogorov.h"
#include "env.h"
#include "clip.h"
#include "summation.h"

#define MLM_KS_PI		3.14159265358979323846264338327950288
#define MLM_KS_LN2		0.693147180559945309417232121458176568

/* log(DBL_MIN) as used by the cephes library: exp() below this underflows */
#define MLM_KS_MINLOG	(-7.08396418532264106224E2)

/* kolmogorov(): switch between the two theta-function series */
#define KOLMOG_SWITCH_X	0.82
/* smirnov(): above this n SciPy replaces the exact sum by an approximation */
#define SMIRNOV_EXACT_MAX_N	1000000
/* smirnov(): when the alternating "upper" sum may be used */
#define SMIRNOV_UPPER_MAX_TERMS	3
#define SMIRNOV_UPPER_MIN_N		10
/* smirnov(): recompute a term from scratch this often in the ratio recurrence */
#define SMIRNOV_ANCHOR	128

/* kstwo(): scaling constants for the exact algorithms (2^128, 2^-128) */
#define KS_SCALE_EXP	128
#define KS_BIG			3.4028236692093846346e+38	/* 2^128 */
#define KS_SMALL		2.9387358770557187700e-39	/* 2^-128 */


/* ------------------------------------------------------------------------ */
/* small helpers                                                            */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Limiting distribution                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Kolmogorov's limiting survival function K(x) = P(sqrt(n) D_n > x), via the
 * two Jacobi theta series (small x: sqrt(2pi)/x sum exp(-(2k-1)^2 pi^2/8x^2);
 * large x: 2 sum (-1)^(k-1) exp(-2k^2x^2)), truncated as in van Mulbregt,
 * "Computing the CDF and quantiles of the limit of the two-sided KS
 * statistic", arXiv:1803.00426 (2018).
 */
double
mlm_kolmogorov_sf(double x)
{
	double		sf;

	if (isnan(x))
		return x;
	if (x <= 0.0)
		return 1.0;
	/* below this the first theta term is exp(-746) or less: CDF is 0 */
	if (x <= MLM_KS_PI / sqrt(746.0 * 8.0))
		return 1.0;

	if (x <= KOLMOG_SWITCH_X)
	{
		/* CDF = (sqrt(2pi)/x) u (1 + u^8 + u^24 + u^48), u = exp(-pi^2/8x^2) */
		double		scale = sqrt(2.0 * MLM_KS_PI) / x;
		double		log_u8 = -MLM_KS_PI * MLM_KS_PI / (x * x);
		double		u = exp(log_u8 / 8.0);
		double		cdf;

		if (u == 0.0)
			cdf = exp(log_u8 / 8.0 + log(scale));
		else
		{
			double		u8 = exp(log_u8);
			double		acc;

			acc = 1.0 + pow(u8, 3.0);
			acc = 1.0 + u8 * u8 * acc;
			acc = 1.0 + u8 * acc;
			cdf = scale * u * acc;
		}
		sf = 1.0 - cdf;
	}
	else
	{
		/* SF = 2 v (1 - v^3 (1 - v^5 (1 - v^7))), v = exp(-2x^2) */
		double		v = exp(-2.0 * x * x);
		double		v2 = v * v;
		double		v3 = pow(v, 3.0);
		double		acc = 1.0;

		acc = 1.0 - v3 * v3 * v * acc;
		acc = 1.0 - v3 * v2 * acc;
		acc = 1.0 - v3 * acc;
		sf = 2.0 * v * acc;
	}
	return mlm_clip_unit(sf);
}


/* ------------------------------------------------------------------------ */
/* One-sided statistic                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Split n*x exactly: n*x = *hi + *lo (fma), *whole = floor(n*x) and *frac
 * the fraction rounded to double, as SciPy's double-double code sees it; a
 * fraction that rounds to 1 is folded into the integer part.
 */
static void
split_nx(int64_t n, double x, double *hi, double *lo, int64_t *whole, double *frac)
{
	double		h = (double) n * x;
	double		l = fma((double) n, x, -h);
	double		fl = floor(h);
	int64_t		w;
	double		a;

	if (fl == h)
	{
		double		lofl = floor(l);

		w = (int64_t) h + (int64_t) lofl;
		a = l - lofl;
	}
	else
	{
		w = (int64_t) fl;
		a = (h - fl) + l;
	}
	if (a >= 1.0)
	{
		w += 1;
		a = 0.0;
	}
	*hi = h;
	*lo = l;
	*whole = w;
	*frac = a;
}

/* A long double with a separate binary exponent: value = m * 2^e, 0.5 <= |m| < 1 (or m == 0). */
typedef struct
{
	long double m;
	int64_t		e;
} scaled_ld;

/* Normalise v * 2^e into a scaled_ld. */
static scaled_ld
sc_make(long double v, int64_t e)
{
	scaled_ld	r;
	int			k = 0;

	r.m = frexpl(v, &k);
	r.e = (r.m == 0.0L) ? 0 : e + k;
	return r;
}

/* Product of two scaled numbers. */
static scaled_ld
sc_mul(scaled_ld a, scaled_ld b)
{
	return sc_make(a.m * b.m, a.e + b.e);
}

/*
 * y^k for 0.5 <= y < 1 and k >= 0 without underflow: powl in chunks of
 * 4096 (so no partial power leaves the long double range), exponents kept
 * as integers.
 */
static scaled_ld
sc_pow_mantissa(long double y, int64_t k)
{
	scaled_ld	chunk,
				high,
				low;
	int64_t		q;

	if (k <= 4096)
		return sc_make(powl(y, (long double) k), 0);
	q = k / 4096;
	chunk = sc_make(powl(y, 4096.0L), 0);
	high = sc_pow_mantissa(chunk.m, q);
	high.e += chunk.e * q;
	low = sc_make(powl(y, (long double) (k % 4096)), 0);
	return sc_mul(high, low);
}

/*
 * (hi + lo)^k for hi > 0, |lo| <= ulp(hi)/2, k >= -1, as a scaled number;
 * the lo part enters through the first-order factor 1 + k lo/hi, which is
 * exact to long double precision because k |lo/hi| < 1e-12 here.
 */
static scaled_ld
sc_pow(long double hi, long double lo, int64_t k)
{
	scaled_ld	r;
	int			eb = 0;
	long double y;

	if (k == -1)
	{
		r = sc_make(1.0L / hi, 0);
		r.m *= 1.0L - lo / hi;
		return sc_make(r.m, r.e);
	}
	y = frexpl(hi, &eb);
	r = sc_pow_mantissa(y, k);
	r.e += (int64_t) eb * k;
	if (lo != 0.0L)
		r.m *= 1.0L + (long double) k * (lo / hi);
	return sc_make(r.m, r.e);
}

/*
 * a + b - c as an unevaluated pair hi + lo (|lo| <= ulp(hi)/2), where a is
 * an integer and b, c doubles with |c| <= ulp(b)/2 (Knuth's two-sum in long
 * double).
 */
static void
sum3_pair(long double a, long double b, long double c, long double *hi, long double *lo)
{
	long double s = a + b;
	long double bb = s - a;
	long double err = (a - (s - bb)) + (b - bb);
	long double t;

	err -= c;
	t = s + err;
	*lo = err - (t - s);
	*hi = t;
}

/*
 * |A_v| = C(n,v) |v+nx|^(v-1) |n-v-nx|^(n-v) / n^(n-1), the v-th term of the
 * Smirnov sum scaled by 1/x, from the binomial coefficient and n^(n-1)
 * given as scaled numbers; *negative reports the sign of the term.
 */
static scaled_ld
smirnov_term(int64_t n, int64_t v, scaled_ld binom, scaled_ld npow,
			 double nx_hi, double nx_lo, bool *negative)
{
	long double up_hi,
				up_lo,
				dn_hi,
				dn_lo;
	scaled_ld	prod;

	*negative = false;
	/* v + nx and n - v - nx as exact-enough pairs */
	sum3_pair((long double) v, (long double) nx_hi, -(long double) nx_lo, &up_hi, &up_lo);
	sum3_pair((long double) (n - v), -(long double) nx_hi, (long double) nx_lo, &dn_hi, &dn_lo);

	prod = sc_mul(binom, sc_pow(up_hi, up_lo, v - 1));
	if (n - v > 0)
	{
		if (dn_hi == 0.0L)
			return sc_make(0.0L, 0);
		if (dn_hi < 0.0L)
		{
			dn_hi = -dn_hi;
			dn_lo = -dn_lo;
			*negative = ((n - v) % 2) != 0;
		}
		prod = sc_mul(prod, sc_pow(dn_hi, dn_lo, n - v));
	}
	return sc_make(prod.m / npow.m, prod.e - npow.e);
}

/*
 * A_{v+1} / A_v for the positive (lower) Smirnov sum, 0 <= v, n-v-1-nx > 0:
 *   (n-v)/(v+1) * U'/D * (1 + 1/U)^(v-1) * (D'/D)^(n-v-1)
 * with U = v+nx, U' = U+1, D = n-v-nx, D' = D-1; the powers are formed as
 * exp of (small) logarithms, so each ratio is good to a few long double ulps.
 */
static long double
smirnov_ratio(int64_t n, int64_t v, double nx_hi, double nx_lo)
{
	long double up = ((long double) v + (long double) nx_hi) + (long double) nx_lo;
	long double d_hi,
				d_lo,
				d1_hi,
				d1_lo,
				dn,
				dn1,
				logr;

	sum3_pair((long double) (n - v), -(long double) nx_hi, (long double) nx_lo, &d_hi, &d_lo);
	sum3_pair((long double) (n - v - 1), -(long double) nx_hi, (long double) nx_lo, &d1_hi, &d1_lo);
	dn = d_hi + d_lo;
	dn1 = d1_hi + d1_lo;
	if (dn1 <= 0.0L)
		return 0.0L;
	logr = (long double) (v - 1) * log1pl(1.0L / up);
	if (dn >= 2.0L)
		logr += (long double) (n - v - 1) * log1pl(-1.0L / dn);
	else
		logr += (long double) (n - v - 1) * logl(dn1 / dn);
	return (long double) (n - v) / (long double) (v + 1) * ((up + 1.0L) / dn) * expl(logr);
}

/*
 * Exact one-sided Smirnov survival function P(D+_n >= x) by the
 * Birnbaum-Tingey / Smirnov (1944) finite sum
 *     x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v),
 * or its alternating complement for small x (Dwass 1959), with the region
 * and truncation rules of van Mulbregt, "Computing the CDF and quantiles of
 * the one-sided KS statistic", arXiv:1802.06966 (2018).  Each term is
 * C(n,v) (v+nx)^(v-1) (n-v-nx)^(n-v) / n^(n-1), every factor carried as a
 * long double mantissa with an integer exponent (nx exact as a pair); for
 * n > 1e6 SciPy's approximation exp(-(6nx+1)^2/18n) is used.
 */
double
mlm_smirnov_sf(int64_t n, double x)
{
	int64_t		nxfl;
	double		nx_hi,
				nx_lo,
				alpha;
	int64_t		last_low,
				first_up,
				n_up,
				n_terms,
				v0,
				step,
				j,
				vmid;
	bool		use_upper;
	scaled_ld	binom,
				npow,
				cur;
	long double sum;
	double		prob;

	if (!(n > 0 && x >= 0.0 && x <= 1.0))
		return NAN;
	/* SciPy's smirnov takes a C int: larger n give NaN there */
	if (n > INT32_MAX)
		return NAN;
	if (n == 1)
		return 1.0 - x;
	if (x == 0.0)
		return 1.0;
	if (x == 1.0)
		return 0.0;

	split_nx(n, x, &nx_hi, &nx_lo, &nxfl, &alpha);

	/* x <= 1/n: SF = 1 - x (1+x)^(n-1) */
	if (nxfl == 0 || (nxfl == 1 && alpha == 0.0))
	{
		double		t = (double) expl((long double) (n - 1) * log1pl((long double) x));

		return 1.0 - x * t;
	}
	/* the SF underflows */
	if (-2.0 * (double) n * x * x < MLM_KS_MINLOG)
		return 0.0;
	/* x >= 1 - 1/n: SF = (1-x)^n */
	if (nxfl >= n - 1)
		return (double) powl(1.0L - (long double) x, (long double) n);
	/* very large n: SciPy's approximation exp(-(6nx+1)^2/(18n)) */
	if (n > SMIRNOV_EXACT_MAX_N)
	{
		double		y = 6.0 * (double) n * x + 1.0;
		double		logp = -pow(y, 2.0) / 18.0 / (double) n;

		if (logp < -MLM_KS_LN2)
			return exp(logp);
		return 1.0 - (-expm1(logp));
	}

	/* index ranges of the lower (positive) and upper (alternating) sums */
	last_low = n - nxfl - 1;	/* last v of the lower sum */
	first_up = (alpha == 0.0) ? n - nxfl + 1 : n - nxfl;	/* first v of the upper sum */
	n_up = n - first_up + 1;
	use_upper = (n_up <= 1 && x < 0.5) ||
		(n >= SMIRNOV_UPPER_MIN_N && n_up <= SMIRNOV_UPPER_MAX_TERMS &&
		 x <= 0.5 / sqrt((double) n));

	if (use_upper)
	{
		v0 = n;
		step = -1;
		n_terms = n_up;
	}
	else
	{
		v0 = 0;
		step = 1;
		n_terms = last_low + 1;
	}

	npow = sc_pow((long double) n, 0.0L, n - 1);
	vmid = n / 2;
	binom = sc_make(1.0L, 0);	/* C(n, j) for the j-th term */
	cur = sc_make(0.0L, 0);
	sum = 0.0L;
	for (j = 0; j < n_terms; j++)
	{
		int64_t		v = v0 + j * step;
		long double term;
		double		termd;
		bool		negative = false;

		if (j > 0)
			binom = sc_make(binom.m * (long double) (n - j + 1) / (long double) j, binom.e);

		/*
		 * Terms of the positive sum follow from their predecessor by a ratio;
		 * every SMIRNOV_ANCHOR-th term (and after a zero) is formed afresh.
		 */
		if (step > 0 && j % SMIRNOV_ANCHOR != 0 && cur.m != 0.0L)
			cur = sc_make(cur.m * smirnov_ratio(n, v - 1, nx_hi, nx_lo), cur.e);
		else
			cur = smirnov_term(n, v, binom, npow, nx_hi, nx_lo, &negative);

		if (cur.m == 0.0L || cur.e < -16500)
			term = 0.0L;
		else
			term = ldexpl(cur.m, (int) cur.e);
		if (negative)
			term = -term;
		termd = (double) term;

		if (j == 0)
		{
			sum += term;
			continue;
		}
		if (isfinite(termd) && termd != 0.0)
			sum += term;
		/* stop once the rest cannot change the sum (same rule as SciPy) */
		if (termd != 0.0)
		{
			if (4.0 * (double) (n_terms - j) * fabs(termd) < DBL_EPSILON * (double) sum &&
				j != n_terms - 1)
				break;
		}
		else if (j > vmid)
			break;
	}

	prob = (double) ((long double) x * sum);
	if (step < 0)
		return mlm_clip_unit(1.0 - prob);
	return mlm_clip_unit(prob);
}


/* ------------------------------------------------------------------------ */
/* Two-sided statistic, finite n                                            */
/* ------------------------------------------------------------------------ */

/* C = A * B for m x m row-major matrices (C must not alias A or B). */
static void
matmul_square(const double *A, const double *B, double *C, int m)
{
	int			r,
				c,
				q;

	for (r = 0; r < m; r++)
	{
		double	   *crow = C + (size_t) r * m;

		for (c = 0; c < m; c++)
			crow[c] = 0.0;
		for (q = 0; q < m; q++)
		{
			double		a = A[(size_t) r * m + q];
			const double *brow = B + (size_t) q * m;

			if (a == 0.0)
				continue;
			for (c = 0; c < m; c++)
				crow[c] += a * brow[c];
		}
	}
}

/*
 * P(D_n <= d) by Durbin's matrix formula, evaluated as in Marsaglia, Tsang &
 * Wang, "Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18) (2003):
 * with k = ceil(nd), h = k - nd, the answer is n!/n^n (H^n)_{kk} for a
 * (2k-1)x(2k-1) matrix H, the power taken by repeated squaring with
 * power-of-two rescaling (same rescaling points as SciPy).  Returns false if
 * scratch memory is unavailable.
 */
static bool
durbin_mtw_cdf(int64_t n, double d, double *cdf)
{
	double		nd,
				h,
				fac,
				tt,
				p;
	int			k,
				m,
				r,
				c;
	double	   *mem,
			   *H,
			   *P,
			   *T,
			   *col;
	int64_t		e_pow = 0,
				e_h = 0,
				rest,
				i;
	long double pl;

	if (d >= 1.0)
	{
		*cdf = 1.0;
		return true;
	}
	nd = (double) n * d;
	if (nd <= 0.5)
	{
		*cdf = 0.0;
		return true;
	}
	k = (int) ceil(nd);
	h = (double) k - nd;
	m = 2 * k - 1;

	mem = (double *) mlm_core_env->alloc(sizeof(double) * ((size_t) 3 * m * m + 2 * (size_t) m));
	if (mem == NULL)
		return false;
	H = mem;
	P = H + (size_t) m * m;
	T = P + (size_t) m * m;
	col = T + (size_t) m * m;	/* col[0..m-1]: first column; col[m..2m-1]: 1/j! */

	/* first column: (1 - h^(j+1)) / (j+1)!, corner adjusted; col[m+j] = 1/j! */
	fac = 1.0;
	for (r = 1; r <= m; r++)
	{
		col[m + r - 1] = fac;
		fac /= r;
		col[r - 1] = (1.0 - pow(h, (double) r)) * fac;
	}
	tt = (2.0 * h - 1.0 > 0.0 ? pow(2.0 * h - 1.0, (double) m) : 0.0) - 2.0 * pow(h, (double) m);
	col[m - 1] = (1.0 + tt) * fac;

	memset(H, 0, sizeof(double) * (size_t) m * m);
	for (c = 1; c < m; c++)
		for (r = c - 1; r < m; r++)
			H[(size_t) r * m + c] = col[m + (r - c + 1)];
	for (r = 0; r < m; r++)
		H[(size_t) r * m] = col[r];
	for (c = 0; c < m; c++)
		H[(size_t) (m - 1) * m + c] = col[m - 1 - c];

	memset(P, 0, sizeof(double) * (size_t) m * m);
	for (r = 0; r < m; r++)
		P[(size_t) r * m + r] = 1.0;

	/* P = H^n (up to the factor 2^e_pow) by binary powering */
	rest = n;
	while (rest > 0)
	{
		double	   *swap;

		if (rest & 1)
		{
			matmul_square(P, H, T, m);
			swap = P;
			P = T;
			T = swap;
			e_pow += e_h;
		}
		rest >>= 1;
		if (rest == 0)
			break;
		matmul_square(H, H, T, m);
		swap = H;
		H = T;
		T = swap;
		e_h *= 2;
		if (fabs(H[(size_t) (k - 1) * m + (k - 1)]) > KS_BIG)
		{
			size_t		q;

			for (q = 0; q < (size_t) m * m; q++)
				H[q] /= KS_BIG;
			e_h += KS_SCALE_EXP;
		}
	}
	p = P[(size_t) (k - 1) * m + (k - 1)];
	mlm_core_env->release(mem);

	/* times n!/n^n, rescaling when small (SciPy continues in long double) */
	pl = p;
	for (i = 1; i <= n; i++)
	{
		pl = ((long double) i * pl) / (long double) n;
		if (fabsl(pl) < (long double) KS_SMALL)
		{
			pl *= (long double) KS_BIG;
			e_pow -= KS_SCALE_EXP;
		}
	}
	if (e_pow != 0)
	{
		if (e_pow > INT32_MAX)
			e_pow = INT32_MAX;
		if (e_pow < INT32_MIN)
			e_pow = INT32_MIN;
		pl = ldexpl(pl, (int) e_pow);
	}
	*cdf = mlm_clip_unit((double) pl);
	return true;
}

/*
 * Lowest and highest admissible lattice index of Pomeranz's recursion for the
 * point A = base + s*g (s in -1, 0, 1), i.e. the integers j with
 * A - t < j < A + t clipped to [0, n]; t = ll + f.  All the fractional
 * parts involved are exact in double, so floor/ceil are exact.
 */
static void
pomeranz_window(int64_t base, int s, double g, double f, int64_t ll, int64_t n,
				int64_t *lo, int64_t *hi)
{
	double		frac_lo = (s > 0 ? g : (s < 0 ? -g : 0.0)) - f;
	double		frac_hi = (s > 0 ? g : (s < 0 ? -g : 0.0)) + f;
	int64_t		a = base - ll + (int64_t) floor(frac_lo) + 1;
	int64_t		b = base + ll + (int64_t) ceil(frac_hi) - 1;

	*lo = a < 0 ? 0 : a;
	*hi = b > n ? n : b;
}

/*
 * P(D_n < d) by the recursion of Pomeranz, "Exact cumulative distribution of
 * the Kolmogorov-Smirnov statistic for small samples (Algorithm 487)",
 * CACM 17(12) (1974), in the form described by Simard & L'Ecuyer (2011):
 * the 2n+2 breakpoints 0, g, 1-g, 1+g, 2-g, ..., n split [0,n], each row is a
 * truncated Poisson-type convolution of the previous row, answer n! V(n).
 * Returns false if scratch memory is unavailable.
 */
static bool
pomeranz_cdf(int64_t n, double x, double *cdf)
{
	double		t = (double) n * x;
	int64_t		ll = (int64_t) floor(t);
	double		f = t - (double) ll;
	double		g = (f < 1.0 - f) ? f : 1.0 - f;
	int64_t		npw = 2 * (ll + 1) + 2;
	int64_t		width = npw + 2;
	double	   *mem,
			   *pw_g,
			   *pw_2g,
			   *pw_1m2g,
			   *prev,
			   *cur;
	double		step_g = g / (double) n,
				step_2g = 2.0 * g / (double) n,
				step_1m2g = (1.0 - 2.0 * g) / (double) n;
	int64_t		plo,
				phi,
				lo,
				hi,
				r,
				j,
				q,
				expnt = 0;
	long double ans;

	mem = (double *) mlm_core_env->alloc(sizeof(double) * (size_t) (3 * npw + 2 * width));
	if (mem == NULL)
		return false;
	pw_g = mem;
	pw_2g = pw_g + npw;
	pw_1m2g = pw_2g + npw;
	prev = pw_1m2g + npw;
	cur = prev + width;

	/* (step)^q / q!, the Poisson weights without their normalisation */
	pw_g[0] = pw_2g[0] = pw_1m2g[0] = 1.0;
	for (q = 1; q < npw; q++)
	{
		pw_g[q] = pw_g[q - 1] * step_g / (double) q;
		pw_2g[q] = pw_2g[q - 1] * step_2g / (double) q;
		pw_1m2g[q] = pw_1m2g[q - 1] * step_1m2g / (double) q;
	}

	/* row 0 (point 0): only V(0) = 1 */
	pomeranz_window(0, 0, g, f, ll, n, &plo, &phi);
	for (j = 0; j < width; j++)
		prev[j] = 0.0;
	prev[0] = 1.0;				/* prev[j - plo], plo == 0 here */

	for (r = 1; r <= 2 * n + 1; r++)
	{
		const double *pw;
		double		mx = 0.0;
		double	   *swap;

		if (r == 2 * n + 1)
			pomeranz_window(n, 0, g, f, ll, n, &lo, &hi);
		else if (r % 2 == 1)
			pomeranz_window((r + 1) / 2 - 1, 1, g, f, ll, n, &lo, &hi);
		else
			pomeranz_window(r / 2, -1, g, f, ll, n, &lo, &hi);

		if (r == 1 || r == 2 * n + 1)
			pw = pw_g;
		else if (r % 2 == 1)
			pw = pw_2g;
		else
			pw = pw_1m2g;

		for (j = 0; j < width; j++)
			cur[j] = 0.0;
		for (j = lo; j <= hi; j++)
		{
			double		acc = 0.0;
			int64_t		kend = j < phi ? j : phi;
			int64_t		kq;

			for (kq = plo; kq <= kend; kq++)
			{
				if (j - kq >= npw)
					continue;
				acc += prev[kq - plo] * pw[j - kq];
			}
			if (j - lo < width)
				cur[j - lo] = acc;
			if (acc > mx)
				mx = acc;
		}
		/* keep the row away from underflow */
		if (mx > 0.0 && mx < KS_SMALL)
		{
			for (j = 0; j <= hi - lo && j < width; j++)
				cur[j] *= KS_BIG;
			expnt -= KS_SCALE_EXP;
		}
		swap = prev;
		prev = cur;
		cur = swap;
		plo = lo;
		phi = hi;
	}

	ans = (n >= plo && n <= phi) ? prev[n - plo] : 0.0;
	mlm_core_env->release(mem);

	/* times n!, rescaling when large */
	for (q = 1; q <= n; q++)
	{
		if (fabsl(ans) > (long double) KS_BIG)
		{
			ans *= (long double) KS_SMALL;
			expnt += KS_SCALE_EXP;
		}
		ans *= (long double) q;
	}
	if (expnt != 0)
	{
		if (expnt < INT32_MIN)
			expnt = INT32_MIN;
		ans = ldexpl(ans, (int) expnt);
	}
	*cdf = mlm_clip_unit((double) ans);
	return true;
}

/*
 * Pelz & Good, "Approximating the lower tail-areas of the Kolmogorov-Smirnov
 * one-sample statistic", JRSS B 38(2) (1976): the Li-Chien/Korolyuk expansion
 * K0 + K1/sqrt(n) + K2/n + K3/n^1.5 of P(D_n <= x) rewritten through the
 * theta-function transformation (z = sqrt(n) x).  An approximation, so it is
 * evaluated term by term exactly as SciPy does.
 */
static double
pelz_good_cdf(int64_t n, double x)
{
	double		pi_sq = pow(MLM_KS_PI, 2.0);
	double		pi_4 = pow(MLM_KS_PI, 4.0);
	double		pi_6 = pow(MLM_KS_PI, 6.0);
	double		sqrt2pi = sqrt(2.0 * MLM_KS_PI);
	double		sqrt3 = sqrt(3.0);
	double		z,
				z2,
				z3,
				z4,
				z6,
				qlog,
				q,
				q2;
	double		k1a,
				k1b,
				k2a,
				k2b,
				k2c,
				k3a,
				k3b,
				k3c,
				k3d;
	double		K[4] = {0.0, 0.0, 0.0, 0.0};
	double		e2[64],
				e3[64];
	double		sqrt3z,
				extra2,
				extra3,
				total,
				nd = (double) n;
	int			maxk,
				kk,
				idx;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;

	z = sqrt(nd) * x;
	z2 = pow(z, 2.0);
	z3 = pow(z, 3.0);
	z4 = pow(z, 4.0);
	z6 = pow(z, 6.0);

	qlog = -pi_sq / 8.0 / z2;
	if (qlog < -708.0)
		return 0.0;
	q = exp(qlog);

	k1a = -z2;
	k1b = pi_sq / 4.0;
	k2a = 6.0 * z6 + 2.0 * z4;
	k2b = (2.0 * z4 - 5.0 * z2) * pi_sq / 4.0;
	k2c = pi_4 * (1.0 - 2.0 * z2) / 16.0;
	k3d = pi_6 * (5.0 - 30.0 * z2) / 64.0;
	k3c = pi_4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
	k3b = pi_sq * (135.0 * z4 - 96.0 * z6) / 4.0;
	k3a = -30.0 * z6 - 90.0 * pow(z, 8.0);

	/* sums over odd m = 2k-1 of c_i(m) q^(m^2), Horner in q^(8k) */
	maxk = (int) ceil(16.0 * z / MLM_KS_PI);
	if (maxk > 64)
		maxk = 64;				/* cannot happen in the region SciPy uses */
	for (kk = maxk; kk >= 1; kk--)
	{
		double		m = 2.0 * kk - 1.0;
		double		m2 = m * m,
					m4 = m2 * m2,
					m6 = m4 * m2;
		double		qp = pow(q, 8.0 * kk);
		double		c1 = k1a + k1b * m2;
		double		c2 = k2a + k2b * m2 + k2c * m4;
		double		c3 = k3a + k3b * m2 + k3c * m4 + k3d * m6;

		K[0] *= qp;
		K[1] *= qp;
		K[2] *= qp;
		K[3] *= qp;
		K[0] += 1.0;
		K[1] += c1;
		K[2] += c2;
		K[3] += c3;
	}
	for (idx = 0; idx < 4; idx++)
	{
		K[idx] *= q;
		K[idx] *= sqrt2pi;
	}
	K[0] /= z;
	K[1] /= 6.0 * z4;
	K[2] /= 72.0 * pow(z, 7.0);
	K[3] /= 6480.0 * pow(z, 10.0);

	/* the extra terms over all k of K2 and K3 */
	q2 = exp(-pi_sq / 2.0 / z2);
	sqrt3z = sqrt3 * z;
	for (kk = maxk, idx = 0; kk >= 1; kk--, idx++)
	{
		double		ksq = (double) kk * (double) kk;
		double		kpi = MLM_KS_PI * (double) kk;
		double		qp = pow(q2, ksq);

		e2[idx] = ksq * qp;
		e3[idx] = (sqrt3z + kpi) * (sqrt3z - kpi) * ksq * qp;
	}
	extra2 = mlm_pairwise_sum(e2, maxk);
	extra2 *= pi_sq * sqrt2pi / (-36.0 * z3);
	extra3 = mlm_pairwise_sum(e3, maxk);
	extra3 *= pi_sq * sqrt2pi / (216.0 * z6);
	K[2] += extra2;
	K[3] += extra3;

	K[0] /= pow(nd, 0.0);
	K[1] /= pow(nd, 0.5);
	K[2] /= pow(nd, 1.0);
	K[3] /= pow(nd, 1.5);

	total = 0.0;
	for (idx = 0; idx < 4; idx++)
		total += K[idx];
	return total;
}

/*
 * log(n!/n^n) by Stirling's series with the n log n part removed
 * (Bernoulli-number coefficients B_2j/(2j(2j-1)), j = 8..1), as SciPy.
 */
static double
log_nfact_over_npow(int64_t n)
{
	static const double stirling[8] = {
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2
	};
	double		nd = (double) n;
	double		rn = 1.0 / nd;
	double		y = rn / nd;
	double		poly = 0.0;
	int			i;

	for (i = 0; i < 8; i++)
		poly = poly * y + stirling[i];
	return log(nd) / 2.0 - nd + log(2.0 * MLM_KS_PI) / 2.0 + rn * poly;
}

/*
 * Survival function of the two-sided statistic D_n, choosing the method per
 * region as in Simard & L'Ecuyer, "Computing the two-sided Kolmogorov-Smirnov
 * distribution", J. Stat. Softw. 39(11) (2011), with SciPy 1.10's cut-offs:
 * Ruben & Gambino (1982) closed forms near the ends of the support,
 * 2*smirnov where the two one-sided events cannot (or hardly) overlap,
 * Durbin/MTW and Pomeranz (exact) and Pelz-Good (asymptotic) elsewhere.
 */
double
mlm_kstwo_sf(double d, int64_t n)
{
	double		nd,
				t,
				nxsq,
				cdf;

	if (isnan(d))
		return d;
	if (n < 1)
		return NAN;
	nd = (double) n;
	/* outside the open support (0.5/n, 1) */
	if (d <= 0.5 / nd)
		return 1.0;
	if (d >= 1.0)
		return 0.0;

	t = nd * d;
	if (t <= 1.0)
	{
		/* Ruben-Gambino: P(D_n <= d) = n!/n^n (2t-1)^n for 1/2n <= d <= 1/n */
		double		prob;

		if (t <= 0.5)
			return 1.0;
		if (n <= 140)
		{
			double		inv = 1.0 / nd;
			double		w = 2.0 * t - 1.0;
			int64_t		i;

			prob = 1.0;
			for (i = 1; i <= n; i++)
				prob *= ((double) i * inv) * w;
		}
		else
			prob = exp(log_nfact_over_npow(n) + nd * log(2.0 * t - 1.0));
		return mlm_clip_unit(1.0 - prob);
	}
	if (t >= nd - 1.0)
	{
		/* Ruben-Gambino: P(D_n >= d) = 2 (1-d)^n for d >= 1 - 1/n */
		return mlm_clip_unit(2.0 * pow(1.0 - d, nd));
	}
	if (d >= 0.5)
		return mlm_clip_unit(2.0 * mlm_smirnov_sf(n, d));

	nxsq = t * d;
	if (n <= 140)
	{
		if (nxsq <= 0.754693)
		{
			if (!durbin_mtw_cdf(n, d, &cdf))
				return NAN;
			return mlm_clip_unit(1.0 - cdf);
		}
		if (nxsq <= 4.0)
		{
			if (!pomeranz_cdf(n, d, &cdf))
				return NAN;
			return mlm_clip_unit(1.0 - cdf);
		}
		return mlm_clip_unit(2.0 * mlm_smirnov_sf(n, d));
	}

	if (nxsq >= 370.0)
		return 0.0;
	if (nxsq >= 2.2)
		return mlm_clip_unit(2.0 * mlm_smirnov_sf(n, d));
	/* (SciPy's nxsq >= 18 shortcut cannot be reached here) */
	if (n <= 100000 && nd * pow(d, 1.5) <= 1.4)
	{
		if (!durbin_mtw_cdf(n, d, &cdf))
			return NAN;
	}
	else
		cdf = pelz_good_cdf(n, d);
	return mlm_clip_unit(1.0 - cdf);
}


/* ------------------------------------------------------------------------ */
/* Natural logs of the survival functions, finite where they underflow      */
/* ------------------------------------------------------------------------ */

/* Above this a survival function gives its log as log(sf); below, log space. */
#define KS_LOG_DIRECT_MIN 1e-300

/* s += t for scaled numbers (the smaller one aligned to the larger's exponent; far smaller ones vanish). */
static void
sc_accumulate(scaled_ld *s, scaled_ld t)
{
	int64_t		shift;

	if (t.m == 0.0L)
		return;
	if (s->m == 0.0L)
	{
		*s = t;
		return;
	}
	shift = t.e - s->e;
	if (shift > 0)
		*s = sc_make(ldexpl(s->m, (int) (shift > 20000 ? -20000 : -shift)) + t.m, t.e);
	else
		*s = sc_make(s->m + ldexpl(t.m, (int) (shift < -20000 ? -20000 : shift)), s->e);
}

/*
 * log of x * sum_{v=0}^{n-nxfl-1} A_v, the positive (lower) Smirnov sum of
 * mlm_smirnov_sf, with the same terms, ratio recurrence, anchors and
 * stopping rule, but the sum kept as a scaled number so that it never
 * underflows (its terms peak at ~exp(-2 n x^2) and n x^2 reaches 1e6).
 */
static double
smirnov_log_lower(int64_t n, double x, double nx_hi, double nx_lo, int64_t nxfl)
{
	int64_t		n_terms = n - nxfl,
				vmid = n / 2,
				j;
	scaled_ld	binom = sc_make(1.0L, 0),
				npow = sc_pow((long double) n, 0.0L, n - 1),
				cur = sc_make(0.0L, 0),
				sum = sc_make(0.0L, 0);

	for (j = 0; j < n_terms; j++)
	{
		bool		negative = false;

		if (j > 0)
			binom = sc_make(binom.m * (long double) (n - j + 1) / (long double) j, binom.e);
		if (j % SMIRNOV_ANCHOR != 0 && cur.m != 0.0L)
			cur = sc_make(cur.m * smirnov_ratio(n, j - 1, nx_hi, nx_lo), cur.e);
		else
			cur = smirnov_term(n, j, binom, npow, nx_hi, nx_lo, &negative);
		if (cur.m == 0.0L)
		{
			if (j > vmid)
				break;
			continue;
		}
		sc_accumulate(&sum, cur);
		if (j > 0 && j != n_terms - 1)
		{
			int64_t		shift = cur.e - sum.e;
			long double rel = shift < -20000 ? 0.0L : ldexpl(cur.m, (int) shift) / sum.m;

			if (4.0L * (long double) (n_terms - j) * rel < (long double) DBL_EPSILON)
				break;
		}
	}
	if (sum.m <= 0.0L)
		return -INFINITY;
	return (double) (logl(sum.m) + (long double) sum.e * (long double) MLM_KS_LN2 + logl((long double) x));
}

/*
 * log P(D+_n >= x).  Where mlm_smirnov_sf is at least KS_LOG_DIRECT_MIN
 * this is log of it.  Below, only three of its branches can be reached
 * (x <= 1/n gives sf = 1 - x (1+x)^(n-1) >= 1/4, and the alternating upper
 * sum serves only n x^2 <= 1/4, sf > 0.1): x >= 1 - 1/n,
 * n log(1-x); n > 1e6, SciPy's exponent -(6nx+1)^2/18n itself; otherwise
 * the lower sum in scaled form.
 */
double
mlm_smirnov_logsf(int64_t n, double x)
{
	double		sf = mlm_smirnov_sf(n, x),
				nx_hi,
				nx_lo,
				alpha;
	int64_t		nxfl;

	if (isnan(sf))
		return sf;
	if (sf >= KS_LOG_DIRECT_MIN)
		return log(sf);
	if (x >= 1.0)
		return -INFINITY;
	split_nx(n, x, &nx_hi, &nx_lo, &nxfl, &alpha);
	if (nxfl >= n - 1)
		return (double) ((long double) n * log1pl(-(long double) x));
	if (n > SMIRNOV_EXACT_MAX_N)
	{
		double		y = 6.0 * (double) n * x + 1.0;

		return -pow(y, 2.0) / 18.0 / (double) n;
	}
	if (sf > 0.0 && (nxfl == 0 || (nxfl == 1 && alpha == 0.0)))
		return log(sf);
	return smirnov_log_lower(n, x, nx_hi, nx_lo, nxfl);
}

/*
 * log P(D_n >= d).  Where mlm_kstwo_sf is at least KS_LOG_DIRECT_MIN this
 * is log of it.  Below, the branch is one of the two that can underflow:
 * Ruben-Gambino's 2 (1-d)^n (d >= 1 - 1/n), or 2 smirnov (d >= 1/2, or
 * n x^2 > 4 for n <= 140, n x^2 >= 2.2 above, including n x^2 >= 370 where
 * mlm_kstwo_sf returns 0 as SciPy does: the log continues 2 smirnov, whose
 * error there, the probability that both one-sided statistics reach d, is
 * 0 for d > 1/2 and below sf^2 otherwise).  Durbin, Pomeranz and
 * Pelz-Good serve only n x^2 <= 4, where the sf exceeds 1e-4.
 */
double
mlm_kstwo_logsf(double d, int64_t n)
{
	double		sf = mlm_kstwo_sf(d, n),
				nd;

	if (isnan(sf))
		return sf;
	if (sf >= KS_LOG_DIRECT_MIN)
		return log(sf);
	if (d >= 1.0)
		return -INFINITY;
	nd = (double) n;
	if (nd * d >= nd - 1.0)
		return (double) ((long double) MLM_KS_LN2 + (long double) nd * log1pl(-(long double) d));
	return MLM_KS_LN2 + mlm_smirnov_logsf(n, d);
}
