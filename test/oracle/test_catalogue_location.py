#!/usr/bin/python3
"""mlmon.t_test and mlmon.mann_whitney against SciPy 1.10 (ttest_ind,
mannwhitneyu) on random cases from a seeded generator: small and large
samples, unequal sizes, ties, both t-test variants, every alternative, every
exact/asymptotic switch of mannwhitneyu's 'auto' and the explicit methods.
log_pvalue is checked against mpmath at high precision (the t tail from the
incomplete beta function, the normal tail from erfc) and against exact
integer counts of the Mann-Whitney null distribution (Gaussian binomial
coefficients), including cases whose p-value underflows to 0 in float64 and
sizes SciPy cannot compute exactly ((7, 5000))."""
import math
import sys
import warnings
from fractions import Fraction

import mpmath
import numpy as np
from scipy import stats

from common import P_ATOL, P_RTOL, STAT_RTOL, Checker, connect, load_samples

warnings.simplefilter("ignore", RuntimeWarning)
mpmath.mp.dps = 40
LOGP_RTOL = 1e-9
rng = np.random.default_rng(20261204)
chk = Checker("catalogue location tests")
conn = connect()
cur = conn.cursor()


def log_t_two_sided(t, df):
    """ln I_{df/(df+t^2)}(df/2, 1/2) in mpmath: x^a y^b / (a B(a, b)) 2F1(a+b, 1; a+1; x)."""
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    a, b = df / 2, mpmath.mpf(1) / 2
    x, y = df / (df + t * t), t * t / (df + t * t)
    pre = a * mpmath.log(x) + b * mpmath.log(y) - mpmath.log(a) - mpmath.log(mpmath.beta(a, b))
    return pre + mpmath.log(mpmath.hyp2f1(a + b, 1, a + 1, x, maxprec=20000, maxterms=10**7))


def log_norm_sf(z):
    return mpmath.log(mpmath.erfc(mpmath.mpf(z) / mpmath.sqrt(2)) / 2)


def gaussian_binomial(m, n):
    """Coefficients of [m+n, m]_q: arrangements with U = k, as Python integers."""
    c = [1] + [0] * (m * n)
    for i in range(1, m + 1):
        a = n + i
        for k in range(m * n, a - 1, -1):
            c[k] -= c[k - a]
        for k in range(i, m * n + 1):
            c[k] += c[k - i]
    return c


def mwu_exact_log_p(x, y, alternative):
    """ln p of the exact test from integer counts (SciPy's U, truncated as SciPy does)."""
    n1, n2 = len(x), len(y)
    u1 = stats.mannwhitneyu(x, y, method="asymptotic").statistic
    u2 = n1 * n2 - u1
    u = {"greater": u1, "less": u2}.get(alternative, max(u1, u2))
    k = int(u)
    counts = gaussian_binomial(min(n1, n2), max(n1, n2))
    tail = sum(counts[: n1 * n2 - k + 1])
    p = Fraction(tail * (2 if alternative == "two-sided" else 1), math.comb(n1 + n2, n1))
    p = min(p, Fraction(1))
    return float(p), float(mpmath.log(mpmath.mpf(p.numerator) / p.denominator))


def mwu_asymp_log_p(x, y, alternative):
    """ln p of the normal approximation, with SciPy's z, in mpmath."""
    n1, n2 = len(x), len(y)
    ranks = stats.rankdata(np.concatenate([x, y]))
    u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    u = {"greater": u1, "less": n1 * n2 - u1}.get(alternative, max(u1, n1 * n2 - u1))
    _, t = np.unique(ranks, return_counts=True)
    n = n1 + n2
    s = math.sqrt(n1 * n2 / 12 * ((n + 1) - float((t.astype(float) ** 3 - t).sum()) / (n * (n - 1))))
    z = (u - n1 * n2 / 2 - 0.5) / s
    lp = log_norm_sf(z) + (mpmath.log(2) if alternative == "two-sided" else 0)
    return float(min(lp, 0))


def close(label, got, want, rtol, atol=0.0):
    chk.close(label, None if got is None else float(got), None if want is None else float(want), rtol, atol)


