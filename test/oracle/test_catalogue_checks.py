"""The drift-test catalogue in the checks: every test of the registry
mlmon.drift_tests, chosen per feature with mlmon.drift_settings, gives in
check_results what the test gives on the window's rows.

A model logs a few hours of rows whose features each get one test of the
registry; checks over several windows (a stable one, a drifted one, windows
whose edges cut buckets, so that summaries and rows mix) store the
statistic, p-value and log p-value per feature.  They must equal the
two-sample aggregate (value, is_current) run here on the same rows read back
from mlmon.predictions: a separate path (no summaries, no profiles), whose
agreement with SciPy is tested by the test_catalogue_*.py oracles; and
SciPy itself where it has the test (t-test, Mann-Whitney, G-test, Fisher's
exact test).  The drift decision must be the registry's rule at its default
threshold.  A test the window does not allow (Fisher's exact test of a third
category) leaves the feature undecided with a warning, and the other
features' results are still stored."""
import datetime
import io
import json
import math

import numpy as np
import scipy.stats as ss

from common import Checker, connect

chk = Checker("test_catalogue_checks")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261204)

cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE; CREATE EXTENSION mlmon")
cur.execute("SELECT name, numeric_function IS NOT NULL, categorical_function IS NOT NULL, p_value, default_threshold "
            "FROM mlmon.drift_tests ORDER BY name")
REGISTRY = {r[0]: r[1:] for r in cur.fetchall()}

# one feature per (test, kind) the registry offers; the row aggregate that must agree
FEATURES = []
for name, (numeric, categorical, _, _) in sorted(REGISTRY.items()):
    if numeric:
        FEATURES.append((f"n_{name}", "numeric", name))
    if categorical:
        FEATURES.append((f"c_{name}", "categorical", name))
ROW_FORM = {"ks": "ks_2samp", "chi2": "chi2_drift", "wasserstein": "wasserstein_normed"}
chk.equal("the registry has the catalogue's tests",
          sorted(n for n in REGISTRY if n in ("t_test", "mann_whitney", "cramer_von_mises", "anderson_darling",
                                               "energy_distance", "hellinger", "kl_div", "g_test", "fisher_exact",
                                               "tvd", "epps_singleton", "mmd")),
          sorted(["t_test", "mann_whitney", "cramer_von_mises", "anderson_darling", "energy_distance", "hellinger",
                  "kl_div", "g_test", "fisher_exact", "tvd", "epps_singleton", "mmd"]))

HOURS = 6
PER_HOUR = 300
CATS = ["alpha", "beta", "gamma", "delta"]


def value(kind, test, drifted, i):
    """A feature value: numbers with ties (rounded), categories; drifted hours shift both."""
    if kind == "numeric":
        x = rng.normal(0.3 if drifted else 0.0, 1.0)
        return float(np.round(x, 2 if i % 3 else 1))
    if test in ("fisher_exact", "z_test"):
        return CATS[int(rng.random() < (0.45 if drifted else 0.3))]
    return CATS[int(rng.choice(4, p=[0.1, 0.2, 0.3, 0.4] if drifted else [0.25, 0.25, 0.25, 0.25]))]


cur.execute("SELECT mlmon.register_model('cat', '1', 'classification')")
cur.executemany("INSERT INTO mlmon.drift_settings (model, feature, test) VALUES ('cat', %s, %s)",
                [(f, t) for f, _, t in FEATURES])
cur.execute("SELECT date_trunc('hour', now()) - interval '1 day'")
BASE = cur.fetchone()[0]
buf = io.StringIO()
for h in range(HOURS):
    drifted = h >= 4
    for i in range(PER_HOUR):
        feats = {f: value(k, t, drifted, i) for f, k, t in FEATURES}
        ts = BASE + datetime.timedelta(hours=h, seconds=i * 3600 / PER_HOUR)
        buf.write(f"cat\t{ts.isoformat()}\tr{h}-{i}\t{json.dumps(feats)}\t{int(rng.random() < 0.5)}\n")
buf.seek(0)
cur.copy_expert("COPY mlmon.predictions (model, ts, request_id, features, predicted_label) FROM STDIN", buf)


def at(hours):
    return BASE + datetime.timedelta(hours=hours)


cur.execute("SELECT mlmon.set_reference('cat', %s, %s)", (at(0), at(2)))
chk.equal("reference rows", cur.fetchone()[0], 2 * PER_HOUR)


def rows_of(feature, kind, lo, hi):
    cast = "::float8" if kind == "numeric" else ""
    cur.execute(f"SELECT (features->>%s){cast} FROM mlmon.predictions WHERE model = 'cat' AND ts >= %s AND ts < %s",
                (feature, lo, hi))
    return [r[0] for r in cur.fetchall()]


