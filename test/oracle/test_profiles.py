#!/usr/bin/python3
"""Reference profiles against the two-sample aggregates and NumPy.

- Exact profiles: every statistic in its (profile, profile) and (value,
  profile) forms returns exactly (the same text) what the two-sample
  aggregate returns on the rows the profiles summarise.
- Merging: the profile of all rows equals the merge of profiles of parts
  (distribution exactly, moments to rounding), whatever the split.
- Accessors: quantile, cdf, histogram and top values against NumPy.
- Sketches: estimated CDFs and frequencies stay within the error bound the
  profile reports.
- Text and binary forms round-trip."""
import io
import json
import math

import numpy as np

from common import Checker, connect, load_samples

rng = np.random.default_rng(11)
chk = Checker("profiles")
conn = connect()
cur = conn.cursor()

# ------------------------------------------------ exactness, numeric
trials = [
    ("continuous", rng.normal(0, 1, 3000), rng.normal(0.2, 1.1, 2500)),
    ("ties", rng.integers(0, 40, 5000).astype(float), rng.integers(3, 45, 4000).astype(float)),
    ("small", np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 5.0])),
    ("size one", np.array([0.5]), rng.uniform(0, 1, 9)),
]
rows = []
for g, (_, a, b) in enumerate(trials):
    rows += [(g, float(v), False) for v in a] + [(g, float(v), True) for v in b]
load_samples(cur, "pn", rows)
cur.execute("""CREATE TEMP TABLE pn_prof AS
SELECT grp, mlmon.profile(value, 1000000) FILTER (WHERE NOT is_current) AS ref,
            mlmon.profile(value, 1000000) FILTER (WHERE is_current) AS cur
  FROM pn GROUP BY grp""")
forms = [
    ("ks_2samp", "", "(%s)::text"),
    ("ks_2samp", ", 'less'", "(%s)::text"),
    ("ks_2samp", ", 'greater', 'exact'", "(%s)::text"),
    ("ks_2samp", ", 'two-sided', 'asymp'", "(%s)::text"),
    ("wasserstein", "", "(%s)::text"),
    ("wasserstein_normed", "", "(%s)::text"),
    ("psi", "", "(%s)::text"),
    ("psi", ", 7", "(%s)::text"),
    ("psi", ", 'evidently'", "(%s)::text"),
    ("jensen_shannon", "", "(%s)::text"),
    ("jensen_shannon", ", 'evidently'", "(%s)::text"),
]
for fn, opts, fmt in forms:
    two = f"mlmon.{fn}(value, is_current{opts})"
    vs = f"mlmon.{fn}(value, p.ref{opts})"
    pp = f"mlmon.{fn}(p.ref, p.cur{opts})"
    cur.execute(f"""
SELECT t.grp, t.r, v.r, (SELECT {fmt % pp} FROM pn_prof p WHERE p.grp = t.grp)
  FROM (SELECT grp, {fmt % two} AS r FROM pn GROUP BY grp) t
  JOIN (SELECT pn.grp, {fmt % vs} AS r FROM pn JOIN pn_prof p USING (grp) WHERE is_current GROUP BY pn.grp) v
    USING (grp) ORDER BY grp""")
    for g, r_two, r_vs, r_pp in cur.fetchall():
        label = f"{trials[g][0]} {fn}{opts}"
        chk.equal(label + " (value, profile)", r_vs, r_two)
        chk.equal(label + " (profile, profile)", r_pp, r_two)

# ------------------------------------------------ exactness, categorical
cats = [("c%02d" % v) for v in rng.choice(12, 4000, p=rng.dirichlet(np.ones(12)))]
flags = rng.random(4000) < 0.4
load_samples(cur, "pc", [(0, c, bool(f)) for c, f in zip(cats, flags)], "text")
cur.execute("""CREATE TEMP TABLE pc_prof AS
SELECT mlmon.profile(value) FILTER (WHERE NOT is_current) AS ref,
       mlmon.profile(value) FILTER (WHERE is_current) AS cur FROM pc""")
