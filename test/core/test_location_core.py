#!/usr/bin/python3
"""Check the location tests' numerics core without a server: the log-form
incomplete beta of src/core/incbeta.c (the two-sided t tail) and the normal
log tails of src/core/normal_log.c against mpmath at 40 digits, the
double-double moments of src/core/moments.c (Welford updates and Chan
merges in any order) against exact rational arithmetic, and the exact
Mann-Whitney null distribution of src/core/mannwhitney.c against Gaussian
binomial coefficients counted with Python integers.

Run:  /usr/bin/python3 test/core/test_location_core.py   (exit status 0 = pass)
Tolerances: log tails and t tails 1e-12 relative (1e-15 absolute for logs
near 0); moments 1e-15 relative; Mann-Whitney p and log p 1e-12 relative."""
import ctypes
import math
import random
import sys
from fractions import Fraction

import mpmath

from corelib import fn, wsample, WSample

mpmath.mp.dps = 40
failures = []
counts = {}


def check(label, got, want, rtol, atol=0.0):
    counts[label.split(":")[0]] = counts.get(label.split(":")[0], 0) + 1
    if math.isinf(want) or math.isnan(want):
        ok = got == want or (math.isnan(want) and math.isnan(got))
    else:
        ok = abs(got - want) <= max(atol, rtol * abs(want))
    if not ok:
        failures.append(f"{label}: got {got!r}, want {want!r}")


# ---------------------------------------------------------------- t tail
t_p = fn("mlm_t_two_sided_p", ctypes.c_double, ctypes.c_double, ctypes.c_double, ctypes.POINTER(ctypes.c_double))


def log_t_ref(t, df):
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    a, b = df / 2, mpmath.mpf(1) / 2
    x, y = df / (df + t * t), t * t / (df + t * t)
    pre = a * mpmath.log(x) + b * mpmath.log(y) - mpmath.log(a) - mpmath.log(mpmath.beta(a, b))
    return pre + mpmath.log(mpmath.hyp2f1(a + b, 1, a + 1, x, maxprec=20000, maxterms=10**7))


rng = random.Random(20261204)
cases = [(t, df) for df in (0.6, 1, 2.5, 9, 40, 333.3, 4000, 39998) for t in (1e-6, 0.3, 1.5, 4, 25, 1e3, 1e8)]
cases += [(math.exp(rng.uniform(-4, 6)), math.exp(rng.uniform(-0.4, 9))) for _ in range(60)]
for t, df in cases:
    lp = ctypes.c_double()
    p = t_p(t, df, ctypes.byref(lp))
    want = log_t_ref(t, df)
    check(f"t tail log ({t:g}, {df:g})", lp.value, float(want), 1e-12, 1e-15)
    if float(want) > -700:
        check(f"t tail p ({t:g}, {df:g})", p, float(mpmath.exp(want)), 1e-12)
for t, want_p, want_lp in ((0.0, 1.0, 0.0), (math.inf, 0.0, -math.inf), (-math.inf, 0.0, -math.inf)):
    lp = ctypes.c_double()
    check(f"t tail edge {t}", t_p(t, 7.0, ctypes.byref(lp)), want_p, 0)
    check(f"t tail edge log {t}", lp.value, want_lp, 0)
lp = ctypes.c_double()
check("t tail NaN", t_p(math.nan, 3.0, ctypes.byref(lp)), math.nan, 0)
check("t tail df<=0", t_p(1.0, 0.0, ctypes.byref(lp)), math.nan, 0)

# ---------------------------------------------------------------- normal log tails
log_sf = fn("mlm_norm_log_sf", ctypes.c_double, ctypes.c_double)
log_two = fn("mlm_norm_two_sided_logp", ctypes.c_double, ctypes.c_double)
zs = [0.0, 1e-9, 1e-3, 0.3, 0.49, 0.51, 1, 2.5, 8, 20, 34.9, 35.1, 37.5, 40, 100, 1e4, 1e8,
      -1e-9, -0.5, -0.99, -1.01, -3, -8, -40]
zs += [rng.uniform(-10, 60) for _ in range(200)]
for z in zs:
    sf = mpmath.erfc(mpmath.mpf(z) / mpmath.sqrt(2)) / 2
    check(f"log sf ({z:g})", log_sf(z), float(mpmath.log(sf)), 1e-12, 1e-15)
    two = mpmath.erfc(abs(mpmath.mpf(z)) / mpmath.sqrt(2))
    check(f"log two-sided ({z:g})", log_two(z), float(mpmath.log(two)), 1e-12, 1e-15)
check("log sf edge +inf", log_sf(math.inf), -math.inf, 0)
check("log sf edge -inf", log_sf(-math.inf), 0.0, 0)
check("log two-sided edge inf", log_two(-math.inf), -math.inf, 0)


# ---------------------------------------------------------------- moments
class DD(ctypes.Structure):
    _fields_ = [("hi", ctypes.c_double), ("lo", ctypes.c_double)]


