#!/usr/bin/python3
"""mlmon.g_test, mlmon.fisher_exact and mlmon.tvd against SciPy 1.10 and
independent computations written here:
  - g_test: scipy.stats.power_divergence(cur, ref * n_cur / n_ref,
    lambda_="log-likelihood") and chi2.sf; the statistic and ln p also
    against 50-digit mpmath (SciPy's own G loses digits when the two
    distributions nearly agree, and its p underflows below 1e-308);
  - fisher_exact: scipy.stats.fisher_exact; ln p from the same two-sided
    rule evaluated with exact integers (small tables) or 40-digit mpmath
    (huge ones);
  - tvd: the statistic from exact fractions; the p-value from this file's
    own SplitMix64 and hypergeometric sampler (it must be identical), and,
    against Evidently's randomized relabelling, within a 5-sigma binomial
    band of a many-permutation NumPy estimate.
Random tables (seeded), zero cells, categories one side lacks, a single
category, huge counts (built as mlmon.category_state values), the text,
boolean and bigint forms, and a parallel plan equal to the serial one."""
import base64
import math
import struct
import warnings
from fractions import Fraction

import mpmath
import numpy as np
from scipy import stats

from common import P_ATOL, P_RTOL, STAT_RTOL, Checker, connect, copy_rows

warnings.simplefilter("ignore", RuntimeWarning)
rng = np.random.default_rng(20261204)
chk = Checker("categorical catalogue (g_test, fisher_exact, tvd)")
conn = connect()
cur = conn.cursor()
LOG_RTOL = 1e-9


def keyorder(keys):
    """mlmon's category order: byte order of the text form."""
    return sorted(keys, key=lambda s: s.encode())


def state_text(ref, cur_):
    """A mlmon.category_state value (its text form, base64 of the portable
    binary form) holding the counts ref / cur_ (dicts category -> count)."""
    keys = keyorder(set(ref) | set(cur_))
    keys = [k for k in keys if ref.get(k, 0) or cur_.get(k, 0)]
    n_ref = sum(ref.values())
    n_cur = sum(cur_.values())
    b = struct.pack(">BBBBqqqq", 1, 0, 0, 0, len(keys), n_ref, n_cur, 0)
    for k in keys:
        kb = k.encode()
        b += struct.pack(">I", len(kb)) + kb + struct.pack(">qq", ref.get(k, 0), cur_.get(k, 0))
    return base64.b64encode(b).decode()


def counts_of(ref, cur_):
    keys = keyorder(set(ref) | set(cur_))
    return keys, [ref.get(k, 0) for k in keys], [cur_.get(k, 0) for k in keys]


def table_rows(grp, ref, cur_):
    rows = []
    for k, v in ref.items():
        rows += [(grp, k, "f")] * v
    for k, v in cur_.items():
        rows += [(grp, k, "t")] * v
    return rows


def random_counts(k, n, p=None, zero_share=0.0):
    p = rng.dirichlet(np.ones(k)) if p is None else p
    c = rng.multinomial(n, p)
    d = {f"c{i}": int(c[i]) for i in range(k) if c[i] > 0 and rng.random() >= zero_share}
    return d


# ------------------------------------------------------------------ g_test
mpmath.mp.dps = 50


def g_exact(r, c):
    """G = 2 sum o ln(o/e) in 50 digits (o = 0 terms 0; e = 0 < o: inf)."""
    n_r, n_c = sum(r), sum(c)
    g = mpmath.mpf(0)
    for ri, ci in zip(r, c):
        if ci == 0:
            continue
        if ri == 0:
            return mpmath.inf
        g += ci * mpmath.log(mpmath.mpf(ci) * n_r / (mpmath.mpf(ri) * n_c))
    return 2 * g


