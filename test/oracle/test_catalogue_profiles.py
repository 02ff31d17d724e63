#!/usr/bin/python3
"""The numeric catalogue tests against profiles, against SciPy 1.10:
t_test, mann_whitney, cramer_von_mises, anderson_darling and
energy_distance as (reference profile, current profile) functions and as
(value, reference profile) aggregates, on seeded random samples with ties
(exact profiles), compared with scipy.stats.ttest_ind, mannwhitneyu,
cramervonmises_2samp, anderson_ksamp (midrank) and energy_distance on the
same values as NumPy arrays; and on 5 distinct values with counts of about
10^6 on each side (profiles built from 10^7 rows; SciPy on the expanded
arrays); and the profile forms equal the row forms to the last digit on the
random samples (as in test/regress/catalogue_profiles_numeric.sql)."""
import math
import warnings

import numpy as np
from scipy import stats

from common import P_RTOL, STAT_RTOL, Checker, connect, load_samples

warnings.simplefilter("ignore")   # SciPy's anderson_ksamp warns when it caps/floors p
rng = np.random.default_rng(20261205)
chk = Checker("numeric catalogue tests against profiles vs SciPy")
conn = connect()
cur = conn.cursor()
AD_RTOL = 1e-9      # SciPy's AD statistic subtracts 1 from a sum near 1
ED_RTOL = 1e-12


def parse(rec):
    """A mlmon.test_result's text form: (statistic, pvalue, n_ref, n_cur, method, log_pvalue)."""
    f = rec.strip("()").split(",")
    num = lambda s: None if s == "" else float(s)   # noqa: E731
    return num(f[0]), num(f[1]), int(f[2]), int(f[3]), f[4] or None, num(f[5])


def compare(label, got, x, y, ed_got):
    """got: dict test -> test_result text; x, y the reference and current arrays."""
    m, n = len(x), len(y)
    for key, kw in (("tt", dict(equal_var=False)), ("tts", dict(equal_var=True))):
        s, p, nr, nc, meth, lp = parse(got[key])
        want = stats.ttest_ind(x, y, **kw)
        chk.equal(f"{label} {key}:counts", (nr, nc), (m, n))
        chk.close(f"{label} {key}:statistic", s, float(want.statistic), 1e-10)
        chk.close(f"{label} {key}:pvalue", p, float(want.pvalue), 1e-8, 1e-300)
    for key, method in (("mw", "auto"), ("mwa", "asymptotic")):
        s, p, nr, nc, meth, lp = parse(got[key])
        want = stats.mannwhitneyu(x, y, method=method)
        chk.close(f"{label} {key}:statistic", s, float(want.statistic), 0)
        chk.close(f"{label} {key}:pvalue", p, float(want.pvalue), P_RTOL, 1e-300)
    s, p, nr, nc, meth, lp = parse(got["cvm"])
    if m >= 2 and n >= 2:
        want = stats.cramervonmises_2samp(x, y)
        chk.close(f"{label} cvm:statistic", s, float(want.statistic), 1e-10)
        chk.close(f"{label} cvm:pvalue", p, float(want.pvalue), 1e-8, 1e-14)
    s, p, nr, nc, meth, lp = parse(got["ad"])
    want = stats.anderson_ksamp([x, y], midrank=True)
    chk.close(f"{label} ad:statistic", s, float(want.statistic), AD_RTOL, 1e-12)
    chk.close(f"{label} ad:pvalue", p, float(want.significance_level), P_RTOL)
    chk.close(f"{label} ed:distance", ed_got, float(stats.energy_distance(x, y)), ED_RTOL)


TESTS = ("mlmon.t_test({a}, {b})::text, mlmon.t_test({a}, {b}, 'student')::text, mlmon.mann_whitney({a}, {b})::text, "
         "mlmon.mann_whitney({a}, {b}, 'asymptotic')::text, mlmon.cramer_von_mises({a}, {b})::text, "
         "mlmon.anderson_darling({a}, {b})::text, mlmon.energy_distance({a}, {b})")
KEYS = ("tt", "tts", "mw", "mwa", "cvm", "ad")

# random samples with ties (rounded normals, a shift, several sizes)
groups = {}
rows = []
for g in range(24):
    m, n = [(6, 9), (15, 12), (60, 80), (400, 300), (2000, 1500), (25, 25)][g % 6]
    digits = [0, 1, 2][g % 3]
    x = np.round(rng.normal(0, 3, m), digits)
    y = np.round(rng.normal(rng.choice([0.0, 0.3, 1.0]), rng.choice([2.0, 3.0, 4.0]), n), digits)
    groups[g] = (x, y)
    rows += [(g, float(v), False) for v in x] + [(g, float(v), True) for v in y]
