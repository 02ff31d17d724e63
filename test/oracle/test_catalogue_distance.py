#!/usr/bin/python3
"""Evidently's distance drift tests against SciPy and Evidently's formulas
written here with NumPy (no Evidently package is available):

- energy_distance: scipy.stats.energy_distance(ref, cur);
- hellinger: Evidently's bins (categories: the union; numbers: Sturges edges
  over the distinct values of both samples), the distance from the bin
  counts in 50-digit arithmetic (mpmath) in the form mlmon documents,
  sqrt(sum (sqrt p - sqrt q)^2 / 2); Evidently's own sqrt(1 - sum sqrt(pq))
  is checked too, to the 1e-7 its cancellation allows;
- kl_div: Evidently's get_binned_data (Sturges bins over the pooled sample
  when the reference has more than 20 distinct values, else one bin per
  value or category), feel_zeroes, then scipy.stats.entropy(ref, cur).

Seeded random cases of 1 to 5000 values, ties, 20 and 21 distinct reference
values, identical and separated samples, values or categories only one side
has, single values, text, boolean and bigint categories; NaN and infinities
skipped; empty sides give NULL; a parallel plan gives the serial result."""
import math

import mpmath
import numpy as np
from scipy import stats

from common import STAT_RTOL, Checker, connect, copy_rows, load_samples

mpmath.mp.dps = 50
rng = np.random.default_rng(20261204)
chk = Checker("distance drift tests")
conn = connect()
cur = conn.cursor()


# ------------------------------------------------------------ references
def fill_zeroes(p):
    """Evidently's feel_zeroes for one side's proportions."""
    p = p.copy()
    m = min(p[p != 0])
    np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return p