def g_expected(r, c):
    """(statistic, p, ln p) as SciPy and mpmath give them."""
    k = len(r)
    n_r, n_c = sum(r), sum(c)
    sp = stats.power_divergence(np.array(c, dtype=float), np.array(r, dtype=float) * n_c / n_r,
                                lambda_="log-likelihood")
    g = g_exact(r, c)
    if k <= 1:
        return sp, 0.0, 1.0, 0.0
    if g == mpmath.inf:
        return sp, math.inf, 0.0, -math.inf
    q = mpmath.gammainc(mpmath.mpf(k - 1) / 2, g / 2, mpmath.inf, regularized=True)
    return sp, float(g), float(q), float(mpmath.log(q))


G_CASES = []          # (label, ref dict, cur dict)
for k in (2, 3, 5, 10, 40):
    for n1, n2 in ((5, 7), (60, 40), (500, 800), (3000, 3000)):
        ref = random_counts(k, n1)
        G_CASES.append((f"random k={k} {n1}x{n2}", ref, random_counts(k, n2)))
# near-identical distributions (SciPy's G is mostly rounding there)
for n in (100, 2000):
    p = rng.dirichlet(np.ones(6))
    G_CASES.append((f"near-identical {n}", random_counts(6, n, p), random_counts(6, n + 1, p)))
G_CASES.append(("identical", {"a": 10, "b": 20, "c": 30}, {"a": 20, "b": 40, "c": 60}))
# zero cells: a category only the reference has; only the current has (inf)
G_CASES.append(("ref-only category", {"a": 10, "b": 5, "z": 3}, {"a": 7, "b": 9}))
G_CASES.append(("cur-only category", {"a": 10, "b": 5}, {"a": 7, "b": 9, "z": 1}))
G_CASES.append(("single category", {"a": 4}, {"a": 9}))
# separated: p far below 1e-300 (SciPy's p underflows to 0, ln p must not)
G_CASES.append(("separated", {"a": 3000, "b": 10}, {"a": 10, "b": 3000}))
G_CASES.append(("separated k=4", {"a": 900, "b": 10, "c": 5, "d": 800}, {"a": 10, "b": 900, "c": 800, "d": 5}))
G_CASES.append(("p near 1", {"a": 1000, "b": 1001}, {"a": 1001, "b": 1000}))

rows = []
for i, (_, ref, cur_) in enumerate(G_CASES):
    rows += table_rows(i, ref, cur_)
copy_rows(cur, "gcat", "grp int, category text, is_current boolean", rows, analyze=True)
cur.execute("""SELECT grp, (g).statistic, (g).pvalue, (g).n_reference, (g).n_current, (g).method, (g).log_pvalue
  FROM (SELECT grp, mlmon.g_test(category, is_current) AS g FROM gcat GROUP BY grp) s ORDER BY grp""")
scipy_g_worse = 0
scipy_g_err = 0.0
for grp, s, p, nr, nc, method, lp in cur.fetchall():
    label, ref, cur_ = G_CASES[grp]
    keys, r, c = counts_of(ref, cur_)
    sp, g, q, lq = g_expected(r, c)
    lbl = f"g_test[{label}]"
    chk.equal(lbl + " sizes/method", (nr, nc, method), (sum(r), sum(c), "asymp"))
    chk.close(lbl + ":statistic", s, g, STAT_RTOL, 1e-300)
    if len(r) > 1:
        # SciPy's own statistic, where SciPy's rounding is below the target
        if g == 0 or abs(float(sp.statistic) - g) <= 1e-13 * abs(g):
            chk.close(lbl + " vs SciPy:statistic", s, float(sp.statistic), STAT_RTOL, 1e-300)
        else:
            scipy_g_worse += 1
            scipy_g_err = max(scipy_g_err, abs(float(sp.statistic) - g) / abs(g))
        chk.close(lbl + " vs SciPy:pvalue", p, float(sp.pvalue), P_RTOL, P_ATOL)
    chk.close(lbl + " vs chi2.sf:pvalue", p, float(stats.chi2.sf(g, len(r) - 1)) if len(r) > 1 else 1.0, P_RTOL, P_ATOL)
    chk.close(lbl + " vs mpmath:pvalue", p, q, P_RTOL, P_ATOL)
    chk.close(lbl + " vs mpmath:log_pvalue", lp, lq, LOG_RTOL, 1e-300)
