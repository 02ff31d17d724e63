/*
 * gamma.c - regularized incomplete gamma functions P(a,x), Q(a,x) and the
 * chi-square survival function.
 *
 * Part of the mlmon numerics core: plain C99, no PostgreSQL headers.
 * Portions Copyright (c) the mlmon authors; distributed under the
 * PostgreSQL licence.
 *
 * Outline
 * -------
 * Everything is built around the scaled prefactor
 *
 *     R(a,x) = x^a e^-x / Gamma(a+1),
 *
 * because P = R * (power series) and Q = a R / (continued fraction).  For
 * large a, or for x in the far tail, log R is a difference of large numbers
 * (a log x, x and log Gamma(a+1) can each be in the thousands while log R is
 * only a few hundred), and every unit of absolute error in log R becomes a
 * relative error in the result.  So log R is evaluated in double-double
 * arithmetic (an unevaluated sum hi + lo of two doubles) using the Stirling
 * form
 *
 *     log R = a log(x/a) - (x - a) - log(2 pi a)/2 - mu(a)       (a >= 10)
 *
 * (mu = Stirling's correction, DLMF 5.11.1), i.e. -a*phi(x/a) with
 * phi(t) = t - 1 - log t, the "scaled gamma / log1pmx" form, and with an
 * accurate log Gamma(1+a) for a < 10.
 *
 * Region choice (a > 0, x > 0):
 *   - a >= 1e4 and |x/a - 1| <= 1/4: Temme's uniform asymptotic expansion
 *     (there the series / fraction would need ~10 sqrt(a) terms; the
 *     expansion costs the same for any a and keeps a = 1e300 finite);
 *   - a < 1 and x <= 0.8: Q from a series that is free of cancellation in
 *     a (Q is small when a is small, so 1 - P would lose digits);
 *   - x < a:              P from its power series, Q = 1 - P (P <~ 1/2);
 *   - otherwise:          Q from Legendre's continued fraction.
 * For a ~ x below 1e4 the plain series (x < a) and continued fraction
 * (x >= a) are accurate enough once the prefactor is right and both are
 * summed from the innermost term out (see lower_series, upper_fraction):
 * measured against 35-digit mpmath they stay below ~1e-15 relative for
 * a <= 5000 although they need up to ~10 sqrt(a) terms, so SciPy's switch
 * to Temme's expansion at a ~ x (for a > 20) is only needed here for speed
 * at large a.
 */
#include <math.h>
#include <stdbool.h>

#include "gamma.h"
#include "clip.h"
#include "normal.h"

/* log 2 split so that e * LN2_HI is exact for |e| < 2^13: 40 leading bits of log 2, then the rest. */
#define LN2_HI 0x1.62e42fefa2000p-1
#define LN2_LO 7.371002565167799e-13
/* log(2 pi) as a double-double. */
#define LN_2PI_HI 1.8378770664093456
#define LN_2PI_LO (-7.756588316134483e-17)
/* sqrt(1/2). */
#define SQRT_HALF 0.70710678118654752440
/* log(DBL_MAX) = -log(DBL_MIN / 4) roughly: results whose prefactor is below exp(-this) are flushed to 0 (as SciPy does). */
#define LOG_DBL_MAX 709.782712893384
/*
 * For a < 1, Q is taken from the small-a series up to this x and from the
 * continued fraction above it: measured against mpmath, the series loses
 * accuracy to cancellation as x grows (8e-15 at x = 1.4) and the fraction
 * as x shrinks (1e-14 at x = 0.2); both are ~2e-15 at 0.8.
 */
#define SMALL_A_MAX_X 0.8
/* Relative size of the last term at which the series stop. */
#define STOP_EPS 1e-17
/*
 * The Lentz pass stops when an approximant changes by at most an ulp; the
 * bottom-up pass then starts n/4 + 8 levels deeper, since at small x the
 * fraction converges slowly and "no visible change" comes too early.
 */
#define FRACTION_STOP 2.3e-16
/* 1/sqrt(pi) and 2 pi. */
#define INV_SQRT_PI 0.56418958354775628695
#define TWO_PI 6.28318530717958647693
/* Temme's expansion is used for a >= TEMME_MIN_A and |x/a - 1| <= TEMME_BAND. */
#define TEMME_MIN_A 1e4
#define TEMME_BAND 0.25
#define TEMME_K 5
#define TEMME_N 17
/* Iteration cap for the series / continued fraction (they need about 10 sqrt(a) terms near x = a). */
#define MAX_ITER 200000