def kl_binned(a, b):
    """Evidently get_binned_data for a numerical column (keys ascending)."""
    if len(np.unique(a)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
        return np.histogram(a, bins)[0] / len(a), np.histogram(b, bins)[0] / len(b)
    keys = sorted(set(np.unique(a)) | set(np.unique(b)))
    ua, ca = np.unique(a, return_counts=True)
    ub, cb = np.unique(b, return_counts=True)
    da, db = dict(zip(ua, ca)), dict(zip(ub, cb))
    return (np.array([da.get(k, 0) / len(a) for k in keys]),
            np.array([db.get(k, 0) / len(b) for k in keys]))


def kl_div(r, c):
    return float(stats.entropy(fill_zeroes(r), fill_zeroes(c)))


def hellinger_exact(ca, na, cb, nb):
    """sqrt(sum (sqrt p - sqrt q)^2 / 2) from counts, 50 digits."""
    s = mpmath.mpf(0)
    for x, y in zip(ca, cb):
        s += (mpmath.sqrt(mpmath.mpf(int(x)) / na) - mpmath.sqrt(mpmath.mpf(int(y)) / nb)) ** 2
    return float(mpmath.sqrt(s / 2))


def hellinger_numeric(a, b):
    """Evidently's numeric hellinger: (our exact form, Evidently's own form)."""
    keys = list(set(np.unique(a)) | set(np.unique(b)))
    bins = np.histogram_bin_edges(keys, bins="sturges")
    ca, cb = np.histogram(a, bins)[0], np.histogram(b, bins)[0]
    h1 = np.histogram(a, bins=bins, density=True)[0]
    h2 = np.histogram(b, bins=bins, density=True)[0]
    width = (max(bins) - min(bins)) / (len(bins) - 1)
    with np.errstate(over="ignore"):
        ev = sum(math.sqrt(p1 * p2) * width for p1, p2 in zip(h1, h2))
    return hellinger_exact(ca, len(a), cb, len(b)), math.sqrt(1 - np.clip(ev, 0, 1))


def category_counts(a, b):
    """Counts over the union of categories in mlmon's order (bytes of the text form)."""
    keys = sorted(set(a) | set(b), key=lambda k: str(k).encode())
    ca = np.array([sum(1 for v in a if v == k) for k in keys])
    cb = np.array([sum(1 for v in b if v == k) for k in keys])
    return ca, cb


def hellinger_categorical(a, b):
    ca, cb = category_counts(a, b)
    ev = sum(math.sqrt((x / len(a)) * (y / len(b))) for x, y in zip(ca, cb))
    return hellinger_exact(ca, len(a), cb, len(b)), math.sqrt(1 - np.clip(ev, 0, 1))


# ---------------------------------------------------------------- numeric
def numeric_trials():
    t = []
    for n1, n2 in ((1, 1), (1, 9), (9, 1), (2, 3), (5, 5), (17, 30), (100, 120), (1000, 800), (5000, 4000)):
        t.append(("normal-shift", rng.normal(0, 1, n1), rng.normal(0.1, 1.2, n2)))
        t.append(("ties<=20", rng.integers(0, 12, n1).astype(float), rng.integers(0, 14, n2).astype(float)))
        t.append(("ties>20", rng.integers(0, 40, n1).astype(float), rng.integers(5, 45, n2).astype(float)))
    for n in (1, 7, 300, 2000):
        x = rng.normal(size=n)
        t.append(("identical", x, rng.permutation(x)))
    # exactly 20 and 21 distinct reference values: per-value bins, then Sturges bins
    for d in (20, 21):
        t.append((f"{d}-distinct", np.concatenate([np.arange(d), rng.integers(0, d, 200)]).astype(float),
                  rng.integers(0, d + 3, 150).astype(float)))
    for n1, n2 in ((10, 10), (100, 120), (40, 7), (1, 5)):
        t.append(("separated", rng.uniform(0, 1, n1), rng.uniform(2, 3, n2)))
    t.append(("single-same", np.array([3.5]), np.array([3.5])))
    t.append(("single-apart", np.array([-1.0]), np.array([2.0])))
    t.append(("all-ties", np.full(50, 7.0), np.full(30, 7.0)))
    t.append(("constant-apart", np.full(50, 7.0), np.full(30, 8.0)))
    t.append(("current-only-values", rng.integers(0, 5, 300).astype(float), rng.integers(3, 9, 200).astype(float)))
    t.append(("wide-range", rng.normal(0, 1e6, 3000), rng.standard_cauchy(2500)))
    t.append(("tiny-scale", rng.normal(0, 1e-300, 500), rng.normal(1e-301, 1e-300, 400)))
    return t


trials = numeric_trials()
rows = []
for g, (_, a, b) in enumerate(trials):
    rows += [(g, float(v), False) for v in a] + [(g, float(v), True) for v in b]
load_samples(cur, "dnum", rows)
cur.execute("""
SELECT grp, mlmon.energy_distance(value, is_current), mlmon.hellinger(value, is_current),
       mlmon.kl_div(value, is_current)
  FROM dnum GROUP BY grp ORDER BY grp""")
results = cur.fetchall()
chk.equal("numeric groups", len(results), len(trials))
for (g, ed, hd, kl), (kind, a, b) in zip(results, trials):
    lbl = f"{kind}[{len(a)}x{len(b)}]"
    chk.close(lbl + " energy_distance:statistic", ed, float(stats.energy_distance(a, b)), STAT_RTOL, 1e-300)
    want, evidently = hellinger_numeric(a, b)
    chk.close(lbl + " hellinger:statistic", hd, want, STAT_RTOL, 1e-300)
    if kind != "tiny-scale":    # Evidently's densities overflow there
        chk.close(lbl + " hellinger vs Evidently's form:evidently", hd, evidently, 0.0, 1e-7)
    chk.close(lbl + " kl_div:statistic", kl, kl_div(*kl_binned(a, b)), STAT_RTOL, 1e-300)
    if kind.startswith("identical") or kind in ("single-same", "all-ties"):
        chk.equal(lbl + " identical samples give exactly 0", (ed, hd, kl), (0.0, 0.0, 0.0))

# NaN and infinities are skipped, NULLs too: same as the finite values alone
a, b = rng.normal(size=60), rng.normal(0.5, 1, 50)
rows = [(0, float(v), False) for v in a] + [(0, float(v), True) for v in b]
rows += [(0, math.nan, False), (0, math.inf, True), (0, -math.inf, False), (0, None, True)]
load_samples(cur, "dbad", rows)
cur.execute("INSERT INTO dbad VALUES (0, 1.0, NULL)")
cur.execute("SELECT mlmon.energy_distance(value, is_current), mlmon.hellinger(value, is_current), "
            "mlmon.kl_div(value, is_current) FROM dbad")
ed, hd, kl = cur.fetchone()
chk.close("non-finite skipped energy_distance:statistic", ed, float(stats.energy_distance(a, b)), STAT_RTOL)
chk.close("non-finite skipped hellinger:statistic", hd, hellinger_numeric(a, b)[0], STAT_RTOL)
chk.close("non-finite skipped kl_div:statistic", kl, kl_div(*kl_binned(a, b)), STAT_RTOL)

# an empty side (no rows, or only NaN on it) gives NULL
cur.execute("""
SELECT mlmon.energy_distance(v, c), mlmon.hellinger(v, c), mlmon.kl_div(v, c)
  FROM (VALUES (1.0::float8, false), ('NaN', true)) t(v, c)""")
chk.equal("empty current side", cur.fetchone(), (None, None, None))
cur.execute("""
SELECT mlmon.energy_distance(v, c), mlmon.hellinger(v, c), mlmon.kl_div(v, c)
  FROM (VALUES (1.0::float8, true)) t(v, c)""")
chk.equal("empty reference side", cur.fetchone(), (None, None, None))

# values more than the largest float8 apart: the energy distance stays finite
cur.execute("""
SELECT mlmon.energy_distance(v, c) FROM (VALUES ('-1e308'::float8, false), ('1e308', true)) t(v, c)""")
chk.close("span beyond float8 energy_distance:statistic", cur.fetchone()[0],
          float(mpmath.sqrt(2 * (2 * mpmath.mpf(1e308)))), STAT_RTOL)

# a parallel plan (partial states combined) gives the serial result exactly
# (a regular table: temporary tables are not scanned in parallel)
big_a, big_b = rng.normal(size=30000), rng.normal(0.05, 1, 30000)
copy_rows(cur, "dpar_rows", "grp int, value float8, is_current boolean",
          [(0, float(v), False) for v in big_a] + [(0, float(v), True) for v in big_b])
cur.execute("DROP TABLE IF EXISTS distance_parallel_test")
cur.execute("CREATE TABLE distance_parallel_test AS SELECT * FROM dpar_rows")
cur.execute("ANALYZE distance_parallel_test")
q = ("SELECT mlmon.energy_distance(value, is_current), mlmon.hellinger(value, is_current), "
     "mlmon.kl_div(value, is_current), mlmon.hellinger((value * 3)::bigint, is_current), "
     "mlmon.kl_div((value * 3)::bigint, is_current) FROM distance_parallel_test")
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(q)
serial = cur.fetchone()
cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0")
cur.execute("EXPLAIN " + q)
chk.equal("parallel plan has a Partial Aggregate", any("Partial Aggregate" in r[0] for r in cur.fetchall()), True)
cur.execute(q)
chk.equal("parallel equals serial", cur.fetchone(), serial)
cur.execute("RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; "
            "RESET min_parallel_table_scan_size")
cur.execute("DROP TABLE distance_parallel_test")
chk.close("parallel energy_distance:statistic", serial[0], float(stats.energy_distance(big_a, big_b)), STAT_RTOL)

# ------------------------------------------------------------ categorical
cat_trials = []
for n1, n2, k in ((1, 1, 2), (10, 12, 2), (200, 150, 3), (5000, 3000, 2), (1000, 800, 5),
                  (4000, 1000, 12), (50, 60, 30), (3000, 3000, 1)):
    p = rng.dirichlet(np.ones(k))
    q = 0.7 * p + 0.3 * rng.dirichlet(np.ones(k))
    cat_trials.append(("random", rng.choice(k, n1, p=p), rng.choice(k, n2, p=q)))
x = rng.choice(6, 500)
cat_trials.append(("identical", x, rng.permutation(x)))
cat_trials.append(("current-only", rng.choice(3, 400), rng.choice(4, 300)))
cat_trials.append(("reference-only", rng.choice(5, 400), rng.choice(3, 300)))
cat_trials.append(("disjoint", rng.choice(2, 40), 2 + rng.choice(2, 30)))
cat_trials.append(("single-apart", np.array([0]), np.array([1])))

for typ in ("text", "bigint"):
    rows = []
    conv = (lambda v: f"cat{v:02d}") if typ == "text" else (lambda v: int(v) * 7 - 3)
    for g, (_, a, b) in enumerate(cat_trials):
        rows += [(g, conv(v), False) for v in a] + [(g, conv(v), True) for v in b]
    load_samples(cur, "dcat", rows, typ)
    cur.execute("""
    SELECT grp, mlmon.hellinger(value, is_current), mlmon.kl_div(value, is_current)
      FROM dcat GROUP BY grp ORDER BY grp""")
    for (g, hd, kl), (kind, a, b) in zip(cur.fetchall(), cat_trials):
        lbl = f"{typ} {kind}[{len(a)}x{len(b)}]"
        a2, b2 = [conv(v) for v in a], [conv(v) for v in b]
        want, evidently = hellinger_categorical(a2, b2)
        chk.close(lbl + " hellinger:statistic", hd, want, STAT_RTOL, 1e-300)
        chk.close(lbl + " hellinger vs Evidently's form:evidently", hd, evidently, 0.0, 1e-7)
        ca, cb = category_counts(a2, b2)
        chk.close(lbl + " kl_div:statistic", kl, kl_div(ca / len(a2), cb / len(b2)), STAT_RTOL, 1e-300)
        if kind == "identical":
            chk.equal(lbl + " identical samples give exactly 0", (hd, kl), (0.0, 0.0))
        if kind in ("disjoint", "single-apart"):
            chk.equal(lbl + " disjoint samples give hellinger 1", hd, 1.0)

# booleans: categories f and t
bool_trials = [(rng.random(n1) < 0.3, rng.random(n2) < 0.45) for n1, n2 in ((1, 1), (20, 30), (2000, 1500))]
bool_trials.append((np.array([True] * 10), np.array([True] * 5 + [False] * 5)))
rows = []
for g, (a, b) in enumerate(bool_trials):
    rows += [(g, "t" if v else "f", False) for v in a] + [(g, "t" if v else "f", True) for v in b]
rows += [(0, None, True)]
load_samples(cur, "dbool", rows, "boolean")
cur.execute("INSERT INTO dbool VALUES (0, true, NULL)")
cur.execute("SELECT grp, mlmon.hellinger(value, is_current), mlmon.kl_div(value, is_current) "
            "FROM dbool GROUP BY grp ORDER BY grp")
for (g, hd, kl), (a, b) in zip(cur.fetchall(), bool_trials):
    lbl = f"boolean[{len(a)}x{len(b)}]"
    a2, b2 = ["t" if v else "f" for v in a], ["t" if v else "f" for v in b]
    chk.close(lbl + " hellinger:statistic", hd, hellinger_categorical(a2, b2)[0], STAT_RTOL, 1e-300)
    ca, cb = category_counts(a2, b2)
    chk.close(lbl + " kl_div:statistic", kl, kl_div(ca / len(a2), cb / len(b2)), STAT_RTOL, 1e-300)

chk.finish()