print(f"  g_test: {scipy_g_worse} cases where SciPy's own G is off by more than 1e-13 "
      f"(at most {scipy_g_err:.3g}; compared with mpmath only)")

# huge counts, as category_state values (billions of rows)
HUGE_G = [({"a": 3_000_000_000, "b": 1_000_000_000, "c": 7}, {"a": 2_999_000_000, "b": 1_001_000_000, "c": 9}),
          ({"a": 10**12, "b": 10**12 + 10**7}, {"a": 10**12 + 10**7, "b": 10**12}),
          ({"x": 123456789012, "y": 98765432109, "z": 5}, {"x": 123456789012, "y": 98765432109, "z": 5})]
for i, (ref, cur_) in enumerate(HUGE_G):
    keys, r, c = counts_of(ref, cur_)
    cur.execute("SELECT (t).statistic, (t).pvalue, (t).log_pvalue FROM (SELECT mlmon._g_test_final(%s::mlmon.category_state) AS t) s",
                (state_text(ref, cur_),))
    s, p, lp = cur.fetchone()
    sp, g, q, lq = g_expected(r, c)
    lbl = f"g_test[huge {i}]"
    chk.close(lbl + ":statistic", s, g, STAT_RTOL, 1e-300)
    chk.close(lbl + " vs mpmath:pvalue", p, q, P_RTOL, P_ATOL)
    chk.close(lbl + " vs SciPy chi2.sf:pvalue", p, float(stats.chi2.sf(g, len(r) - 1)), P_RTOL, P_ATOL)
    chk.close(lbl + " vs mpmath:log_pvalue", lp, lq, LOG_RTOL, 1e-300)

# ------------------------------------------------------------ fisher_exact
EPS = Fraction(1, 10**14)


def fisher_log_p_exact(t):
    """ln of SciPy 1.10's two-sided p, the rule evaluated with exact integers."""
    (a, b), (c, d) = t
    n1, n2, n = a + b, c + d, a + c
    if min(n1, n2, n, b + d) == 0:
        return 0.0
    lo, hi = max(0, n - n2), min(n, n1)
    w = {x: math.comb(n1, x) * math.comb(n2, n - x) for x in range(lo, hi + 1)}
    tot = math.comb(n1 + n2, n)
    mode = (n + 1) * (n1 + 1) // (n1 + n2 + 2)
    we, wm = w[a], w[mode]
    if abs(we - wm) <= EPS * max(we, wm):
        return 0.0
    lim = we * (1 + EPS)
    if a < mode:
        s = sum(w[x] for x in range(lo, a + 1)) + sum(w[x] for x in range(mode, hi + 1) if w[x] < lim)
    else:
        s = sum(w[x] for x in range(a, hi + 1)) + sum(w[x] for x in range(lo, mode + 1) if w[x] <= lim)
    return float(min(mpmath.log(mpmath.mpf(s)) - mpmath.log(mpmath.mpf(tot)), 0))


