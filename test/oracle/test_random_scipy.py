#!/usr/bin/python3
"""Randomized comparison of every drift statistic with SciPy (and with
Evidently's definitions written here with NumPy): sample sizes from 1 to
20000, equal and unequal sizes, ties, identical samples, a sample of size 1,
separated samples with tiny p-values.  All trials are loaded into one table
and computed by one GROUP BY query per statistic family, so this also
exercises many groups at once."""
import math
import warnings

import numpy as np
from scipy import stats
from scipy.spatial import distance

from common import P_ATOL, P_RTOL, STAT_RTOL, Checker, connect, load_samples

# SciPy warns when it falls back from exact to asymptotic p-values: expected here.
warnings.simplefilter("ignore", RuntimeWarning)
rng = np.random.default_rng(20261127)
chk = Checker("random SciPy comparisons")
conn = connect()
cur = conn.cursor()

# ---------------------------------------------------------------- numeric
SIZES = [(1, 1), (1, 9), (9, 1), (2, 3), (5, 5), (8, 10), (17, 30), (50, 50), (100, 120),
         (250, 240), (500, 1000), (1000, 1000), (3000, 2000), (5000, 4000), (10000, 10000),
         (12000, 3000), (20000, 20000), (7, 20000)]


def numeric_trials():
    trials = []
    for n1, n2 in SIZES:
        trials.append(("normal-shift", rng.normal(0, 1, n1), rng.normal(0.1, 1.2, n2)))
        trials.append(("ties", rng.integers(0, 12, n1).astype(float), rng.integers(0, 10, n2).astype(float)))
    for n in (1, 7, 300, 4000):
        x = rng.normal(size=n)
        trials.append(("identical", x, x.copy()))
    for n1, n2 in ((10, 10), (100, 120), (40, 7), (1, 5)):
        trials.append(("separated", rng.uniform(0, 1, n1), rng.uniform(2, 3, n2)))
    trials.append(("wide-range", rng.normal(0, 1e6, 3000), rng.standard_cauchy(2500)))
    return trials


def quantile_psi_js(a, b, bins=10):
    """mlmon's documented default binning, written with NumPy."""
    a = np.sort(a)
    edges = np.unique(np.quantile(a, np.arange(1, bins) / bins))
    ra = np.diff(np.concatenate(([0], np.searchsorted(a, edges, "left"), [len(a)])))
    rb = np.diff(np.concatenate(([0], np.searchsorted(np.sort(b), edges, "left"), [len(b)])))
    r, c = ra / len(a), rb / len(b)
    return evidently_psi(r, c), distance.jensenshannon(r, c)


def fill_zeroes(p):
    p = p.copy()
    m = min(p[p != 0])
    np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return p


def evidently_psi(r, c):
    r, c = fill_zeroes(r), fill_zeroes(c)
    return np.sum((r - c) * np.log(r / c))