class DMoments(ctypes.Structure):
    _fields_ = [("n", ctypes.c_int64), ("mean", DD), ("m2", DD)]


m_add = fn("mlm_dmoments_add", None, ctypes.POINTER(DMoments), ctypes.c_double)
m_merge = fn("mlm_dmoments_merge", None, ctypes.POINTER(DMoments), ctypes.POINTER(DMoments))
for trial in range(40):
    n = rng.choice([1, 2, 3, 17, 500, 4000])
    loc = rng.choice([0.0, 1.0, 1e6, -3e9, 1e12])
    xs = [loc + rng.gauss(0, rng.choice([1e-3, 1.0, 1e3])) for _ in range(n)]
    parts = rng.randint(1, 6)
    states = [DMoments() for _ in range(parts)]
    for x in xs:
        m_add(ctypes.byref(states[rng.randrange(parts)]), x)
    order = list(range(parts))
    rng.shuffle(order)
    acc = DMoments()
    for i in order:
        m_merge(ctypes.byref(acc), ctypes.byref(states[i]))
    fx = [Fraction(x) for x in xs]
    mean = sum(fx) / n
    m2 = sum((x - mean) ** 2 for x in fx)
    check(f"moments n #{trial}", acc.n, n, 0)
    check(f"moments mean #{trial}", acc.mean.hi + acc.mean.lo, float(mean), 1e-15, 1e-300)
    check(f"moments m2 #{trial}", acc.m2.hi + acc.m2.lo, float(m2), 1e-15, 1e-300)


# ---------------------------------------------------------------- Mann-Whitney exact
class Ranks(ctypes.Structure):
    _fields_ = [("n1", ctypes.c_int64), ("n2", ctypes.c_int64), ("u1x2", ctypes.c_int64),
                ("tie_term", ctypes.c_double), ("has_ties", ctypes.c_int)]


class Outcome(ctypes.Structure):
    _fields_ = [("statistic", ctypes.c_double), ("pvalue", ctypes.c_double),
                ("log_pvalue", ctypes.c_double), ("method", ctypes.c_char_p)]


D = ctypes.POINTER(ctypes.c_double)
WS = ctypes.POINTER(WSample)
rank = fn("mlm_mwu_rank", None, WS, WS, ctypes.POINTER(Ranks))
terms = fn("mlm_mwu_exact_terms", ctypes.c_int64, ctypes.POINTER(Ranks), ctypes.c_int)
mwu = fn("mlm_mwu_test", None, ctypes.POINTER(Ranks), ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
         ctypes.POINTER(Outcome))
ALT = {"two-sided": 0, "less": 1, "greater": 2}


def gaussian_binomial(m, n):
    c = [1] + [0] * (m * n)
    for i in range(1, m + 1):
        for k in range(m * n, n + i - 1, -1):
            c[k] -= c[k - n - i]
        for k in range(i, m * n + 1):
            c[k] += c[k - i]
    return c


for n1, n2 in ((1, 1), (1, 7), (3, 4), (8, 8), (5, 40), (20, 25), (7, 600), (60, 50)):
    counts_ = gaussian_binomial(min(n1, n2), max(n1, n2))
    total = math.comb(n1 + n2, n1)
    for _ in range(4):
        pool = rng.sample(range(10 * (n1 + n2)), n1 + n2)
        shift = rng.choice([0, 0, 3 * (n1 + n2), -8 * (n1 + n2)])
        x = sorted(float(v + shift) + 0.5 for v in pool[:n1])  # no value shared with y
        y = sorted(float(v) for v in pool[n1:])
        r = Ranks()
        rank(ctypes.byref(wsample(x)), ctypes.byref(wsample(y)), ctypes.byref(r))
        u1 = sum(1 for a in x for b in y if a > b)
        check(f"mwu U1 ({n1},{n2})", r.u1x2 / 2, u1, 0)
        for alt, code in ALT.items():
            u = {"greater": u1, "less": n1 * n2 - u1}.get(alt, max(u1, n1 * n2 - u1))
            p = Fraction(sum(counts_[: n1 * n2 - u + 1]) * (2 if alt == "two-sided" else 1), total)
            p = min(p, Fraction(1))
            buf = (ctypes.c_longdouble * terms(ctypes.byref(r), code))()
            out = Outcome()
            mwu(ctypes.byref(r), code, 1, ctypes.cast(buf, ctypes.c_void_p), ctypes.byref(out))
            check(f"mwu exact p ({n1},{n2}) {alt}", out.pvalue, float(p), 1e-12)
            check(f"mwu exact log p ({n1},{n2}) {alt}", out.log_pvalue,
                  float(mpmath.log(mpmath.mpf(p.numerator) / p.denominator)), 1e-12, 1e-15)