def fisher_log_p_mp(t):
    """The same rule in 40-digit mpmath, over the tables that matter (huge tables)."""
    mpmath.mp.dps = 40
    (a, b), (c, d) = t
    n1, n2, n = a + b, c + d, a + c
    lo, hi = max(0, n - n2), min(n, n1)

    def lp(x):
        return (mpmath.loggamma(n1 + 1) - mpmath.loggamma(x + 1) - mpmath.loggamma(n1 - x + 1)
                + mpmath.loggamma(n2 + 1) - mpmath.loggamma(n - x + 1) - mpmath.loggamma(n2 - n + x + 1)
                - mpmath.loggamma(n1 + n2 + 1) + mpmath.loggamma(n + 1) + mpmath.loggamma(n1 + n2 - n + 1))
    mode = (n + 1) * (n1 + 1) // (n1 + n2 + 2)
    le = lp(a)
    if abs(1 - mpmath.exp(le - lp(mode))) <= mpmath.mpf(10) ** -14:
        return 0.0
    th = le + mpmath.log1p(mpmath.mpf(10) ** -14)

    def tail(x, step):
        # P(x + 1) / P(x) = (n1 - x)(n - x) / ((x + 1)(n2 - n + x + 1)): a product per step
        s = mpmath.mpf(0)
        term = mpmath.exp(lp(x) - le)
        tiny = mpmath.mpf(10) ** -30
        while lo <= x <= hi:
            s += term
            if term < s * tiny:
                break
            if step > 0:
                term = term * (n1 - x) * (n - x) / ((x + 1) * mpmath.mpf(n2 - n + x + 1))
            else:
                term = term * x * (n2 - n + x) / ((n1 - x + 1) * mpmath.mpf(n - x + 1))
            x += step
        return s
    if a < mode:
        x0, x1 = mode, hi          # first x with lp < th (lp decreasing)
        if lp(hi) >= th:
            start = None
        else:
            while x0 < x1:
                m = (x0 + x1) // 2
                if lp(m) < th:
                    x1 = m
                else:
                    x0 = m + 1
            start = x0
        s = tail(a, -1) + (tail(start, 1) if start is not None else 0)
    else:
        x0, x1 = lo, mode          # last x with lp <= th (lp increasing)
        if lp(lo) > th:
            start = None
        else:
            while x0 < x1:
                m = x1 - (x1 - x0) // 2
                if lp(m) <= th:
                    x0 = m
                else:
                    x1 = m - 1
            start = x0
        s = tail(a, 1) + (tail(start, -1) if start is not None else 0)
    r = le + mpmath.log(s)
    mpmath.mp.dps = 50
    return float(min(r, 0))


F_CASES = []   # (label, ref dict, cur dict); table rows (current, reference), columns a < b
for n1, n2 in ((3, 4), (10, 10), (12, 30), (50, 45), (200, 150), (1000, 1200)):
    for _ in range(3):
        pa = rng.uniform(0.05, 0.95)
        pb = min(max(pa + rng.normal(0, 0.25), 0.01), 0.99)
        ra = int(rng.binomial(n1, pa))
        ca = int(rng.binomial(n2, pb))
        F_CASES.append((f"random {n1}x{n2}", {"a": ra, "b": n1 - ra}, {"a": ca, "b": n2 - ca}))
F_CASES += [
    ("symmetric tie", {"a": 3, "b": 5}, {"a": 5, "b": 3}),
    ("symmetric tie 2", {"a": 20, "b": 10}, {"a": 10, "b": 20}),
    ("mode table", {"a": 6, "b": 4}, {"a": 6, "b": 4}),
    ("zero cell c10", {"b": 8}, {"a": 5, "b": 3}),
    ("zero cell c01", {"a": 5, "b": 3}, {"a": 7}),
    ("cur lacks a", {"a": 4, "b": 6}, {"b": 9}),
    ("separated", {"a": 400, "b": 0}, {"a": 0, "b": 500}),
    ("far tail", {"a": 300, "b": 2}, {"a": 3, "b": 290}),
    ("p near 1", {"a": 500, "b": 501}, {"a": 501, "b": 500}),
    ("unequal sizes", {"a": 1, "b": 40}, {"a": 9, "b": 2}),
    ("single category", {"a": 4}, {"a": 9}),
    ("scipy whale example", {"a": 1, "b": 5}, {"a": 8, "b": 2}),
]
rows = []
for i, (_, ref, cur_) in enumerate(F_CASES):
    rows += table_rows(i, ref, cur_)
copy_rows(cur, "fcat", "grp int, category text, is_current boolean", rows, analyze=True)
cur.execute("""SELECT grp, (f).statistic, (f).pvalue, (f).n_reference, (f).n_current, (f).method, (f).log_pvalue
  FROM (SELECT grp, mlmon.fisher_exact(category, is_current) AS f FROM fcat GROUP BY grp) s ORDER BY grp""")


def fisher_table(ref, cur_):
    keys = keyorder(set(ref) | set(cur_))
    if len(keys) == 1:
        keys = keys + ["~none"]
    return [[cur_.get(keys[0], 0), cur_.get(keys[1], 0)], [ref.get(keys[0], 0), ref.get(keys[1], 0)]]