/* An unevaluated sum hi + lo with |lo| <= ulp(hi)/2. */
typedef struct
{
	double		hi;
	double		lo;
} dd_t;

/* Exact sum of two doubles as hi + lo (Knuth's TwoSum). */
static dd_t
dd_sum(double a, double b)
{
	dd_t		r;
	double		bv;

	r.hi = a + b;
	bv = r.hi - a;
	r.lo = (a - (r.hi - bv)) + (b - bv);
	return r;
}

/* Exact sum a + b for |a| >= |b| (Dekker's Fast2Sum), used to renormalise. */
static dd_t
dd_fast_sum(double a, double b)
{
	dd_t		r;

	r.hi = a + b;
	r.lo = b - (r.hi - a);
	return r;
}

/* Double-double sum x + y (relative error about 2^-104). */
static dd_t
dd_add(dd_t x, dd_t y)
{
	dd_t		s = dd_sum(x.hi, y.hi);

	return dd_fast_sum(s.hi, s.lo + (x.lo + y.lo));
}

/* Double-double x + y for a double y. */
static dd_t
dd_add_d(dd_t x, double y)
{
	dd_t		s = dd_sum(x.hi, y);

	return dd_fast_sum(s.hi, s.lo + x.lo);
}

/* Double-double negation. */
static dd_t
dd_neg(dd_t x)
{
	x.hi = -x.hi;
	x.lo = -x.lo;
	return x;
}

/* Double-double product x * y for a double y (exact leading product via fma). */
static dd_t
dd_mul_d(dd_t x, double y)
{
	double		p = x.hi * y;

	return dd_fast_sum(p, fma(x.hi, y, -p) + x.lo * y);
}

/* Double-double product x * y. */
static dd_t
dd_mul(dd_t x, dd_t y)
{
	double		p = x.hi * y.hi;

	return dd_fast_sum(p, fma(x.hi, y.hi, -p) + (x.hi * y.lo + x.lo * y.hi));
}

/* Double-double quotient x / 3 (used for the 2 s^3 / 3 term of dd_log). */
static dd_t
dd_div3(dd_t x)
{
	double		q = x.hi / 3.0;

	return dd_fast_sum(q, (fma(-q, 3.0, x.hi) + x.lo) / 3.0);
}

/*
 * 2 s^3/3 + 2 s^5/5 + ... = 2 atanh(s) - 2s for |s| <= 0.1716, s = s.hi + s.lo,
 * as a double-double (A&S 4.1.27).  The s^3 term is kept in double-double;
 * the rest is below 2e-4 of the total, so a plain double suffices (absolute
 * error < 1e-20).
 */
static dd_t
atanh_tail(dd_t s)
{
	double		s2 = s.hi * s.hi;
	double		rest;
	dd_t		cube;

	/* 2 (s^5/5 + s^7/7 + ... + s^27/27); s^2 <= 0.0295 */
	rest = 2.0 / 27.0;
	rest = rest * s2 + 2.0 / 25.0;
	rest = rest * s2 + 2.0 / 23.0;
	rest = rest * s2 + 2.0 / 21.0;
	rest = rest * s2 + 2.0 / 19.0;
	rest = rest * s2 + 2.0 / 17.0;
	rest = rest * s2 + 2.0 / 15.0;
	rest = rest * s2 + 2.0 / 13.0;
	rest = rest * s2 + 2.0 / 11.0;
	rest = rest * s2 + 2.0 / 9.0;
	rest = rest * s2 + 2.0 / 7.0;
	rest = rest * s2 + 2.0 / 5.0;
	rest *= s2 * s2 * s.hi;

	cube = dd_div3(dd_mul_d(dd_mul(dd_mul(s, s), s), 2.0));	/* 2 s^3 / 3 */
	return dd_add_d(cube, rest);
}

/* Double-double quotient num / den. */
static dd_t
dd_div(dd_t num, dd_t den)
{
	double		q = num.hi / den.hi;

	return dd_fast_sum(q, (fma(-q, den.hi, num.hi) + num.lo - q * den.lo) / den.hi);
}