# ---------------------------------------------------------------- trials
trials = []   # (name, x, y)
for n1, n2 in [(2, 2), (2, 7), (3, 5), (5, 5), (8, 8), (8, 30), (6, 200), (9, 9), (12, 7), (30, 40),
               (100, 80), (500, 700), (3000, 2000), (20000, 15000)]:
    trials.append(("normal", rng.normal(0, 1, n1), rng.normal(0.3, 1.5, n2)))
    trials.append(("ties", rng.integers(0, 6, n1).astype(float), rng.integers(0, 5, n2).astype(float)))
for n1, n2 in [(4, 6), (7, 3), (8, 120), (1, 9), (1, 1)]:
    trials.append(("uniform", rng.uniform(0, 1, n1), rng.uniform(0.2, 1.2, n2)))
trials.append(("identical", rng.normal(size=40), None))
trials[-1] = ("identical", trials[-1][1], trials[-1][1].copy())
trials.append(("one-constant", np.full(6, 2.5), rng.normal(2, 1, 9)))
trials.append(("separated-small", rng.uniform(0, 1, 8), rng.uniform(5, 6, 8)))
trials.append(("separated-large", rng.normal(0, 1, 3000), rng.normal(1e3, 1, 3000)))
trials.append(("shift-large", rng.normal(0, 1, 5000), rng.normal(0.5, 1, 6000)))
trials.append(("wide", rng.normal(1e6, 1e3, 300), rng.normal(1e6 + 50, 2e3, 250)))

rows = []
for g, (_, x, y) in enumerate(trials):
    rows += [(g, float(v), False) for v in x] + [(g, float(v), True) for v in y]
load_samples(cur, "loc", rows)


def fetch(expr):
    cur.execute(f"SELECT grp, (r).statistic, (r).pvalue, (r).n_reference, (r).n_current, (r).method, (r).log_pvalue "
                f"FROM (SELECT grp, {expr} AS r FROM loc GROUP BY grp) s ORDER BY grp")
    return {row[0]: row[1:] for row in cur.fetchall()}


# ---------------------------------------------------------------- t-test
mp_budget = 0
for variant in ("welch", "student"):
    got = fetch("mlmon.t_test(value, is_current)" if variant == "welch" else
                f"mlmon.t_test(value, is_current, '{variant}')")
    for g, (name, x, y) in enumerate(trials):
        label = f"t_test {variant} {name} ({len(x)},{len(y)})"
        res = stats.ttest_ind(x, y, equal_var=(variant == "student"))
        st, p, n1, n2, method, lp = got[g]
        chk.equal(label + ":n", (n1, n2, method), (len(x), len(y), variant))
        if math.isnan(res.statistic):
            chk.equal(label + ":null", (st, p, lp), (None, None, None))
            continue
        close(label + ":statistic", st, res.statistic, STAT_RTOL)
        close(label + ":pvalue", p, res.pvalue, P_RTOL, P_ATOL)
        if math.isinf(res.statistic):
            chk.equal(label + ":log_pvalue", lp, -math.inf)
            continue
        # the log tail in mpmath at mlmon's statistic and df (SciPy's df formula)
        if len(x) < 2 or len(y) < 2:
            continue
        v1, v2 = np.var(x, ddof=1), np.var(y, ddof=1)
        if variant == "student":
            df = len(x) + len(y) - 2.0
        else:
            a, b = v1 / len(x), v2 / len(y)
            df = (a + b) ** 2 / (a * a / (len(x) - 1) + b * b / (len(y) - 1))
        want = 0.0 if st == 0 else float(log_t_two_sided(st, df))
        close(label + ":log_pvalue", lp, want, LOGP_RTOL, 1e-15)

# ---------------------------------------------------------------- Mann-Whitney
FORMS = [("two-sided", "auto", "mlmon.mann_whitney(value, is_current)"),
         ("less", "auto", "mlmon.mann_whitney(value, is_current, 'less')"),
         ("greater", "auto", "mlmon.mann_whitney(value, is_current, 'greater')")]
for alt in ("two-sided", "less", "greater"):
    FORMS.append((alt, "exact", f"mlmon.mann_whitney(value, is_current, '{alt}', 'exact')"))
    FORMS.append((alt, "asymptotic", f"mlmon.mann_whitney(value, is_current, '{alt}', 'asymptotic')"))