for fn, opts in (("chi2_drift", ""), ("chi2_drift", ", 'contingency'"), ("psi", ""), ("jensen_shannon", "")):
    cur.execute(f"""
SELECT (SELECT mlmon.{fn}(value, is_current{opts})::text FROM pc),
       (SELECT mlmon.{fn}(value, p.ref{opts})::text FROM pc, pc_prof p WHERE is_current),
       (SELECT mlmon.{fn}(p.ref, p.cur{opts})::text FROM pc_prof p)""")
    two, vs, pp = cur.fetchone()
    chk.equal(f"categorical {fn}{opts} (value, profile)", vs, two)
    chk.equal(f"categorical {fn}{opts} (profile, profile)", pp, two)
cur.execute("""
SELECT (SELECT mlmon.z_test(value, is_current)::text FROM pc WHERE value IN ('c01', 'c02')),
       (SELECT mlmon.z_test(value, (SELECT mlmon.profile(value) FROM pc WHERE NOT is_current AND value IN ('c01', 'c02')))::text
          FROM pc WHERE is_current AND value IN ('c01', 'c02'))""")
two, vs = cur.fetchone()
chk.equal("categorical z_test (value, profile)", vs, two)


# ------------------------------------------------ merging
def distribution(p):
    d = json.loads(p)
    return {k: d[k] for k in d if k not in ("mean", "m2")}, (d.get("mean"), d.get("m2"))


values = rng.integers(0, 500, 20000).astype(float)
load_samples(cur, "pm", [(int(i % 7), float(v), False) for i, v in enumerate(values)])
cur.execute("SELECT mlmon.profile(value)::text FROM pm")
whole = cur.fetchone()[0]
cur.execute("SELECT mlmon.merge(p)::text FROM (SELECT mlmon.profile(value) AS p FROM pm GROUP BY grp) s")
merged = cur.fetchone()[0]
cur.execute("""SELECT mlmon.merge(mlmon.merge(a, b), c)::text FROM
  (SELECT mlmon.profile(value) FILTER (WHERE grp < 2) a, mlmon.profile(value) FILTER (WHERE grp BETWEEN 2 AND 4) b,
          mlmon.profile(value) FILTER (WHERE grp > 4) c FROM pm) s""")
merged3 = cur.fetchone()[0]
dw, mw = distribution(whole)
for label, other in (("merge aggregate", merged), ("merge function", merged3)):
    d, m = distribution(other)
    chk.equal(f"{label}: same distribution", d, dw)
    chk.close(f"{label}: mean", m[0], mw[0], 1e-12)
    chk.close(f"{label}: m2", m[1], mw[1], 1e-12)
chk.close("mean against numpy", mw[0], float(np.mean(values)), 1e-12)
chk.close("m2 against numpy", mw[1], float(np.sum((values - values.mean()) ** 2)), 1e-10)

# ------------------------------------------------ accessors on an exact profile
x = rng.normal(10, 3, 1001).round(2)
load_samples(cur, "pa", [(0, float(v), False) for v in x])
cur.execute("CREATE TEMP TABLE pa_prof AS SELECT mlmon.profile(value, 100000) AS p FROM pa")
for q in (0.0, 0.1, 0.25, 0.5, 0.77, 0.9, 1.0):
    cur.execute("SELECT mlmon.quantile(p, %s) FROM pa_prof", (q,))
    chk.equal(f"quantile {q}", cur.fetchone()[0], float(np.quantile(x, q)))
for v in (-100.0, 5.5, 10.0, float(x[17]), 100.0):
    cur.execute("SELECT mlmon.cdf(p, %s) FROM pa_prof", (v,))
    chk.equal(f"cdf {v}", cur.fetchone()[0], float(np.mean(x <= v)))
cur.execute("SELECT count FROM mlmon.histogram((SELECT p FROM pa_prof), 12)")
chk.equal("histogram counts", [r[0] for r in cur.fetchall()],
          [int(c) for c in np.histogram(x, bins=12)[0]])