/*
 * Natural log of a positive finite double as a double-double: x = 2^e m with
 * m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m-1)/(m+1) (A&S 4.1.27);
 * absolute error about 1e-20 + 1e-32 |log x|.
 */
static dd_t
dd_log(double x)
{
	int			e;
	double		m;
	dd_t		f,
				s,
				r;

	m = frexp(x, &e);
	if (m < SQRT_HALF)
	{
		m *= 2.0;
		e -= 1;
	}
	f.hi = m - 1.0;				/* exact (Sterbenz) */
	f.lo = 0.0;
	s = dd_div(f, dd_sum(2.0, f.hi));	/* |s| <= 0.1716 */
	r = dd_sum((double) e * LN2_HI, 2.0 * s.hi);	/* exact */
	r = dd_add(r, atanh_tail(s));
	return dd_add_d(r, 2.0 * s.lo + (double) e * LN2_LO);
}

/*
 * log(1+t) - t for |t| <= 1/4 as a double-double with small relative error
 * (no cancellation as t -> 0): with s = t/(2+t), log(1+t) = 2 atanh(s) and
 * 2s - t = -t s, so log(1+t) - t = -t s + 2 s^3/3 + 2 s^5/5 + ... (A&S 4.1.27).
 */
static dd_t
dd_log1pmx(dd_t t)
{
	dd_t		s = dd_div(t, dd_add_d(t, 2.0));	/* |s| <= 1/7 */

	return dd_add(dd_neg(dd_mul(t, s)), atanh_tail(s));
}

/*
 * Stirling correction mu(a) = log Gamma(a) - (a - 1/2) log a + a - log(2 pi)/2
 * for a >= 10, asymptotic series sum B_2k / (2k (2k-1) a^(2k-1)) (DLMF 5.11.1);
 * ten terms leave an error below 2e-19 at a = 10.
 */
static double
stirling_corr(double a)
{
	double		r = 1.0 / a;
	double		r2 = r * r;
	double		s;

	/* coefficients B_2k / (2k(2k-1)) with B_2..B_20 = 1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, 7/6, -3617/510, 43867/798, -174611/330 */
	s = -174611.0 / 125400.0;
	s = s * r2 + 43867.0 / 244188.0;
	s = s * r2 - 3617.0 / 122400.0;
	s = s * r2 + 1.0 / 156.0;
	s = s * r2 - 691.0 / 360360.0;
	s = s * r2 + 1.0 / 1188.0;
	s = s * r2 - 1.0 / 1680.0;
	s = s * r2 + 1.0 / 1260.0;
	s = s * r2 - 1.0 / 360.0;
	s = s * r2 + 1.0 / 12.0;
	return s * r;
}

/*
 * 1/Gamma(1+z) - 1 for |z| <= 1/2 from the Taylor series of the entire
 * function 1/Gamma(1+z) (A&S 6.1.34, shifted by one).  The coefficients were
 * computed with mpmath (taylor(rgamma(1+z))) at 60 digits; the first ones are
 * gamma (Euler), gamma^2/2 - pi^2/12, ...; terms beyond z^22 are < 1e-21.
 */
static double
rgamma1p_m1(double z)
{
	double		s;

	s = -2.05832605356650678322243e-14;
	s = s * z + 5.100370287454475979015481e-13;
	s = s * z - 3.696805618642205708187816e-12;
	s = s * z + 7.782263439905071254049937e-12;
	s = s * z + 1.04342671169110051049154e-10;
	s = s * z - 1.181274570487020144588127e-9;
	s = s * z + 5.002007644469222930055665e-9;
	s = s * z + 6.116095104481415817862499e-9;
	s = s * z - 2.056338416977607103450154e-7;
	s = s * z + 1.13302723198169588237413e-6;
	s = s * z - 1.250493482142670657345359e-6;
	s = s * z - 2.013485478078823865568939e-5;
	s = s * z + 1.280502823881161861531986e-4;
	s = s * z - 2.1524167411495097281573e-4;
	s = s * z - 1.165167591859065112113971e-3;
	s = s * z + 7.21894324666309954239501e-3;
	s = s * z - 9.621971527876973562114922e-3;
	s = s * z - 4.21977345555443367482083e-2;
	s = s * z + 1.665386113822914895017008e-1;
	s = s * z - 4.200263503409523552900393e-2;
	s = s * z - 6.558780715202538810770195e-1;
	s = s * z + 5.772156649015328606065121e-1;
	return s * z;
}