for grp, s, p, nr, nc, method, lp in cur.fetchall():
    label, ref, cur_ = F_CASES[grp]
    t = fisher_table(ref, cur_)
    want = stats.fisher_exact(t)
    lbl = f"fisher_exact[{label} {t}]"
    chk.equal(lbl + " sizes/method", (nr, nc, method), (sum(ref.values()), sum(cur_.values()), "exact"))
    ws = float(want.statistic)
    chk.close(lbl + ":statistic", s, None if math.isnan(ws) else ws, STAT_RTOL)
    chk.close(lbl + ":pvalue", p, float(want.pvalue), P_RTOL, P_ATOL)
    chk.close(lbl + " vs exact integers:log_pvalue", lp, fisher_log_p_exact(t), LOG_RTOL, 1e-300)

# huge tables as category_state values: SciPy for p (where it does not underflow), mpmath for ln p
HUGE_F = [({"a": 10**9, "b": 10**9 + 50000}, {"a": 10**9 + 50000, "b": 10**9}),
          ({"a": 123456789, "b": 987654321}, {"a": 123460000, "b": 987650000}),
          ({"a": 5_000_000, "b": 10}, {"a": 4_000_000, "b": 2_000}),
          ({"a": 3_000_000, "b": 2_000_000}, {"a": 3_000_001, "b": 2_000_002})]
for i, (ref, cur_) in enumerate(HUGE_F):
    t = fisher_table(ref, cur_)
    cur.execute("SELECT (t).statistic, (t).pvalue, (t).log_pvalue FROM (SELECT mlmon._fisher_exact_final(%s::mlmon.category_state) AS t) s",
                (state_text(ref, cur_),))
    s, p, lp = cur.fetchone()
    want = stats.fisher_exact(t)
    lbl = f"fisher_exact[huge {t}]"
    chk.close(lbl + ":statistic", s, float(want.statistic), STAT_RTOL)
    lw = fisher_log_p_mp(t)
    chk.close(lbl + " vs mpmath:log_pvalue", lp, lw, LOG_RTOL, 1e-300)
    chk.close(lbl + " vs mpmath:pvalue", p, math.exp(lw), P_RTOL, P_ATOL)
    # SciPy's own hypergeometric sums lose digits at these sizes (4e-7 relative
    # at 1e8-1e9 rows, against the 40-digit value): a looser bar against it
    if float(want.pvalue) > 1e-290:
        chk.close(lbl + " vs SciPy:pvalue_huge_table", p, float(want.pvalue), 1e-6, P_ATOL)

# more than two categories: an error with its errcode
try:
    cur.execute("SELECT mlmon.fisher_exact(c, x) FROM (VALUES ('a', true), ('b', false), ('c', true)) v(c, x)")
    chk.equal("fisher_exact three categories raises", False, True)
except Exception as e:     # psycopg2.Error
    chk.equal("fisher_exact three categories: errcode", getattr(e, "pgcode", None), "22023")

# ---------------------------------------------------------------------- tvd
from splitmix64 import M64, SplitMix64  # noqa: E402,F401


def hypergeom_draw(g, total, marked, n):
    """Marked items among n drawn from total without replacement: the urn
    simulated item by item after mlmon's documented reductions (complements
    of n and of marked, then the smaller of the two as the draws)."""
    fn = n > total - n
    if fn:
        n = total - n
    fm = marked > total - marked
    if fm:
        marked = total - marked
    draws, m = min(n, marked), max(n, marked)
    x, t = 0, total
    for _ in range(draws):
        if m == 0:
            break
        if g.below(t) < m:
            x += 1
            m -= 1
        t -= 1
    if fm:
        x = n - x
    if fn:
        x = ((total - marked) if fm else marked) - x
    return x


def tvd_expected(r, c, B=1000):
    n_r, n_c = sum(r), sum(c)
    num = sum(abs(ri * n_c - ci * n_r) for ri, ci in zip(r, c))
    stat = Fraction(num, 2 * n_r * n_c)
    g = SplitMix64(0)
    tot = [ri + ci for ri, ci in zip(r, c)]
    hits = 0
    for _ in range(B):
        left, rleft, s = n_r + n_c, n_r, 0
        for ti in tot:
            x = hypergeom_draw(g, left, ti, rleft)
            s += abs(x * n_c - (ti - x) * n_r)
            left -= ti
            rleft -= x
        hits += s >= num
    return float(stat), hits / B, hits


