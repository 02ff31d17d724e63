#!/usr/bin/python3
"""mlmon.mmd against independent Python (test/oracle/mmd_ref.py):
  - the statistic MMD^2 against a NumPy implementation of Evidently's
    emperical_mmd formula (d = (x-y)^2 computed directly), to 1e-12 relative;
  - the p-value identical to the Python reproduction of mlmon's
    relabellings (SplitMix64 seed 0, Lemire's bounded draw, Fisher-Yates over
    the canonical rows);
  - the p-value within a 5-sigma binomial band of Evidently's randomized
    procedure estimated with 4000 NumPy relabellings;
  - the profile forms equal to the row form; sketched profiles and the size
    limits refused with their errcodes."""
import math
import os
import sys

import numpy as np
import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checker, STAT_RTOL, connect, load_samples, two_sample_rows  # noqa: E402
import mmd_ref as R  # noqa: E402

chk = Checker("mmd")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(42026)

CASES = []
for n, m in ((5, 4), (20, 30), (60, 45), (150, 120)):
    CASES.append((f"same {n}x{m}", rng.normal(size=n), rng.normal(size=m)))
    CASES.append((f"shift 0.4 {n}x{m}", rng.normal(size=n), rng.normal(0.4, 1.0, size=m)))
    CASES.append((f"scale {n}x{m}", rng.normal(size=n), rng.normal(0.0, 1.6, size=m)))
CASES += [
    ("integers with ties 40x50", rng.integers(0, 5, 40).astype(float), rng.integers(0, 6, 50).astype(float)),
    ("binary 30x30", rng.integers(0, 2, 30).astype(float), rng.integers(0, 2, 30).astype(float)),
    ("median zero 9x7", np.array([1.0] * 6 + [2.0, 3.0, 4.0]), rng.integers(1, 5, 7).astype(float)),
    ("offset 1e6 80x70", 1e6 + rng.exponential(size=80), 1e6 + rng.exponential(1.3, size=70)),
    ("tiny 2x2", np.array([0.0, 1.0]), np.array([0.5, 3.0])),
    ("separated 50x50", rng.normal(size=50), rng.normal(6.0, 1.0, size=50)),
]
rows = []
for i, (_, x, y) in enumerate(CASES):
    rows += two_sample_rows(i, x, y)
load_samples(cur, "mmd_cases", rows)
cur.execute("""SELECT grp, (t).statistic, (t).pvalue, (t).n_reference, (t).n_current, (t).method, (t).log_pvalue
  FROM (SELECT grp, mlmon.mmd(value, is_current) AS t FROM mmd_cases GROUP BY grp) s ORDER BY grp""")
bands = 0
for grp, s, p, nr, nc, method, lp in cur.fetchall():
    label, x, y = CASES[grp]
    lbl = f"mmd[{label}]"
    want = R.evidently_mmd2(x, y)
    wp, _ = R.mlmon_pvalue(x, y)
    chk.equal(lbl + " sizes/method", (nr, nc, method), (len(x), len(y), "permutation"))
    chk.close(lbl + ":statistic", s, want, STAT_RTOL)
    chk.equal(lbl + " p identical to the re-implementation", p, wp)
    chk.equal(lbl + " log_pvalue", lp, math.log(wp) if wp > 0 else -math.inf)
    # Evidently's randomized procedure: 5 sigma around a 4000-relabelling NumPy estimate
    est = R.evidently_pvalue(x, y, rng, 4000)
    sd = math.sqrt(max(est * (1 - est), 1e-4) / 100) + math.sqrt(max(est * (1 - est), 1e-4) / 4000)
    chk.equal(lbl + f" within 5 sigma of NumPy's estimate {est:.4f}", abs(p - est) <= 5 * sd, True)
    bands += 1
print(f"  {bands} statistical checks against NumPy relabelling estimates")

# a larger case: the statistic and the reproduced p-value (no NumPy band: too slow here)
x, y = rng.normal(size=500), rng.normal(0.1, 1.0, size=450)
load_samples(cur, "mmd_big", two_sample_rows(0, x, y))
cur.execute("SELECT (t).statistic, (t).pvalue FROM (SELECT mlmon.mmd(value, is_current) AS t FROM mmd_big) s")
s_big, p_big = cur.fetchone()
chk.close("mmd[500x450]:statistic", s_big, R.evidently_mmd2(x, y), STAT_RTOL)
chk.equal("mmd[500x450] p identical to the re-implementation", p_big, R.mlmon_pvalue(x, y)[0])

# profile forms: exactly the row form (exact profiles)
cur.execute("""WITH r AS (SELECT grp, mlmon.profile(value) AS p FROM mmd_cases WHERE NOT is_current GROUP BY grp),
                    c AS (SELECT grp, mlmon.profile(value) AS p FROM mmd_cases WHERE is_current GROUP BY grp),
                    rows AS (SELECT grp, mlmon.mmd(value, is_current)::text AS t FROM mmd_cases GROUP BY grp),
                    vp AS (SELECT m.grp, mlmon.mmd(m.value, r.p)::text AS t
                             FROM mmd_cases m JOIN r USING (grp) WHERE m.is_current GROUP BY m.grp)
               SELECT rows.grp, rows.t, mlmon.mmd(r.p, c.p)::text, vp.t
                 FROM rows JOIN r USING (grp) JOIN c USING (grp) JOIN vp USING (grp) ORDER BY grp""")
for grp, t_rows, t_pp, t_vp in cur.fetchall():
    chk.equal(f"mmd[{CASES[grp][0]}] (profile, profile) = rows", t_pp, t_rows)
    chk.equal(f"mmd[{CASES[grp][0]}] (value, profile) = rows", t_vp, t_rows)


def errcode(sql, args=None):
    try:
        cur.execute(sql, args)
        return None
    except psycopg2.Error as e:
        return e.pgcode


chk.equal("sketched reference profile refused",
          errcode("SELECT mlmon.mmd((SELECT mlmon.profile(g::float8, 10) FROM generate_series(1, 100) g), "
                  "(SELECT mlmon.profile(g::float8) FROM generate_series(1, 5) g))"), "0A000")
chk.equal("sketched profile in the (value, profile) aggregate refused",
          errcode("SELECT mlmon.mmd(g::float8, (SELECT mlmon.profile(h::float8, 10) FROM generate_series(1, 100) h)) "
                  "FROM generate_series(1, 5) g"), "0A000")
chk.equal("more than 5000 distinct values refused",
          errcode("SELECT mlmon.mmd(g::float8, g > 2500) FROM generate_series(1, 5001) g"), "54000")
chk.equal("5000 distinct values accepted",
          errcode("SELECT mlmon.mmd(g::float8 / 7, g % 2 = 0) FROM generate_series(1, 5000) g"), None)
chk.finish()