def evidently_bins(a, b):
    """evidently get_binned_data for a numerical column, with NumPy."""
    if len(np.unique(a)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
        return np.histogram(a, bins)[0] / len(a), np.histogram(b, bins)[0] / len(b)
    keys = sorted(set(np.unique(a)) | set(np.unique(b)))
    ua, ca = np.unique(a, return_counts=True)
    ub, cb = np.unique(b, return_counts=True)
    da, db = dict(zip(ua, ca)), dict(zip(ub, cb))
    return (np.array([da.get(k, 0) / len(a) for k in keys]),
            np.array([db.get(k, 0) / len(b) for k in keys]))


trials = numeric_trials()
rows = []
for g, (_, a, b) in enumerate(trials):
    rows += [(g, float(v), False) for v in a] + [(g, float(v), True) for v in b]
load_samples(cur, "num", rows)

cur.execute("""
SELECT grp,
       mlmon.ks_2samp(value, is_current),
       mlmon.ks_2samp(value, is_current, 'less', 'auto'),
       mlmon.ks_2samp(value, is_current, 'greater', 'auto'),
       mlmon.ks_2samp(value, is_current, 'two-sided', 'asymp'),
       mlmon.wasserstein(value, is_current),
       mlmon.wasserstein_normed(value, is_current),
       mlmon.psi(value, is_current), mlmon.psi(value, is_current, 5),
       mlmon.psi(value, is_current, 'evidently'),
       mlmon.jensen_shannon(value, is_current), mlmon.jensen_shannon(value, is_current, 7),
       mlmon.jensen_shannon(value, is_current, 'evidently')
  FROM num GROUP BY grp ORDER BY grp""")
results = cur.fetchall()
chk.equal("numeric groups", len(results), len(trials))


def parse_ks(s):
    # composite text: (statistic,pvalue,n1,n2,method,location,sign)
    f = s.strip("()").split(",")
    return float(f[0]), float(f[1]), f[4], float(f[5]), int(f[6])


for (g, ks2, ksl, ksg, ksa, wd, wdn, psi10, psi5, psie, js10, js7, jse), (kind, a, b) in zip(results, trials):
    lbl = f"{kind}[{len(a)}x{len(b)}]"
    for alt, got, meth in (("two-sided", ks2, "auto"), ("less", ksl, "auto"),
                           ("greater", ksg, "auto"), ("two-sided", ksa, "asymp")):
        want = stats.ks_2samp(a, b, alternative=alt, method=meth)
        s, p, used, loc, sign = parse_ks(got)
        chk.close(f"{lbl} ks {alt} {meth}:statistic", s, float(want.statistic), STAT_RTOL)
        chk.close(f"{lbl} ks {alt} {meth}:pvalue", p, float(want.pvalue), P_RTOL, P_ATOL)
        chk.equal(f"{lbl} ks {alt} {meth}:location", loc, float(want.statistic_location))
        chk.equal(f"{lbl} ks {alt} {meth}:sign", sign, int(want.statistic_sign))
    w = stats.wasserstein_distance(a, b)
    chk.close(f"{lbl} wasserstein:statistic", wd, w, STAT_RTOL, 1e-300)
    chk.close(f"{lbl} wasserstein_normed:statistic", wdn, w / max(np.std(a), 0.001), STAT_RTOL, 1e-300)
    for got, bins in ((psi10, 10), (psi5, 5)):
        chk.close(f"{lbl} psi bins={bins}:statistic", got, quantile_psi_js(a, b, bins)[0], STAT_RTOL, 1e-15)
    for got, bins in ((js10, 10), (js7, 7)):
        chk.close(f"{lbl} js bins={bins}:statistic", got, quantile_psi_js(a, b, bins)[1], STAT_RTOL, 1e-15)
    r, c = evidently_bins(a, b)
    chk.close(f"{lbl} psi evidently:statistic", psie, evidently_psi(r, c), STAT_RTOL, 1e-15)
    chk.close(f"{lbl} js evidently:statistic", jse, distance.jensenshannon(r, c), STAT_RTOL, 1e-15)

# exact p-values (method 'exact') on the sizes where SciPy's exact path is quick
cur.execute("""
SELECT grp, (r).statistic, (r).pvalue, (r).method FROM (
  SELECT grp, mlmon.ks_2samp(value, is_current, %s, 'exact') AS r FROM num
   WHERE grp = ANY(%s) GROUP BY grp) s ORDER BY grp""",
            ("two-sided", [g for g, t in enumerate(trials) if len(t[1]) * len(t[2]) <= 2e7]))
for g, s, p, used in cur.fetchall():
    kind, a, b = trials[g]
    want = stats.ks_2samp(a, b, method="exact")
    chk.close(f"{kind}[{len(a)}x{len(b)}] ks exact:statistic", s, float(want.statistic), STAT_RTOL)
    chk.close(f"{kind}[{len(a)}x{len(b)}] ks exact:pvalue", p, float(want.pvalue), P_RTOL, P_ATOL)

# ------------------------------------------------------------ categorical
cat_trials = []
for n1, n2, k in ((1, 1, 2), (10, 12, 2), (200, 150, 2), (5000, 3000, 2), (100, 100, 3),
                  (1000, 800, 5), (20000, 5000, 12), (50, 60, 30), (3000, 3000, 1)):
    p = rng.dirichlet(np.ones(k))
    q = 0.7 * p + 0.3 * rng.dirichlet(np.ones(k))
    cat_trials.append((rng.choice(k, n1, p=p), rng.choice(k, n2, p=q)))
# a category only in the current sample
cat_trials.append((rng.choice(3, 400), rng.choice(4, 300)))
rows = []
for g, (a, b) in enumerate(cat_trials):
    rows += [(g, f"cat{v:02d}", False) for v in a] + [(g, f"cat{v:02d}", True) for v in b]
load_samples(cur, "cat", rows, "text")
cur.execute("""
SELECT grp, (g).statistic, (g).pvalue, (g).dof, (c).statistic, (c).pvalue, (c).dof, psi, js,
       (SELECT count(DISTINCT value) FROM cat c2 WHERE c2.grp = s.grp)
  FROM (SELECT grp, mlmon.chi2_drift(value, is_current) AS g,
               mlmon.chi2_drift(value, is_current, 'contingency') AS c,
               mlmon.psi(value, is_current) AS psi, mlmon.jensen_shannon(value, is_current) AS js
          FROM cat GROUP BY grp) s ORDER BY grp""")
for (g, gs, gp, gd, cs, cp, cd, psi, js, ncat), (a, b) in zip(cur.fetchall(), cat_trials):
    lbl = f"categorical[{len(a)}x{len(b)}]"
    keys = sorted(set(a) | set(b))
    ra = np.array([np.sum(a == k) for k in keys], dtype=float)
    rb = np.array([np.sum(b == k) for k in keys], dtype=float)
    if len(keys) > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            want = stats.chisquare(rb, ra * (len(b) / len(a)))
        chk.close(lbl + " chi2 goodness_of_fit:statistic", gs, float(want.statistic), STAT_RTOL)
        chk.close(lbl + " chi2 goodness_of_fit:pvalue", gp, float(want.pvalue), P_RTOL, P_ATOL)
        want = stats.chi2_contingency(np.array([ra, rb]))
        chk.close(lbl + " chi2 contingency:statistic", cs, float(want[0]), STAT_RTOL)
        chk.close(lbl + " chi2 contingency:pvalue", cp, float(want[1]), P_RTOL, P_ATOL)
        chk.equal(lbl + " dof", (gd, cd), (len(keys) - 1, int(want[2])))
    else:
        chk.equal(lbl + " single category", (gs, gp, gd, cs, cp, cd), (0.0, 1.0, 0, 0.0, 1.0, 0))
    chk.close(lbl + " psi:statistic", psi, evidently_psi(ra / len(a), rb / len(b)), STAT_RTOL, 1e-15)
    chk.close(lbl + " js:statistic", js, distance.jensenshannon(ra / len(a), rb / len(b)), STAT_RTOL, 1e-15)

# z-test on the binary trials: Evidently's pooled z, p from erfc
cur.execute("""
SELECT grp, (z).statistic, (z).pvalue, (z).category FROM (
  SELECT grp, mlmon.z_test(value, is_current) AS z FROM cat
   WHERE grp IN (SELECT grp FROM cat GROUP BY grp HAVING count(DISTINCT value) <= 2)
   GROUP BY grp) s ORDER BY grp""")
for g, z, p, category in cur.fetchall():
    a, b = cat_trials[g]
    key = int(category[3:])
    chk.equal(f"z[{g}] category", key, min(set(a) | set(b)))
    p1, p2 = np.mean(a == key), np.mean(b == key)
    pooled = (p1 * len(a) + p2 * len(b)) / (len(a) + len(b))
    if pooled in (0.0, 1.0):
        wz, wp = 0.0, 1.0
    else:
        wz = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
        wp = 2 * stats.norm.sf(abs(wz))
    chk.close(f"z[{g}]:statistic", z, float(wz), STAT_RTOL, 1e-300)
    chk.close(f"z[{g}]:pvalue", p, float(wp), P_RTOL, P_ATOL)

chk.finish()