def tvd_numpy_estimate(r, c, perms):
    """Evidently's relabelling of rows, many times (NumPy's generator):
    the share of relabellings with TVD* >= TVD (integer comparison)."""
    labels = np.repeat(np.arange(len(r)), np.array(r) + np.array(c))
    n_r, n_c = sum(r), sum(c)
    num = sum(abs(ri * n_c - ci * n_r) for ri, ci in zip(r, c))
    g = np.random.default_rng(7)
    hits = 0
    for _ in range(perms):
        p = g.permutation(labels)
        rr = np.bincount(p[:n_r], minlength=len(r)).astype(np.int64)
        cc = np.bincount(p[n_r:], minlength=len(r)).astype(np.int64)
        hits += int(np.abs(rr * n_c - cc * n_r).sum() >= num)
    return hits / perms


T_CASES = []
for k in (2, 3, 6):
    for n1, n2 in ((10, 7), (40, 60), (300, 250)):
        T_CASES.append((f"random k={k} {n1}x{n2}", random_counts(k, n1), random_counts(k, n2)))
T_CASES += [
    ("10x7 ties", {"a": 5, "b": 5}, {"a": 4, "b": 3}),
    ("single category", {"a": 4}, {"a": 9}),
    ("cur-only category", {"a": 30, "b": 20}, {"a": 10, "b": 10, "z": 5}),
    ("separated", {"a": 200}, {"b": 150}),
    ("unequal", {"a": 3, "b": 1}, {"a": 30, "b": 90, "c": 2}),
]
rows = []
for i, (_, ref, cur_) in enumerate(T_CASES):
    rows += table_rows(i, ref, cur_)
copy_rows(cur, "tcat", "grp int, category text, is_current boolean", rows, analyze=True)
cur.execute("""SELECT grp, (t).statistic, (t).pvalue, (t).n_reference, (t).n_current, (t).method, (t).log_pvalue,
                      (t2).pvalue
  FROM (SELECT grp, mlmon.tvd(category, is_current) AS t, mlmon.tvd(category, is_current, 250) AS t2
          FROM tcat GROUP BY grp) s ORDER BY grp""")
band_checks = 0
for grp, s, p, nr, nc, method, lp, p250 in cur.fetchall():
    label, ref, cur_ = T_CASES[grp]
    keys, r, c = counts_of(ref, cur_)
    ws, wp, hits = tvd_expected(r, c)
    lbl = f"tvd[{label}]"
    chk.equal(lbl + " sizes/method", (nr, nc, method), (sum(r), sum(c), "permutation"))
    chk.close(lbl + ":statistic", s, ws, STAT_RTOL)
    chk.equal(lbl + " p identical to the re-implementation", p, wp)
    chk.equal(lbl + " 250 permutations: p identical", p250, tvd_expected(r, c, 250)[1])
    chk.close(lbl + ":log_pvalue", lp, math.log(wp) if wp > 0 else -math.inf, LOG_RTOL, 1e-300)
    # Evidently's randomized form: a 5-sigma band around a 10000-relabelling estimate
    if sum(r) + sum(c) <= 600:
        est = tvd_numpy_estimate(r, c, 10000)
        sd = math.sqrt(max(est * (1 - est), 1e-4) / 1000) + math.sqrt(max(est * (1 - est), 1e-4) / 10000)
        chk.equal(lbl + f" within 5 sigma of NumPy's estimate {est:.4f}", abs(p - est) <= 5 * sd, True)
        band_checks += 1
print(f"  tvd: {band_checks} statistical checks against NumPy relabelling estimates")

