#!/usr/bin/python3
"""log_pvalue of mlmon.ks_result, chi2_result and z_result: the natural log
of the p-value, finite where the p-value underflows to 0.

Every log_pvalue is compared with an independent mpmath computation at 60
digits (test/oracle/logp_ref.py) to 1e-9 relative, and with ln(pvalue) to
1e-12 wherever pvalue is a normal number above 1e-300; statistics and
p-values are compared with SciPy 1.10 as in the other oracle tests.  Cases:
strong drift on large samples (KS up to 10^6 rows per sample, D up to and
near 1, asymptotic and exact methods and the exact -> asymptotic switches),
chi-square statistics of 10^5 and more, z statistics from 40 to 10^4, and
seeded random moderate cases."""
import math
import os
import sys
import warnings

import numpy as np
from mpmath import mp, mpf
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import P_ATOL, P_RTOL, STAT_RTOL, Checker, connect  # noqa: E402
import logp_ref as R  # noqa: E402

LOG_RTOL = 1e-9     # log_pvalue against mpmath
LN_RTOL = 1e-12     # log_pvalue against ln(pvalue) where pvalue is normal and > 1e-300

# SciPy warns where its exact one-sided attempt overflows and it switches to asymp: that switch is tested here
warnings.filterwarnings("ignore", message="ks_2samp: Exact calculation unsuccessful")
chk = Checker("test_log_pvalues")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261204)
underflowed = []   # cases whose p-value is 0 or subnormal


def check_log(label, got_log, got_p, want_log, near_one_atol=0.0, kind="log_pvalue"):
    """got_log against the mpmath value (None: no closed form; then ln(p)
    only) and against ln(got_p); NULL exactly where the p-value is NULL.
    near_one_atol: the absolute error allowed where p > 1/2 (KS: there the
    log is log(p), good to 1e-16 absolute but not relative as p -> 1)."""
    if got_p is None:
        chk.equal(f"{label}:log_pvalue NULL with pvalue", got_log, None)
        return
    if got_p < 2.2250738585072014e-308:
        underflowed.append(label)
    if want_log is not None:
        want = -math.inf if want_log == mpf("-inf") else float(want_log)
        atol = near_one_atol if got_p > 0.5 else 0.0
        chk.close(f"{label}:{kind}", got_log, want, LOG_RTOL, atol if want != 0 else max(atol, 1e-15))
    if got_p > 1e-300:
        chk.close(f"{label}:log_pvalue_vs_ln_pvalue", got_log, math.log(got_p), LN_RTOL, 1e-15)


def round_half_even(x):
    r = math.floor(x)
    return r + 1 if x - r > 0.5 else (r if x - r < 0.5 else (r if r % 2 == 0 else r + 1))


def hodges_log(n1, n2, d):
    """Hodges' one-sided asymptotic exponent (SciPy 1.10), capped at 0."""
    m, n = mpf(max(n1, n2)), mpf(min(n1, n2))
    z = mp.sqrt(m * n / (m + n)) * mpf(d)
    e = -2 * z * z - 2 * z * (m + 2 * n) / mp.sqrt(m * n * (m + n)) / 3
    return min(e, mpf(0))