/* 1/Gamma(1+a) - 1 for 0 <= a <= 1, without cancellation; for a > 1/2 via Gamma(1+a) = a Gamma(a) (DLMF 5.5.1). */
static double
rgamma1p_m1_unit(double a)
{
	double		f;

	if (a <= 0.5)
		return rgamma1p_m1(a);
	f = a - 1.0;				/* exact, in (-1/2, 0] */
	return (rgamma1p_m1(f) - f) / a;
}

/*
 * log Gamma(1+a) for 0 < a < 10.5 as a double-double: a = n + f with
 * |f| <= 1/2, Gamma(1+a) = Gamma(1+f) (1+f)(2+f)...(n+f) (DLMF 5.5.1), the
 * product in double-double and Gamma(1+f) from rgamma1p_m1.
 */
static dd_t
lgamma1p_small(double a)
{
	int			n = (int) floor(a + 0.5);
	int			k;
	double		f = a - (double) n; /* exact */
	dd_t		p = {1.0, 0.0};
	dd_t		r;

	for (k = 1; k <= n; k++)
		p = dd_mul(p, dd_sum(f, (double) k));
	r = dd_log(p.hi);
	r = dd_add_d(r, p.lo / p.hi);
	return dd_add_d(r, -log1p(rgamma1p_m1(f)));
}

/*
 * -a phi(x/a) = a log(x/a) - (x - a) <= 0 as a double-double, phi(t) =
 * t - 1 - log t (Temme 1979: the exponent of the scaled prefactor, and
 * a eta^2/2 of the uniform expansion, DLMF 8.12.1).  For |x - a| <= a/4 it
 * is a log1pmx((x-a)/a), accurate relative to itself as x -> a; otherwise
 * a (log x - log a) - (x - a) with both logs good to ~1e-20 absolute.
 */
static dd_t
neg_a_phi(double a, double x)
{
	dd_t		d = dd_sum(x, -a);
	dd_t		t,
				r;

	if (fabs(d.hi) <= 0.25 * a)
	{
		t.hi = d.hi / a;
		t.lo = (fma(-t.hi, a, d.hi) + d.lo) / a;
		return dd_mul_d(dd_log1pmx(t), a);
	}
	r = dd_mul_d(dd_add(dd_log(x), dd_neg(dd_log(a))), a);
	return dd_add(r, dd_neg(d));
}

/*
 * log R(a,x) = log(x^a e^-x / Gamma(a+1)) as a double-double, for finite
 * a > 0, x > 0.  For a >= 10 the Stirling form -a phi(x/a) - log(2 pi a)/2
 * - mu(a) (Temme 1979; DLMF 5.11.1) avoids forming a log x and
 * log Gamma(a+1) separately; below 10 the terms are small and log Gamma(1+a)
 * comes from lgamma1p_small.
 */
static dd_t
log_prefactor(double a, double x)
{
	dd_t		r;

	if (a < 10.0)
	{
		r = dd_add_d(dd_mul_d(dd_log(x), a), -x);
		return dd_add(r, dd_neg(lgamma1p_small(a)));
	}
	else
	{
		dd_t		ln2pi = {LN_2PI_HI, LN_2PI_LO};

		r = neg_a_phi(a, x);
		r = dd_add(r, dd_mul_d(dd_add(dd_log(a), ln2pi), -0.5));
		return dd_add_d(r, -stirling_corr(a));
	}
}

/*
 * exp(e.hi + e.lo) * mult, keeping full precision when exp(e.hi) alone would
 * be subnormal (the exponent is shifted by 256, exactly, and shifted back).
 */
static double
exp_dd_mul(dd_t e, double mult)
{
	if (e.hi < -700.0)
		return exp(e.hi + 256.0) * (1.0 + e.lo) * mult * exp(-256.0);
	return exp(e.hi) * (1.0 + e.lo) * mult;
}