# a bigger tvd from a state (exactly reproducible too)
ref, cur_ = {"a": 900, "b": 700, "c": 5}, {"a": 950, "b": 650, "c": 9}
keys, r, c = counts_of(ref, cur_)
cur.execute("SELECT (t).statistic, (t).pvalue FROM (SELECT mlmon._tvd_final(%s::mlmon.category_state) AS t) s",
            (state_text(ref, cur_),))
s, p = cur.fetchone()
ws, wp, _ = tvd_expected(r, c)
chk.close("tvd[state]:statistic", s, ws, STAT_RTOL)
chk.equal("tvd[state] p identical", p, wp)

# ----------------------------------------- boolean and bigint forms, parallel plans
copy_rows(cur, "forms", "grp int, b boolean, i bigint, is_current boolean",
          [(g, bool(v), int(v) * 7 + 3, bool(x)) for g in range(4) for v, x in
           zip(rng.integers(0, 2, 300), rng.integers(0, 2, 300))], analyze=True)
cur.execute("""SELECT grp, mlmon.g_test(b, is_current)::text, mlmon.g_test(b::text, is_current)::text,
                      mlmon.fisher_exact(i, is_current)::text, mlmon.fisher_exact(i::text, is_current)::text,
                      mlmon.tvd(b, is_current, 100)::text, mlmon.tvd(CASE WHEN b THEN 't' ELSE 'f' END, is_current, 100)::text,
                      mlmon.tvd(i, is_current)::text, mlmon.tvd(i::text, is_current)::text
                 FROM forms GROUP BY grp ORDER BY grp""")
for row in cur.fetchall():
    chk.equal(f"forms[{row[0]}] g_test boolean = text", row[1], row[2])
    chk.equal(f"forms[{row[0]}] fisher_exact bigint = text", row[3], row[4])
    chk.equal(f"forms[{row[0]}] tvd boolean = text", row[5], row[6])
    chk.equal(f"forms[{row[0]}] tvd bigint = text", row[7], row[8])

# a regular table: temporary ones are never scanned in parallel
cur.execute("DROP TABLE IF EXISTS mlmon_oracle_categorical_big")
cur.execute("CREATE TABLE mlmon_oracle_categorical_big AS SELECT 'k' || (i % 5) AS category, i % 7 < 3 AS is_current "
            "FROM generate_series(1, 200000) i")
cur.execute("ANALYZE mlmon_oracle_categorical_big")
QUERY = """SELECT mlmon.g_test(category, is_current)::text, mlmon.fisher_exact(category IN ('k0', 'k1'), is_current)::text,
                  mlmon.tvd(category, is_current, 50)::text FROM mlmon_oracle_categorical_big"""
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(QUERY)
serial = cur.fetchone()
cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0")
cur.execute("EXPLAIN " + QUERY)
plan = "\n".join(r[0] for r in cur.fetchall())
chk.equal("parallel plan has a Partial Aggregate", "Partial Aggregate" in plan, True)
cur.execute(QUERY)
chk.equal("parallel result equals serial", cur.fetchone(), serial)
cur.execute("RESET ALL")
cur.execute("DROP TABLE mlmon_oracle_categorical_big")

# ------------------------------------------------------------ profile forms
# (reference profile, current profile) and (category, reference profile)
# give exactly the two-sample aggregate's result: the same counts reach the
# same code.  Every case above, as profiles built from its rows; serial and
# parallel plans of the aggregate against a profile.
for name, cases, table in (("g_test", G_CASES, "gcat_p"), ("fisher_exact", F_CASES, "fcat_p"), ("tvd", T_CASES, "tcat_p")):
    rows = []
    for i, (_, ref, cur_) in enumerate(cases):
        rows += table_rows(i, ref, cur_)
    copy_rows(cur, table, "grp int, category text, is_current boolean", rows, analyze=True)
    cur.execute(f"""WITH p AS (SELECT grp, mlmon.profile(category) FILTER (WHERE NOT is_current) AS r,
                                      mlmon.profile(category) FILTER (WHERE is_current) AS c FROM {table} GROUP BY grp)
                    SELECT t.grp, mlmon.{name}(t.category, t.is_current)::text,
                           (SELECT mlmon.{name}(p.r, p.c)::text FROM p WHERE p.grp = t.grp),
                           (SELECT mlmon.{name}(x.category, p.r)::text FROM {table} x, p
                             WHERE x.grp = t.grp AND p.grp = t.grp AND x.is_current)
                      FROM {table} t GROUP BY t.grp ORDER BY t.grp""")
    for grp, rows_r, prof_r, agg_r in cur.fetchall():
        label = cases[grp][0]
        if rows_r is not None and (cases[grp][1] and cases[grp][2]):
            chk.equal(f"{name}[{label}] (profile, profile) = rows", prof_r, rows_r)
            chk.equal(f"{name}[{label}] (category, profile) = rows", agg_r, rows_r)