# ---------------------------------------------------------------- weighted samples (profiles)
# A sample given as distinct values with counts must give exactly what the
# raw sample gives; U and the tie term against SciPy on the expanded arrays,
# and, with counts of 10^6 (too large to expand), against the closed forms.
import numpy as np
from scipy.stats import mannwhitneyu

of_sample = fn("mlm_dmoments_of_sample", None, WS, ctypes.POINTER(DMoments))


def counted(xs):
    vals, cnts = np.unique(np.asarray(xs, dtype=float), return_counts=True)
    return wsample(list(vals), [int(c) for c in cnts])


def check_same(label, got, want):
    """Bit for bit (NaN equal to NaN)."""
    counts[label] = counts.get(label, 0) + 1
    if [repr(g) for g in got] != [repr(w) for w in want]:
        failures.append(f"{label}: got {got!r}, want {want!r}")


def outcome_tuple(o):
    return (o.statistic, o.pvalue, o.log_pvalue, o.method)


for trial in range(30):
    n1, n2 = rng.choice([(3, 4), (10, 12), (50, 70), (300, 200)])
    k = rng.choice([2, 5, 20])
    x = sorted(float(rng.randrange(k)) for _ in range(n1))
    y = sorted(float(rng.randrange(k)) + rng.choice([0.0, 0.5]) for _ in range(n2))
    raw, cnt = Ranks(), Ranks()
    rank(ctypes.byref(wsample(x)), ctypes.byref(wsample(y)), ctypes.byref(raw))
    rank(ctypes.byref(counted(x)), ctypes.byref(counted(y)), ctypes.byref(cnt))
    check_same(f"weighted mwu ranks equal #{trial}",
          (cnt.n1, cnt.n2, cnt.u1x2, cnt.tie_term, cnt.has_ties),
          (raw.n1, raw.n2, raw.u1x2, raw.tie_term, raw.has_ties))
    ref = mannwhitneyu(x, y, method="asymptotic")
    check(f"weighted mwu U vs scipy #{trial}", cnt.u1x2 / 2, float(ref.statistic), 0)
    for code in (0, 1, 2):
        a, b = Outcome(), Outcome()
        mwu(ctypes.byref(raw), code, 0, None, ctypes.byref(a))
        mwu(ctypes.byref(cnt), code, 0, None, ctypes.byref(b))
        check_same(f"weighted mwu asymp outcome equal #{trial}/{code}", outcome_tuple(b), outcome_tuple(a))
    a = Outcome()
    mwu(ctypes.byref(cnt), 0, 0, None, ctypes.byref(a))
    check(f"weighted mwu two-sided p vs scipy #{trial}", a.pvalue, float(ref.pvalue), 1e-12, 1e-300)
    mr, mc = DMoments(), DMoments()
    of_sample(ctypes.byref(wsample(x)), ctypes.byref(mr))
    of_sample(ctypes.byref(counted(x)), ctypes.byref(mc))
    fx = [Fraction(v) for v in x]
    mean = sum(fx) / len(fx)
    check(f"weighted moments mean #{trial}", mc.mean.hi + mc.mean.lo, float(mean), 1e-15, 1e-300)
    check(f"weighted moments m2 #{trial}", mc.m2.hi + mc.m2.lo, float(sum((v - mean) ** 2 for v in fx)), 1e-15, 1e-300)

# 5 distinct values with counts of about 10^6 each side: U = sum over pairs,
# tie term = sum (t^3 - t) with t the pooled counts (exact integers)
for trial in range(5):
    vals = [float(v) for v in sorted(rng.sample(range(-50, 50), 5))]
    cx = [rng.randrange(10**6, 3 * 10**6) for _ in vals]
    cy = [rng.randrange(10**6, 3 * 10**6) for _ in vals]
    r = Ranks()
    rank(ctypes.byref(wsample(vals, cx)), ctypes.byref(wsample(vals, cy)), ctypes.byref(r))
    u1 = sum(cx[i] * cy[j] for i in range(5) for j in range(5) if i > j) * 2 + sum(cx[i] * cy[i] for i in range(5))
    check(f"large counts mwu 2U1 #{trial}", r.u1x2, u1, 0)
    tie = sum((cx[i] + cy[i]) ** 3 - (cx[i] + cy[i]) for i in range(5))
    check(f"large counts mwu tie term #{trial}", r.tie_term, float(tie), 0)
    n1, n2 = sum(cx), sum(cy)
    n = n1 + n2
    s_ = math.sqrt(n1 * n2 / 12 * ((n + 1) - float(tie) / (n * (n - 1))))
    z = (max(u1 / 2, n1 * n2 - u1 / 2) - n1 * n2 / 2 - 0.5) / s_
    o = Outcome()
    mwu(ctypes.byref(r), 0, 0, None, ctypes.byref(o))
    check(f"large counts mwu p #{trial}", o.pvalue, min(1.0, 2 * float(mpmath.ncdf(-z))), 1e-9, 1e-300)

for f in failures[:40]:
    print("FAIL", f)
print(f"{sum(counts.values()) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