cur.execute("SELECT value, count FROM mlmon.top_values((SELECT p FROM pa_prof), 5)")
vals, counts = np.unique(x, return_counts=True)
order = sorted(range(len(vals)), key=lambda i: (-counts[i], vals[i]))[:5]
chk.equal("top values", [(float(v), c) for v, c in cur.fetchall()], [(float(vals[i]), int(counts[i])) for i in order])
cur.execute("SELECT (s).count, (s).min, (s).max FROM (SELECT mlmon.summary(p) s FROM pa_prof) t")
chk.equal("summary count/min/max", cur.fetchone(), (1001, float(x.min()), float(x.max())))

# ------------------------------------------------ sketches stay within their bound
big = rng.lognormal(0, 1, 300000)
load_samples(cur, "ps", [(0, float(v), False) for v in big])
cur.execute("CREATE TEMP TABLE ps_prof AS SELECT mlmon.profile(value, 1000) AS p FROM ps")
cur.execute("SELECT mlmon.is_exact(p), mlmon.error_bound(p), (mlmon.summary(p)).size_bytes FROM ps_prof")
exact, bound, size = cur.fetchone()
chk.equal("300k continuous values make a sketch", exact, False)
chk.equal("error bound below 2%", bound < 0.02, True)
srt = np.sort(big)
worst = 0.0
for v in np.quantile(big, np.linspace(0, 1, 201)):
    cur.execute("SELECT mlmon.cdf(p, %s) FROM ps_prof", (float(v),))
    est = cur.fetchone()[0]
    true = np.searchsorted(srt, v, "right") / len(srt)
    worst = max(worst, abs(est - true))
chk.equal(f"sketch CDF error {worst:.2g} within bound {bound:.2g}", worst <= bound, True)
print(f"  sketch of 300k values: {size} bytes, bound {bound:.4f}, worst CDF error seen {worst:.5f}")

catz = [f"k{int(v)}" for v in rng.zipf(1.3, 200000) if v < 1e9]
load_samples(cur, "pz", [(0, c, False) for c in catz], "text")
cur.execute("CREATE TEMP TABLE pz_prof AS SELECT mlmon.profile(value, 50) AS p FROM pz")
cur.execute("SELECT mlmon.is_exact(p), mlmon.error_bound(p), mlmon.count(p) FROM pz_prof")
exact, bound, n = cur.fetchone()
chk.equal("zipf categories make a sketch", exact, False)
cur.execute("SELECT value, count FROM mlmon.top_values((SELECT p FROM pz_prof), 20)")
truth = {}
for c in catz:
    truth[c] = truth.get(c, 0) + 1
for v, c in cur.fetchall():
    # the bound is a count stored as a fraction of n: allow for the rounding of that division
    chk.equal(f"frequency of {v} within bound", 0 <= truth[v] - c <= bound * n * (1 + 1e-12), True)

# ------------------------------------------------ text and binary round trips
cur.execute("""CREATE TEMP TABLE rt AS
SELECT 1 AS id, p FROM pa_prof UNION ALL SELECT 2, p FROM ps_prof UNION ALL SELECT 3, p FROM pz_prof
 UNION ALL SELECT 4, mlmon.profile(NULL::float8) UNION ALL SELECT 5, mlmon.profile(v) FROM (VALUES ('a"b'), (E'tab\\there'), ('é'), ('')) x(v)""")
cur.execute("SELECT count(*) FROM rt WHERE p::text::mlmon.profile::text <> p::text")
chk.equal("text round trip", cur.fetchone()[0], 0)
buf = io.BytesIO()
cur.copy_expert("COPY (SELECT id, p FROM rt ORDER BY id) TO STDOUT (FORMAT binary)", buf)
cur.execute("CREATE TEMP TABLE rt2 (id int, p mlmon.profile)")
buf.seek(0)
cur.copy_expert("COPY rt2 FROM STDIN (FORMAT binary)", buf)
cur.execute("SELECT count(*) FROM rt JOIN rt2 USING (id) WHERE rt.p::text = rt2.p::text")
chk.equal("binary round trip", cur.fetchone()[0], 5)

chk.finish()