def row_form(feature, kind, test, lo, hi):
    """The two-sample aggregate on the reference's rows and the window's."""
    fn = ROW_FORM.get(test, test)
    cast = "::float8" if kind == "numeric" else ""
    cur.execute(f"""SELECT to_jsonb(mlmon.{fn}(v, is_current)) FROM (
                      SELECT (features->>%s){cast} AS v, ts >= %s AS is_current FROM mlmon.predictions
                       WHERE model = 'cat' AND ((ts >= %s AND ts < %s) OR (ts >= %s AND ts < %s))) x""",
                (feature, lo, at(0), at(2), lo, hi))
    r = cur.fetchone()[0]
    if isinstance(r, dict):
        return r["statistic"], r["pvalue"], r.get("log_pvalue")
    return r, None, None


def fnum(x):
    return None if x is None else float(x)


def check(label, lo, hi, expect_fisher_error=False):
    cur.execute("SELECT mlmon.run_checks('cat', %s, %s)", (lo, hi))
    cid = cur.fetchone()[0]
    notices = list(conn.notices)
    conn.notices.clear()
    cur.execute("""SELECT feature, metric, value, method FROM mlmon.check_results
                    WHERE check_id = %s AND "check" = 'data_drift' AND feature IS NOT NULL""", (cid,))
    res = {}
    for f, m, v, method in cur.fetchall():
        res[(f, m)] = v
        res[(f, "method")] = method
    ref = {f: rows_of(f, k, at(0), at(2)) for f, k, _ in FEATURES}
    for f, kind, test in FEATURES:
        numeric, categorical, is_p, threshold = REGISTRY[test]
        chk.equal(f"{label} {f}: method", res.get((f, "method")), test)
        if expect_fisher_error and test == "fisher_exact":
            chk.equal(f"{label} {f}: undecided", (res.get((f, "statistic")), res.get((f, "drift_detected"))), (None, None))
            chk.equal(f"{label} {f}: warned", any("fisher_exact" in n for n in notices), True)
            continue
        stat, p, logp = row_form(f, kind, test, lo, hi)
        chk.close(f"{label} {f}: statistic", res.get((f, "statistic")), fnum(stat), 1e-12)
        if is_p:
            chk.close(f"{label} {f}: p-value", res.get((f, "p_value")), fnum(p), 1e-9, 1e-300)
            chk.close(f"{label} {f}: log p-value", res.get((f, "log_p_value")), fnum(logp), 1e-9)
            want = None if p is None else float(float(p) <= threshold)
        else:
            want = None if stat is None else float(float(stat) >= threshold)
        chk.equal(f"{label} {f}: drift decision at the default threshold", res.get((f, "drift_detected")), want)
        # SciPy itself, where it has the test
        a = ref[f]
        b = rows_of(f, kind, lo, hi)
        if test == "t_test":
            t = ss.ttest_ind(a, b, equal_var=False)
            chk.close(f"{label} {f}: t vs SciPy", res[(f, "statistic")], float(t.statistic), 1e-12)
            chk.close(f"{label} {f}: t p-value vs SciPy", res[(f, "p_value")], float(t.pvalue), 1e-9)
        elif test == "mann_whitney":
            u = ss.mannwhitneyu(a, b, alternative="two-sided")
            chk.close(f"{label} {f}: U p-value vs SciPy", res[(f, "p_value")], float(u.pvalue), 1e-9)
        elif test == "g_test":
            cats = sorted(set(a) | set(b))
            ra = np.array([a.count(c) for c in cats], float)
            cb = np.array([b.count(c) for c in cats], float)
            g = ss.power_divergence(cb, ra * len(b) / len(a), lambda_="log-likelihood")
            chk.close(f"{label} {f}: G vs SciPy", res[(f, "statistic")], float(g.statistic), 1e-12)
            chk.close(f"{label} {f}: G p-value vs SciPy", res[(f, "p_value")], float(g.pvalue), 1e-9)
        elif test == "fisher_exact":
            cats = sorted(set(a) | set(b))
            table = [[b.count(c) for c in cats], [a.count(c) for c in cats]]
            if len(cats) == 2:
                o, p2 = ss.fisher_exact(table)
                chk.close(f"{label} {f}: Fisher p-value vs SciPy", res[(f, "p_value")], float(p2), 1e-9)


# whole buckets (stored summaries), edges inside buckets (rows and summaries mixed), the drifted hours
check("stable hours", at(2), at(4))
check("stable, cut buckets", at(2.25), at(3.6))
check("drifted hours", at(4), at(6))
check("across the shift", at(3.5), at(5.75))
check("again, from stored summaries", at(4), at(6))

# a third category in the Fisher feature's window: that feature undecided, a warning, the check complete
buf = io.StringIO()
for i in range(20):
    feats = {f: value(k, t, True, i) for f, k, t in FEATURES}
    feats["c_fisher_exact"] = "omega"
    ts = at(6) + datetime.timedelta(seconds=10 * i)
    buf.write(f"cat\t{ts.isoformat()}\tx{i}\t{json.dumps(feats)}\t1\n")
buf.seek(0)
cur.copy_expert("COPY mlmon.predictions (model, ts, request_id, features, predicted_label) FROM STDIN", buf)
check("a third category for fisher_exact", at(5), at(6.5), expect_fisher_error=True)

chk.finish()