/*
 * Taylor coefficients in eta of Temme's c_k(eta), k = 0..4, powers 0..16
 * (Temme 1979; DLMF 8.12.7-8.12.8): c_0 = 1/(lambda-1) - 1/eta and
 * c_k = c_{k-1}'(eta)/eta + (-1)^k g_k/(lambda-1), g_k the coefficients of
 * Gamma*(a) ~ sum g_k a^-k (DLMF 5.11.3).  Generated with exact rational
 * arithmetic: mu = lambda - 1 as a series in eta from mu mu' = eta (1 + mu)
 * (the derivative of eta^2/2 = mu - log(1 + mu)), then the recurrence; the
 * 1/eta poles cancel exactly at every step, which checks the g_k.  Leading
 * values -1/3, -1/540, 25/6048.  test/core/test_gamma.py re-derives this
 * table and compares every entry.  With |eta| <= 0.28 the omitted powers
 * are below 1e-18.
 */
/* TEMME_TABLE_BEGIN */
static const double temme_coef[TEMME_K][TEMME_N] = {
	{-0.3333333333333333, 0.08333333333333333, -0.014814814814814815, 0.0011574074074074073, 0.0003527336860670194, -0.0001787551440329218, 3.919263178522438e-05, -2.185448510679992e-06, -1.85406221071516e-06, 8.296711340953087e-07, -1.7665952736826078e-07, 6.707853543401498e-09, 1.0261809784240309e-08, -4.382036018453353e-09, 9.14769958223679e-10, -2.5514193994946248e-11, -5.830772132550426e-11},
	{-0.001851851851851852, -0.003472222222222222, 0.0026455026455026454, -0.0009902263374485596, 0.00020576131687242798, -4.018775720164609e-07, -1.8098550334489977e-05, 7.64916091608111e-06, -1.6120900894563446e-06, 4.647127802807434e-09, 1.378633446915721e-07, -5.752545603517705e-08, 1.1951628599778148e-08, -1.7543241719747647e-11, -1.0091543710600413e-09, 4.162792991842583e-10, -8.56390702649298e-11},
	{0.004133597883597883, -0.0026813271604938273, 0.0007716049382716049, 2.0093878600823047e-06, -0.0001073665322636516, 5.2923448829120125e-05, -1.2760635188618728e-05, 3.423578734096138e-08, 1.3721957309062934e-06, -6.298992138380055e-07, 1.4280614206064242e-07, -2.0477098421990866e-10, -1.409252991086752e-08, 6.228974084922022e-09, -1.3670488396617114e-09, 9.428356159014678e-13, 1.2872252400089318e-10},
	{0.0006494341563786008, 0.00022947209362139917, -0.0004691894943952557, 0.00026772063206283885, -7.561801671883977e-05, -2.396505113867297e-07, 1.1082654115347302e-05, -5.6749528269915965e-06, 1.4230900732435883e-06, -2.7861080291528143e-11, -1.6958404091930278e-07, 8.099464905388083e-08, -1.9111168485973655e-08, 2.3928620439808118e-12, 2.0620131815488797e-09, -9.460496661855133e-10, 2.1541049775774907e-10},
	{-0.0008618882909167117, 0.0007840392217200666, -0.0002990724803031902, -1.4638452578843418e-06, 6.641498215465122e-05, -3.968365047179435e-05, 1.1375726970678419e-05, 2.507497226237533e-10, -1.6954149536558305e-06, 8.907507532205309e-07, -2.292934834000805e-07, 2.956794137544049e-11, 2.8865829742708783e-08, -1.4189739437803219e-08, 3.4463580499464896e-09, -2.3024517174528067e-13, -3.9409233028046403e-10}
};
/* TEMME_TABLE_END */

/* sum_k c_k(eta) a^-k, k = 0..TEMME_K-1, from the Taylor table (Temme 1979, DLMF 8.12.6). */
static double
temme_series(double eta, double a)
{
	double		ia = 1.0 / a;
	double		sum = 0.0;
	double		ck;
	int			k,
				n;

	for (k = TEMME_K - 1; k >= 0; k--)
	{
		ck = 0.0;
		for (n = TEMME_N - 1; n >= 0; n--)
			ck = ck * eta + temme_coef[k][n];
		sum = sum * ia + ck;
	}
	return sum;
}

/*
 * Q(a,x) (or P(a,x) when lower) by Temme's uniform asymptotic expansion
 * Q = erfc(eta sqrt(a/2))/2 + e^(-a eta^2/2) / sqrt(2 pi a) sum_k c_k(eta) a^-k
 * (Temme 1979; DLMF 8.12.3, 8.12.6), for a >= TEMME_MIN_A, |x/a - 1| <= 1/4.
 * With a >= 1e4 the terms after c_4 / a^4 are below 1e-19.
 * y = eta sqrt(a/2) = sqrt(a phi(x/a)) is formed in double-double and the
 * erfc argument error is corrected to first order, since erfc(y) is
 * sensitive to it (relative condition 2 y^2, up to ~1500).
 */