seen_methods = set()
for alt, method, expr in FORMS:
    if method == "exact":
        # SciPy's exact recursion keeps O(n1 n2 U) floats: only small samples
        cur.execute("DROP TABLE IF EXISTS loc_small")
        cur.execute("CREATE TEMP TABLE loc_small AS SELECT * FROM loc WHERE grp IN (SELECT grp FROM loc GROUP BY grp "
                    "HAVING count(*) FILTER (WHERE is_current) * count(*) FILTER (WHERE NOT is_current) <= 1300)")
        cur.execute(f"SELECT grp, (r).statistic, (r).pvalue, (r).n_reference, (r).n_current, (r).method, (r).log_pvalue "
                    f"FROM (SELECT grp, {expr} AS r FROM loc_small GROUP BY grp) s ORDER BY grp")
        got = {row[0]: row[1:] for row in cur.fetchall()}
    else:
        got = fetch(expr)
    for g, (name, x, y) in enumerate(trials):
        if g not in got:
            continue
        label = f"mann_whitney {alt} {method} {name} ({len(x)},{len(y)})"
        res = stats.mannwhitneyu(x, y, alternative=alt, method=method)
        st, p, n1, n2, used, lp = got[g]
        seen_methods.add((method, used, name))
        if method == "auto":
            n1s, n2s = len(x), len(y)
            want_used = "exact" if (n1s <= 8 or n2s <= 8) and len(np.unique(np.concatenate([x, y]))) == n1s + n2s else "asymp"
        else:
            want_used = "exact" if method == "exact" else "asymp"
        chk.equal(label + ":n", (n1, n2, used), (len(x), len(y), want_used))
        close(label + ":statistic", st, res.statistic, STAT_RTOL)
        close(label + ":pvalue", p, res.pvalue, P_RTOL, P_ATOL)
        if used == "exact":
            _, want = mwu_exact_log_p(x, y, alt)
        else:
            want = mwu_asymp_log_p(x, y, alt)
        close(label + ":log_pvalue", lp, want, LOGP_RTOL, 1e-15)

# Sizes SciPy 1.10 cannot compute exactly (it runs out of memory): the exact
# counts of the Gaussian binomial, in Python integers, are the oracle.
big = [("7x5000", rng.normal(0.2, 1, 7), rng.normal(0, 1, 5000)),
       ("8x3000-separated", rng.uniform(10, 11, 8), rng.uniform(0, 1, 3000))]
rows = []
for g, (_, x, y) in enumerate(big):
    rows += [(g, float(v), False) for v in x] + [(g, float(v), True) for v in y]
load_samples(cur, "loc_big", rows)
for alt in ("two-sided", "less", "greater"):
    cur.execute(f"SELECT grp, (r).statistic, (r).pvalue, (r).method, (r).log_pvalue FROM "
                f"(SELECT grp, mlmon.mann_whitney(value, is_current, '{alt}') AS r FROM loc_big GROUP BY grp) s ORDER BY grp")
    for g, st, p, used, lp in cur.fetchall():
        name, x, y = big[g]
        label = f"mann_whitney {alt} auto {name}"
        want_p, want_lp = mwu_exact_log_p(x, y, alt)
        chk.equal(label + ":method", used, "exact")
        close(label + ":statistic", st, stats.mannwhitneyu(x, y, method="asymptotic").statistic, STAT_RTOL)
        close(label + ":pvalue", p, want_p, P_RTOL, P_ATOL)
        close(label + ":log_pvalue", lp, want_lp, LOGP_RTOL, 1e-15)

cur.execute("SELECT (r).pvalue, (r).log_pvalue FROM (SELECT mlmon.t_test(value, is_current) AS r FROM loc "
            f"WHERE grp = {[t[0] for t in trials].index('separated-large')}) s")
p, lp = cur.fetchone()
chk.equal("t_test separated-large: p underflows, log p finite", (p, lp < -1e4 and math.isfinite(lp)), (0.0, True))
print("method switches seen:", sorted({(m, u) for m, u, _ in seen_methods}))
chk.finish()