load_samples(cur, "pn", rows)
cur.execute("CREATE TEMP TABLE pnp AS SELECT grp, mlmon.profile(value) FILTER (WHERE NOT is_current) AS pr, "
            "mlmon.profile(value) FILTER (WHERE is_current) AS pc FROM pn GROUP BY grp")
cur.execute("SELECT bool_and(mlmon.is_exact(pr) AND mlmon.is_exact(pc)) FROM pnp")
chk.equal("random profiles exact", cur.fetchone()[0], True)
cur.execute(f"SELECT grp, {TESTS.format(a='pr', b='pc')} FROM pnp ORDER BY grp")
for r in cur.fetchall():
    x, y = groups[r[0]]
    compare(f"#{r[0]} ({len(x)},{len(y)}) (profile, profile)", dict(zip(KEYS, r[1:7])), x, y, r[7])
cur.execute(f"SELECT grp, {TESTS.format(a='value', b='pr')} FROM pn JOIN pnp USING (grp) WHERE is_current "
            "GROUP BY grp ORDER BY grp")
for r in cur.fetchall():
    x, y = groups[r[0]]
    compare(f"#{r[0]} ({len(x)},{len(y)}) (value, profile)", dict(zip(KEYS, r[1:7])), x, y, r[7])

# exactness: the profile forms give the row forms' results to the last digit
cur.execute("SET extra_float_digits = 3")
ROWS = ("mlmon.t_test(value, is_current)::text, mlmon.t_test(value, is_current, 'student')::text, "
        "mlmon.mann_whitney(value, is_current)::text, mlmon.mann_whitney(value, is_current, 'two-sided', 'asymptotic')::text, "
        "mlmon.cramer_von_mises(value, is_current)::text, mlmon.anderson_darling(value, is_current)::text, "
        "mlmon.energy_distance(value, is_current)::text, mlmon.hellinger(value, is_current)::text, "
        "mlmon.kl_div(value, is_current)::text")
MORE = ", mlmon.hellinger({a}, {b})::text, mlmon.kl_div({a}, {b})::text"
cur.execute(f"SELECT grp, {ROWS} FROM pn GROUP BY grp ORDER BY grp")
row_form = {r[0]: r[1:] for r in cur.fetchall()}
cur.execute(f"SELECT grp, {TESTS.format(a='pr', b='pc')}::text{MORE.format(a='pr', b='pc')} FROM pnp ORDER BY grp")
for r in cur.fetchall():
    chk.equal(f"#{r[0]} (profile, profile) = rows, every digit", r[1:], row_form[r[0]])
cur.execute(f"SELECT grp, {TESTS.format(a='value', b='pr')}::text{MORE.format(a='value', b='pr')} "
            "FROM pn JOIN pnp USING (grp) WHERE is_current GROUP BY grp ORDER BY grp")
for r in cur.fetchall():
    chk.equal(f"#{r[0]} (value, profile) = rows, every digit", r[1:], row_form[r[0]])
cur.execute("RESET extra_float_digits")

# 5 distinct values with counts of about 10^6 each side
for trial in range(2):
    vals = np.sort(rng.choice(np.arange(-20, 20) * 0.5, 5, replace=False))
    cx = rng.integers(900_000, 1_100_000, 5)
    cy = rng.integers(900_000, 1_100_000, 5)
    x = np.repeat(vals, cx)
    y = np.repeat(vals, cy)
    spec = lambda c: "ARRAY[" + ",".join(f"({float(v)!r}::float8, {int(k)})::text" for v, k in zip(vals, c)) + "]"  # noqa: E731
    cur.execute("DROP TABLE IF EXISTS big_p")
    cur.execute("CREATE TEMP TABLE big_p AS SELECT "
                "(SELECT mlmon.profile(v) FROM unnest(%s::float8[], %s::int[]) u(v, k), generate_series(1, k)) AS pr, "
                "(SELECT mlmon.profile(v) FROM unnest(%s::float8[], %s::int[]) u(v, k), generate_series(1, k)) AS pc",
                (list(map(float, vals)), list(map(int, cx)), list(map(float, vals)), list(map(int, cy))))
    cur.execute(f"SELECT {TESTS.format(a='pr', b='pc')} FROM big_p")
    r = cur.fetchone()
    compare(f"large counts #{trial} (profile, profile)", dict(zip(KEYS, r[:6])), x, y, r[6])
    cur.execute(f"SELECT {TESTS.format(a='v', b='(SELECT pr FROM big_p)')} "
                "FROM unnest(%s::float8[], %s::int[]) u(v, k), generate_series(1, k)",
                (list(map(float, vals)), list(map(int, cy))))
    r = cur.fetchone()
    compare(f"large counts #{trial} (value, profile)", dict(zip(KEYS, r[:6])), x, y, r[6])

chk.finish()