static double
temme_uniform(double a, double x, bool lower)
{
	dd_t		y2 = dd_neg(neg_a_phi(a, x));	/* a eta^2 / 2 */
	double		y,
				y_lo,
				sgn,
				eta,
				ex,
				base,
				corr;

	if (y2.hi <= 0.0)
	{
		y = 0.0;
		y_lo = 0.0;
	}
	else
	{
		y = sqrt(y2.hi);
		y_lo = (fma(-y, y, y2.hi) + y2.lo) / (2.0 * y);
	}
	sgn = (x >= a) ? 1.0 : -1.0;	/* sign of eta */
	eta = sgn * sqrt(2.0 * fmax(y2.hi, 0.0) / a);
	ex = exp(-y2.hi) * (1.0 - y2.lo);	/* e^(-y^2) */
	if (lower)
		sgn = -sgn;
	/* erfc(sgn (y + y_lo)) / 2 ~= erfc(sgn y)/2 - sgn y_lo e^(-y^2) / sqrt(pi) */
	base = 0.5 * erfc(sgn * y) - sgn * y_lo * ex * INV_SQRT_PI;
	corr = ex * temme_series(eta, a) / sqrt(TWO_PI * a);
	return lower ? base - corr : base + corr;
}

/*
 * True when exp(logr) * scale < exp(-709.78), i.e. below DBL_MIN / 4: the
 * result is then flushed to 0.  Q uses scale = a (x^a e^-x / Gamma(a), the
 * same quantity SciPy's igam/igamc test), P uses max(a, 1) (for a >= 1 the
 * same as SciPy; for tiny a, a R is tiny while P = R * series is not).
 */
static bool
prefactor_underflows(dd_t logr, double scale)
{
	/* written so that a NaN exponent (inf - inf when a log(x/a) overflows, i.e. far below underflow) counts as underflow */
	return !(logr.hi + log(scale) >= -LOG_DBL_MAX);
}

/*
 * Power series sum_{n>=0} x^n / ((a+1)(a+2)...(a+n)), so that
 * P(a,x) = R(a,x) * sum (DLMF 8.7.1); all terms positive.  A
 * forward pass finds how many terms are needed, then the sum is formed in
 * nested (Horner) form 1 + r1 (1 + r2 (1 + ...)), r_k = x/(a+k), from the
 * innermost term out, which rounds a few ulps instead of ~n.
 */
static double
lower_series(double a, double x)
{
	double		term = 1.0;
	double		sum = 1.0;
	int			n,
				k;

	for (n = 1; n < MAX_ITER; n++)
	{
		term *= x / (a + (double) n);
		sum += term;
		if (term <= sum * STOP_EPS)
			break;
	}
	sum = 1.0;
	for (k = n + 2; k >= 1; k--)
	{
		/* r_k = x / (a + k) with a + k taken exactly: its rounding error would otherwise be the same for every k and add up */
		dd_t		ak = dd_sum(a, (double) k);
		double		r = x / ak.hi;

		sum = 1.0 + sum * (r - r * (ak.lo / ak.hi));
	}
	return sum;
}

/*
 * Legendre's continued fraction (DLMF 8.9.2, even part)
 * F = x+1-a - 1(1-a)/(x+3-a - 2(2-a)/(x+5-a - ...)), so that
 * Gamma(a,x) = x^a e^-x / F and Q(a,x) = a R(a,x) / F; for x >= a.  The
 * modified Lentz recurrence (Lentz 1976; Thompson & Barnett 1986) finds the
 * depth at which the approximants settle; the fraction is then summed again
 * from the bottom up, which keeps the rounding error at a few ulps instead
 * of the ~20 ulps that the running Lentz product accumulates.
 */