cur.execute("""SELECT mlmon.tvd(r, c, 250)::text FROM (SELECT mlmon.profile(category) FILTER (WHERE NOT is_current) AS r,
                      mlmon.profile(category) FILTER (WHERE is_current) AS c FROM tcat_p WHERE grp = 0) p""")
prof250 = cur.fetchone()[0]
cur.execute("SELECT mlmon.tvd(category, is_current, 250)::text FROM tcat_p WHERE grp = 0")
chk.equal("tvd(profile, profile, 250) = tvd(rows, 250)", prof250, cur.fetchone()[0])
for bad, code in (("0", "22023"), ("1000001", "22023")):
    try:
        cur.execute(f"SELECT mlmon.tvd(mlmon.profile(x), mlmon.profile(x), {bad}) FROM (VALUES ('a'), ('b')) v(x)")
        chk.equal(f"tvd(profile, profile, {bad}) refused", None, code)
    except Exception as e:
        chk.equal(f"tvd(profile, profile, {bad}) refused", e.pgcode, code)
try:
    cur.execute("SELECT mlmon.g_test(mlmon.profile(x::float8), mlmon.profile(x::float8)) FROM (VALUES (1), (2)) v(x)")
    chk.equal("g_test of numeric profiles refused", None, "22023 or 42804")
except Exception as e:
    chk.equal("g_test of numeric profiles refused", e.pgcode in ("22023", "42804"), True)
# a sketched current profile: its unlisted categories are one more category, "other"
cur.execute("""WITH x AS (SELECT 'k' || (i % 50) AS category, i % 2 = 0 AS is_current FROM generate_series(1, 5000) i)
               SELECT (mlmon.g_test(r, c)).n_current, mlmon.is_exact(c)
                 FROM (SELECT mlmon.profile(category) FILTER (WHERE NOT is_current) AS r,
                              mlmon.profile(category, 10) FILTER (WHERE is_current) AS c FROM x) p""")
n_cur, exact = cur.fetchone()
chk.equal("g_test against a sketched profile counts every value", (n_cur, exact), (2500, False))
cur.execute("DROP TABLE IF EXISTS mlmon_oracle_categorical_prof")
cur.execute("CREATE TABLE mlmon_oracle_categorical_prof AS SELECT 'k' || (i % 2) AS category FROM generate_series(1, 200000) i")
cur.execute("ANALYZE mlmon_oracle_categorical_prof")
cur.execute("CREATE TEMP TABLE refp AS SELECT mlmon.profile(x) AS p FROM (VALUES ('k0'), ('k1'), ('k1')) v(x)")
PQ = """SELECT mlmon.g_test(category, (SELECT p FROM refp))::text, mlmon.fisher_exact(category, (SELECT p FROM refp))::text,
               mlmon.tvd(category, (SELECT p FROM refp))::text FROM mlmon_oracle_categorical_prof"""
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(PQ)
serial = cur.fetchone()
cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0")
cur.execute("EXPLAIN " + PQ)
plan = "\n".join(r[0] for r in cur.fetchall())
chk.equal("(category, profile) forms: parallel plan has a Partial Aggregate", "Partial Aggregate" in plan, True)
cur.execute(PQ)
chk.equal("(category, profile) forms: parallel result equals serial", cur.fetchone(), serial)
cur.execute("RESET ALL")
cur.execute("DROP TABLE mlmon_oracle_categorical_prof")

chk.finish()