def ks_oracle(n1, n2, d, alt, method, p_scipy):
    """mpmath log p for mlmon's statistic d and the method it reports."""
    if method == "exact":
        g = math.gcd(n1, n2)
        h = round(d * (n1 // g) * n2)
        return R.ks2_exact_log(n1, n2, h, alt == "two-sided"), "log_pvalue"
    if alt != "two-sided":
        return hodges_log(n1, n2, d), "log_pvalue"
    want = R.log_kstwo_tail(round_half_even(n1 * n2 / (n1 + n2)), d)
    if want is None and p_scipy > 0:
        return mp.log(mpf(p_scipy)), "log_pvalue_vs_ln_scipy_pvalue"   # Durbin / Pomeranz / Pelz-Good: p far from underflow
    return want, "log_pvalue"


def check_ks(label, a, b, row, alt, method_arg):
    s, p, method, logp = row
    want = stats.ks_2samp(a, b, alternative=alt, method=method_arg)
    chk.close(f"{label}:statistic", s, float(want.statistic), STAT_RTOL)
    chk.close(f"{label}:pvalue", p, float(want.pvalue), P_RTOL, P_ATOL)
    want_log, kind = ks_oracle(len(a), len(b), s, alt, method, float(want.pvalue))
    check_log(label, logp, p, want_log, 1e-15, kind)
    return method


switches = set()
KS_COLS = "(r).statistic, (r).pvalue, (r).method, (r).log_pvalue"

# --- KS on large samples, generated in SQL: reference 1..n1, current s*(1..n2) + o (exact in float8)
large = [(1000000, 1000000, 1, 300000),    # D = 0.3, N = 5e5: p ~ exp(-9e4)
         (1000000, 1000000, 1, 999999),    # D = 1 - 1e-6: Ruben-Gambino's 2 (1-d)^N
         (1000000, 1000000, 1, 1000000),   # D = 1: p = 0 exactly under kstwo, log -inf
         (1000000, 300000, 3, 250000),     # unequal sizes
         (20000, 20000, 1, 4000),          # D = 0.2, N = 1e4: p ~ exp(-800), just past underflow
         (20000, 20000, 1, 1300),          # D = 0.065, N = 1e4: p ~ 1e-37, the 2 smirnov branch
         (15000, 12000, 1, 200)]           # moderate: Pelz-Good / Durbin region
for n1, n2, s, o in large:
    cur.execute(f"""
        SELECT {KS_COLS.replace('(r)', '(r1)')}, {KS_COLS.replace('(r)', '(r2)')}, {KS_COLS.replace('(r)', '(r3)')}
          FROM (SELECT mlmon.ks_2samp(v, c) AS r1, mlmon.ks_2samp(v, c, 'less') AS r2,
                       mlmon.ks_2samp(v, c, 'greater') AS r3
                  FROM (SELECT g::float8, false FROM generate_series(1, %s) g
                        UNION ALL SELECT (g::float8 * %s) + %s, true FROM generate_series(1, %s) g) t(v, c)) x""",
                (n1, s, o, n2))
    row = cur.fetchone()
    a = np.arange(1, n1 + 1, dtype=np.float64)
    b = np.arange(1, n2 + 1, dtype=np.float64) * s + o
    for i, alt in enumerate(("two-sided", "less", "greater")):
        m = check_ks(f"ks {n1}x{n2} +{o} {alt}", a, b, row[4 * i:4 * i + 4], alt, "auto")
        switches.add((alt, m))
        chk.equal(f"ks {n1}x{n2} +{o} {alt}: method", m, "asymp")

# --- exact KS (auto, sizes <= 10000) with strong drift: seeded normal samples, D up to 1
exact_cases = [(600, 600, 2.0), (600, 600, 5.0), (600, 600, 50.0), (700, 500, 3.0), (700, 500, 50.0),
               (450, 300, 4.0), (90, 60, 50.0), (120, 120, 1.0), (333, 222, 0.5), (40, 30, 2.5)]
rows = []
samples = []
for gi, (n1, n2, mu) in enumerate(exact_cases):
    a = rng.normal(0.0, 1.0, n1)
    b = rng.normal(mu, 1.0, n2)
    samples.append((a, b))
    rows += [(gi, float(v), False) for v in a] + [(gi, float(v), True) for v in b]
from common import load_samples  # noqa: E402
load_samples(cur, "lp_exact", rows)
cur.execute(f"""
    SELECT grp, {KS_COLS.replace('(r)', '(r1)')}, {KS_COLS.replace('(r)', '(r2)')}
      FROM (SELECT grp, mlmon.ks_2samp(value, is_current) AS r1,
                   mlmon.ks_2samp(value, is_current, 'greater') AS r2
              FROM lp_exact GROUP BY grp) x ORDER BY grp""")
for g, *row in cur.fetchall():
    n1, n2, mu = exact_cases[g]
    a, b = samples[g]
    m1 = check_ks(f"ks exact {n1}x{n2} mu={mu} two-sided", a, b, row[0:4], "two-sided", "auto")
    m2 = check_ks(f"ks exact {n1}x{n2} mu={mu} greater", a, b, row[4:8], "greater", "auto")
    chk.equal(f"ks exact {n1}x{n2} two-sided: method", m1, "exact")
    # one-sided, unequal sizes: exact while C(n1+n2, n1) is finite in double, else SciPy's asymptotic fallback
    want_m2 = "exact" if n1 == n2 or math.lgamma(n1 + n2 + 1) - math.lgamma(n1 + 1) - math.lgamma(n2 + 1) < 709.78 \
        else "asymp"
    chk.equal(f"ks exact {n1}x{n2} greater: method", m2, want_m2)
    switches.add(("two-sided", m1))
    switches.add(("greater", m2))

# explicit method 'asymp' on small samples (the kstwo branches for N <= 140)
cur.execute(f"""
    SELECT grp, {KS_COLS} FROM (SELECT grp, mlmon.ks_2samp(value, is_current, 'two-sided', 'asymp') AS r
                                  FROM lp_exact GROUP BY grp) x ORDER BY grp""")
for g, *row in cur.fetchall():
    n1, n2, mu = exact_cases[g]
    a, b = samples[g]
    check_ks(f"ks asymp {n1}x{n2} mu={mu}", a, b, row, "two-sided", "asymp")

# --- seeded random moderate cases: every p-value a normal number, log_pvalue = ln(pvalue)
rows = []
rand_cases = []
for gi in range(12):
    n1, n2 = int(rng.integers(5, 3000)), int(rng.integers(5, 3000))
    a = np.round(rng.normal(0.0, 1.0, n1), int(rng.integers(1, 4)))    # ties, too
    b = np.round(rng.normal(float(rng.uniform(0, 0.6)), 1.0, n2), 2)
    rand_cases.append((a, b))
    rows += [(gi, float(v), False) for v in a] + [(gi, float(v), True) for v in b]
load_samples(cur, "lp_rand", rows)
cur.execute(f"""
    SELECT grp, {KS_COLS.replace('(r)', '(r1)')}, {KS_COLS.replace('(r)', '(r2)')}
      FROM (SELECT grp, mlmon.ks_2samp(value, is_current) AS r1, mlmon.ks_2samp(value, is_current, 'less') AS r2
              FROM lp_rand GROUP BY grp) x ORDER BY grp""")
for g, *row in cur.fetchall():
    a, b = rand_cases[g]
    for alt, part in (("two-sided", row[0:4]), ("less", row[4:8])):
        s, p, method, logp = part
        want = stats.ks_2samp(a, b, alternative=alt, method="auto")
        lbl = f"ks random {len(a)}x{len(b)} {alt}"
        chk.close(f"{lbl}:statistic", s, float(want.statistic), STAT_RTOL)
        chk.close(f"{lbl}:pvalue", p, float(want.pvalue), P_RTOL, P_ATOL)
        check_log(lbl, logp, p, mp.log(mpf(float(want.pvalue))) if want.pvalue > 1e-300 else None, 1e-15,
                  "log_pvalue_vs_ln_scipy_pvalue")

# the profile form and the sketch: NULL log_pvalue exactly where pvalue is NULL
cur.execute("""
    SELECT (r).pvalue, (r).log_pvalue FROM (
      SELECT mlmon.ks_2samp(mlmon.profile(g::float8, 16), mlmon.profile(g::float8 + 50, 16)) AS r
        FROM generate_series(1, 1000) g) x""")
p, logp = cur.fetchone()
check_log("ks sketched profiles", logp, p, None)
cur.execute("""SELECT (mlmon.ks_2samp(g::float8, false)).log_pvalue IS NULL FROM generate_series(1, 10) g""")
chk.equal("ks empty current sample: log_pvalue NULL", cur.fetchone()[0], True)


# --- chi-square and z-test from categorical profiles (counts of any size)
def cat_profile(counts):
    cats = [f"c{i:05d}" for i in range(len(counts))]
    keep = [(c, int(n)) for c, n in zip(cats, counts) if n > 0]
    return ('{"mlmon_profile": 1, "kind": "categorical", "mode": "exact", "cap": 10000, "count": %d, "nulls": 0, '
            '"categories": [%s], "counts": [%s]}' % (sum(n for _, n in keep), ", ".join(f'"{c}"' for c, _ in keep),
                                                      ", ".join(str(n) for _, n in keep)))


chi2_cases = [
    ([50000, 50], [50, 50000]),                                         # dof 1, statistic ~5e7
    ([100000, 100000, 100000], [80000, 100000, 120000]),                # dof 2, statistic 2e4
    (list(rng.integers(100, 1000, 2000)), list(rng.integers(100, 1000, 2000))),   # dof 1999, statistic ~3e5
    (list(rng.integers(1000, 5000, 300)), None),                        # dof 299, mild drift
    ([7, 3, 9, 1], [6, 4, 8, 2]),                                       # tiny counts
    ([400000, 1], [399000, 1000]),                                      # a rare category grows: p underflows
]
for ci, (ref, cur_counts) in enumerate(chi2_cases):
    ref = [int(x) for x in ref]
    if cur_counts is None:
        cur_counts = [int(x + rng.integers(-40, 40)) for x in ref]
    cur_counts = [int(x) for x in cur_counts]
    cur.execute("""
        SELECT (g).statistic, (g).pvalue, (g).dof, (g).log_pvalue, (c).statistic, (c).pvalue, (c).dof, (c).log_pvalue
          FROM (SELECT mlmon.chi2_drift(%s::mlmon.profile, %s::mlmon.profile) AS g,
                       mlmon.chi2_drift(%s::mlmon.profile, %s::mlmon.profile, 'contingency') AS c) x""",
                (cat_profile(ref), cat_profile(cur_counts)) * 2)
    gs, gp, gd, gl, cs, cp, cd, cl = cur.fetchone()
    r, c = np.array(ref, dtype=float), np.array(cur_counts, dtype=float)
    want = stats.chisquare(c, r * c.sum() / r.sum())
    lbl = f"chi2 gof k={len(ref)}"
    chk.close(f"{lbl}:statistic", gs, float(want.statistic), STAT_RTOL)
    chk.close(f"{lbl}:pvalue", gp, float(want.pvalue), P_RTOL, P_ATOL)
    chk.equal(f"{lbl}: dof", gd, len(ref) - 1)
    check_log(lbl, gl, gp, R.log_chi2_sf(gs, gd))
    wc = stats.chi2_contingency(np.vstack([r, c]))
    lbl = f"chi2 contingency k={len(ref)}"
    chk.close(f"{lbl}:statistic", cs, float(wc[0]), STAT_RTOL)
    chk.close(f"{lbl}:pvalue", cp, float(wc[1]), P_RTOL, P_ATOL)
    check_log(lbl, cl, cp, R.log_chi2_sf(cs, cd))

# a category only the current sample has: infinite statistic, p = 0 exactly, log -inf
cur.execute("""SELECT (g).pvalue, (g).log_pvalue FROM (SELECT mlmon.chi2_drift(%s::mlmon.profile, %s::mlmon.profile) AS g) x""",
            (cat_profile([10, 0]), cat_profile([10, 3])))
chk.equal("chi2 category unseen in the reference: (pvalue, log_pvalue)", cur.fetchone(), (0.0, -math.inf))

# the aggregate form builds the same row
cur.execute("""SELECT (mlmon.chi2_drift(k, c)).log_pvalue, (mlmon.z_test(k > 0, c)).log_pvalue
                 FROM (SELECT (g % 2)::bigint, g > 30000 FROM generate_series(1, 40000) g
                       UNION ALL SELECT 1, true FROM generate_series(1, 9000)) t(k, c)""")
agg_chi2, agg_z = cur.fetchone()
n_ref, x_ref, n_cur, x_cur = 30000, 15000, 19000, 14000
chk.close("chi2 aggregate form:log_pvalue", agg_chi2,
          float(R.log_chi2_sf(float(stats.chisquare([n_cur - x_cur, x_cur],
                                                    [15000 * n_cur / n_ref, 15000 * n_cur / n_ref]).statistic), 1)),
          LOG_RTOL)


def pooled_z(x1, n1, x2, n2):
    p1, p2 = mpf(x1) / n1, mpf(x2) / n2
    pool = (p1 * n1 + p2 * n2) / (n1 + n2)
    return (p1 - p2) / mp.sqrt(pool * (1 - pool) * (mpf(1) / n1 + mpf(1) / n2))


chk.close("z aggregate form:log_pvalue", agg_z, float(R.log_norm_two_sided(pooled_z(x_ref, n_ref, x_cur, n_cur))),
          LOG_RTOL)

z_cases = [(40000, 20000, 40000, 23000), (500000, 250000, 500000, 300000), (10 ** 6, 10 ** 5, 10 ** 6, 9 * 10 ** 5),
           (5 * 10 ** 7, 0, 5 * 10 ** 7, 5 * 10 ** 7), (10 ** 8, 4 * 10 ** 7, 10 ** 8, 6 * 10 ** 7),
           (1000, 500, 1200, 640), (70, 35, 80, 30)]
for n1, x1, n2, x2 in z_cases:
    cur.execute("""SELECT (z).statistic, (z).pvalue, (z).log_pvalue
                     FROM (SELECT mlmon.z_test(%s::mlmon.profile, %s::mlmon.profile) AS z) x""",
                (cat_profile([x1, n1 - x1]), cat_profile([x2, n2 - x2])))
    zs, zp, zl = cur.fetchone()
    # the proportion tested is that of the reference's first category (c00001 when c00000 is empty)
    zw = pooled_z(x1, n1, x2, n2) if x1 > 0 else pooled_z(n1 - x1, n1, n2 - x2, n2)
    lbl = f"z {x1}/{n1} vs {x2}/{n2} (z={float(zw):.4g})"
    chk.close(f"{lbl}:statistic", zs, float(zw), STAT_RTOL)
    chk.close(f"{lbl}:pvalue", zp, float(2 * stats.norm.sf(abs(float(zw)))), P_RTOL, P_ATOL)
    check_log(lbl, zl, zp, R.log_norm_two_sided(zs))

print(f"{len(underflowed)} cases with a p-value that underflows (0 or subnormal): " + "; ".join(underflowed))
print("KS methods covered (alternative, method):", sorted(switches))
chk.finish()