static double
upper_fraction(double a, double x)
{
	const double tiny = 1e-300;
	double		b = x + 1.0 - a;
	double		f,
				c,
				d,
				an,
				delta,
				t,
				den;
	dd_t		xa;
	int			n,
				k;

	f = (fabs(b) < tiny) ? tiny : b;
	c = f;
	d = 0.0;
	for (n = 1; n < MAX_ITER; n++)
	{
		an = (double) n * (a - (double) n);
		b += 2.0;
		d = b + an * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		delta = c * d;
		f *= delta;
		if (fabs(delta - 1.0) <= FRACTION_STOP)
			break;
	}

	/* b_k = (x - a) + (2k + 1) is formed exactly before t is added: a rounded b_k would err the same way for every k */
	xa = dd_sum(x, -a);
	t = 0.0;
	for (k = n + n / 4 + 8; k >= 0; k--)
	{
		dd_t		bk = dd_sum(xa.hi, (double) (2 * k + 1));

		den = bk.hi + (bk.lo + xa.lo + t);
		if (k == 0)
			return den;
		if (fabs(den) < tiny)
			den = tiny;
		t = (double) k * (a - (double) k) / den;
	}
	return 0.0;					/* not reached */
}

/*
 * Q(a,x) for 0 < a < 1, 0 < x <= SMALL_A_MAX_X, as 1 - x^a/Gamma(1+a) +
 * a x^a/Gamma(1+a) sum_{n>=1} (-1)^(n+1) x^n / (n! (a+n)) (DLMF 8.7.3
 * rearranged; Temme 1994 / DiDonato & Morris 1986); the leading
 * 1 - x^a/Gamma(1+a) is formed from expm1 and 1/Gamma(1+a) - 1 so that
 * nothing cancels as a -> 0.
 */
static double
upper_small_a(double a, double x)
{
	double		u = rgamma1p_m1_unit(a);	/* 1/Gamma(1+a) - 1 */
	double		v = expm1(a * log(x));	/* x^a - 1 */
	double		term = x;
	double		sum = x / (a + 1.0);
	double		t;
	int			n;

	for (n = 2; n < 200; n++)
	{
		term *= -x / (double) n;
		t = term / (a + (double) n);
		sum += t;
		if (fabs(t) <= fabs(sum) * STOP_EPS)
			break;
	}
	return -(u + v * (1.0 + u)) + a * (1.0 + u) * (1.0 + v) * sum;
}

/* P(a,x) = R(a,x) * series, for finite a > 0, x > 0 (DLMF 8.7.1); 0 on underflow. */
static double
lower_by_series(double a, double x)
{
	dd_t		logr = log_prefactor(a, x);

	if (prefactor_underflows(logr, fmax(a, 1.0)))
		return 0.0;
	return exp_dd_mul(logr, lower_series(a, x));
}

/* Q(a,x) = a R(a,x) / F by the continued fraction, for finite a > 0, x > 0 (DLMF 8.9.2); 0 on underflow. */
static double
upper_by_fraction(double a, double x)
{
	dd_t		logr = log_prefactor(a, x);

	if (prefactor_underflows(logr, a))
		return 0.0;
	return exp_dd_mul(logr, a / upper_fraction(a, x));
}

/* Regularized upper incomplete gamma Q(a,x) = Gamma(a,x)/Gamma(a) (DLMF 8.2.4), SciPy gammaincc semantics for edge cases. */
double
mlm_gammaincc(double a, double x)
{
	if (isnan(a) || isnan(x) || a < 0.0 || x < 0.0)
		return (double) NAN;
	if (a == 0.0)
		return (x > 0.0) ? 0.0 : (double) NAN;
	if (x == 0.0)
		return 1.0;
	if (isinf(a))
		return isinf(x) ? (double) NAN : 1.0;
	if (isinf(x))
		return 0.0;

	if (a >= TEMME_MIN_A && fabs(x - a) <= TEMME_BAND * a)
		return mlm_clip_unit(temme_uniform(a, x, false));
	if (a < 1.0 && x <= SMALL_A_MAX_X)
		return mlm_clip_unit(upper_small_a(a, x));
	if (x < a)
		return mlm_clip_unit(1.0 - lower_by_series(a, x));
	return mlm_clip_unit(upper_by_fraction(a, x));
}

/* Regularized lower incomplete gamma P(a,x) = gamma(a,x)/Gamma(a) (DLMF 8.2.4), SciPy gammainc semantics for edge cases. */
double
mlm_gammainc(double a, double x)
{
	if (isnan(a) || isnan(x) || a < 0.0 || x < 0.0)
		return (double) NAN;
	if (a == 0.0)
		return (x > 0.0) ? 1.0 : (double) NAN;
	if (x == 0.0)
		return 0.0;
	if (isinf(a))
		return isinf(x) ? (double) NAN : 0.0;
	if (isinf(x))
		return 1.0;

	if (a >= TEMME_MIN_A && fabs(x - a) <= TEMME_BAND * a)
		return mlm_clip_unit(temme_uniform(a, x, true));
	if (a < 1.0 && x <= SMALL_A_MAX_X)
	{
		/* P is close to 1 when a is small: then 1 - Q is the better value */
		double		q = upper_small_a(a, x);

		if (q <= 0.5)
			return mlm_clip_unit(1.0 - q);
	}
	if (x < a || x <= 1.5)
		return mlm_clip_unit(lower_by_series(a, x));
	return mlm_clip_unit(1.0 - upper_by_fraction(a, x));
}

/* Chi-square survival function Q(k/2, x/2) (DLMF 8.2.4 with a = k/2); x <= 0 gives 1, k <= 0 or NaN gives NaN. */
double
mlm_chi2_sf(double x, double k)
{
	if (isnan(x) || isnan(k) || k <= 0.0)
		return (double) NAN;
	if (x <= 0.0)
		return 1.0;
	return mlm_gammaincc(0.5 * k, 0.5 * x);
}

/* Above this Q gives its log as log(Q); below, the log forms. */
#define LOG_DIRECT_MIN 1e-300

/*
 * log Q(a,x) by Temme's expansion for x >= a (temme_uniform with the common
 * factor e^(-y^2) taken out: Q = e^(-y^2) (erfcx(y)/2 - y_lo/sqrt(pi) +
 * S/sqrt(2 pi a)), S the c_k series), used where Q < 1e-300, so y > 26 and
 * erfcx comes from its asymptotic series.
 */
static double
log_temme_upper(double a, double x)
{
	dd_t		y2 = dd_neg(neg_a_phi(a, x));
	double		y = sqrt(y2.hi),
				y_lo = (fma(-y, y, y2.hi) + y2.lo) / (2.0 * y),
				eta = sqrt(2.0 * y2.hi / a),
				bracket;

	bracket = 0.5 * mlm_erfcx_large(y) - y_lo * INV_SQRT_PI + temme_series(eta, a) / sqrt(TWO_PI * a);
	return -y2.hi - y2.lo + log(bracket);
}

/*
 * Natural log of Q(a,x) (mlm_gammaincc), finite where Q underflows to 0,
 * and log1p(-P) where Q > 1/2, so that it stays accurate relative to
 * itself as Q -> 1 (a mild drift: log Q ~ -P, however small).
 * Q < 1e-300 happens only for x > a (for x <= a, Q >= ~1/2; the small-a
 * series serves x <= 0.8 with Q > 0.1), where Q = a R / F: then
 * log Q = log R + log(a / F), log R the double-double prefactor exponent
 * (no exp, so nothing is flushed), F Legendre's continued fraction, which
 * converges faster the farther x is in the tail; in Temme's band
 * (a >= 1e4, x <= 1.25 a) the expansion above.  -inf for x = +inf.
 */
double
mlm_log_gammaincc(double a, double x)
{
	double		q = mlm_gammaincc(a, x);
	dd_t		logr;

	if (isnan(q))
		return q;
	if (q > 0.5)
	{
		/* log Q = log1p(-P): relative accuracy as Q -> 1 (P from its series is accurate there) */
		double		p = mlm_gammainc(a, x);

		if (p < 0.5)
			return log1p(-p);
	}
	if (q >= LOG_DIRECT_MIN || x <= a || a == 0.0 || isinf(a))
		return log(q);
	if (isinf(x))
		return -INFINITY;
	if (a >= TEMME_MIN_A && fabs(x - a) <= TEMME_BAND * a)
		return log_temme_upper(a, x);
	logr = log_prefactor(a, x);
	return logr.hi + (logr.lo + log(a / upper_fraction(a, x)));
}

/* Natural log of mlm_chi2_sf(x, k), finite where it underflows to 0. */
double
mlm_chi2_logsf(double x, double k)
{
	if (isnan(x) || isnan(k) || k <= 0.0)
		return (double) NAN;
	if (x <= 0.0)
		return 0.0;
	return mlm_log_gammaincc(0.5 * k, 0.5 * x);
}
