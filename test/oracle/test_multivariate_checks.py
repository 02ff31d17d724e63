"""Multivariate drift in the checks: NannyML's data reconstruction, end to end.

A model logs ten reference hours of five features: four correlated numbers
(one of them with only four distinct values: categorical for mlmon's
per-feature tests, continuous for NannyML, which goes by the column's type)
and a category, with missing values in both kinds.  Then two hours whose
joint distribution changed while every marginal stayed the same (the
correlation of x1 and x2 flips sign), and two hours like the reference.

The oracle is NannyML's DataReconstructionDriftCalculator written here with
scikit-learn: SimpleImputer (mean for numbers, most frequent for categories),
CountEncoder(normalize=True) (unknown categories 0), StandardScaler,
PCA(n_components=0.65), the reference cut into 10 chunks as np.array_split
cuts it, thresholds mean +- 3 std (np.std, as NannyML's
StandardDeviationThreshold; the lower one at least 0) of the chunks' mean
errors.  mlmon's fitted band, each window's mean reconstruction error and
its verdict must agree (1e-9 relative); the changed hours raise a
multivariate_drift alert that the stable ones resolve; the metrics, the
report and the recommendations show it; bad settings are refused."""
import datetime
import io
import json

import numpy as np
import psycopg2
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from common import Checker, connect

chk = Checker("test_multivariate_checks")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261205)


def ok(label, cond):
    chk.equal(label, bool(cond), True)


def close(label, got, want, rtol):
    if np.ndim(want) == 0:
        return chk.close(label, got, float(want), rtol)
    chk.equal(f"{label}: length", len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        chk.close(f"{label}[{i}]", g, float(w), rtol)

cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE; CREATE EXTENSION mlmon")
cur.execute("SELECT mlmon.register_model('mv', '1', 'classification')")
cur.execute("SELECT date_trunc('hour', now()) - interval '2 days'")
BASE = cur.fetchone()[0]
PER_HOUR = 150
COLORS = ["red", "green", "blue", "black"]
NAMES = ["color", "level", "x1", "x2", "x3"]      # mlmon orders features by name (bytes)


def hour_rows(h, flipped, unknown=False):
    rho = -0.9 if flipped else 0.9
    rows = []
    for i in range(PER_HOUR):
        x1 = rng.normal()
        x2 = rho * x1 + np.sqrt(1 - rho ** 2) * rng.normal()
        x3 = 0.5 * x1 + rng.normal()
        level = int(rng.integers(0, 4)) + (1 if x3 > 1 else 0)
        color = COLORS[int(rng.choice(4, p=[0.4, 0.3, 0.2, 0.1]))]
        f = {"x1": float(x1), "x2": float(x2), "x3": float(x3), "level": level, "color": color}
        if i % 17 == 3:
            del f["x3"]
        if i % 23 == 5:
            f["color"] = None
        if unknown and i % 29 == 7:
            f["color"] = "purple"
        ts = BASE + datetime.timedelta(hours=h, seconds=i * 3600 / PER_HOUR)
        rows.append((ts, f"r{h}-{i}", f))
    return rows


data = {}
for h in range(14):
    data[h] = hour_rows(h, flipped=h in (10, 11), unknown=h >= 10)
buf = io.StringIO()
for h in range(14):
    for ts, rid, f in data[h]:
        buf.write(f"mv\t{ts.isoformat()}\t{rid}\t{json.dumps(f)}\t{int(rng.random() < 0.5)}\n")
buf.seek(0)
cur.copy_expert("COPY mlmon.predictions (model, ts, request_id, features, predicted_label) FROM STDIN", buf)


def at(h):
    return BASE + datetime.timedelta(hours=h)


# -- the oracle: NannyML's calculator, with scikit-learn ---------------------
def matrix(rows):
    """Numbers (NaN where missing) and categories (None where missing) in NAMES order."""
    num = np.array([[np.nan if r[2].get(n) is None else float(r[2][n]) for n in NAMES if n != "color"] for r in rows])
    cat = [r[2].get("color") for r in rows]
    return num, cat


ref_rows = [r for h in range(10) for r in data[h]]
ref_num, ref_cat = matrix(ref_rows)
num_mean = np.nanmean(ref_num, axis=0)
present = [c for c in ref_cat if c is not None]
counts = {c: present.count(c) for c in set(present)}
mode = sorted(counts, key=lambda c: (-counts[c], c))[0]
imputed_cat = [mode if c is None else c for c in ref_cat]
share = {c: imputed_cat.count(c) / len(imputed_cat) for c in set(imputed_cat)}


def encode(num, cat):
    num = np.where(np.isnan(num), num_mean, num)
    enc = np.array([share.get(mode if c is None else c, 0.0) for c in cat])
    return np.column_stack([enc, num])       # color first: NAMES order


scaler = StandardScaler().fit(encode(ref_num, ref_cat))
pca = PCA(n_components=0.65, svd_solver="full").fit(scaler.transform(encode(ref_num, ref_cat)))


def errors(rows):
    z = scaler.transform(encode(*matrix(rows)))
    return np.linalg.norm(z - pca.inverse_transform(pca.transform(z)), axis=1)


chunk_err = np.array([errors([ref_rows[i] for i in idx]).mean()
                      for idx in np.array_split(np.arange(len(ref_rows)), 10)])
# NannyML's StandardDeviationThreshold (np.std: ddof 0), the lower end limited to 0
lower, upper = max(chunk_err.mean() - 3 * chunk_err.std(), 0.0), chunk_err.mean() + 3 * chunk_err.std()

# -- settings ----------------------------------------------------------------
for args, code in [("'mv', variance => 0", "22023"), ("'mv', variance => 1.5", "22023"),
                   ("'mv', chunks => 1", "22023"), ("'mv', features => '{x1}'", "22023"),
                   ("'mv', features => ARRAY['x1', NULL]", "22023"), ("'nope'", None)]:
    try:
        cur.execute(f"SELECT mlmon.monitor_multivariate({args})")
        ok(f"monitor_multivariate({args}) refused", False)
    except psycopg2.Error as e:
        ok(f"monitor_multivariate({args}) refused with {code or 'an error'} ({e.pgcode})",
               code is None or e.pgcode == code)

# turned on before the reference: fitted by set_reference
cur.execute("SELECT mlmon.monitor_multivariate('mv')")
chk.equal("no fit without a reference", cur.fetchone()[0], False)
cur.execute("SELECT mlmon.set_reference('mv', %s, %s)", (at(0), at(10)))
cur.execute("SELECT features, chunk_errors, lower_threshold, upper_threshold, n_rows, "
            "(pca->>'n_components')::int FROM mlmon.multivariate_references WHERE model = 'mv'")
feats, ch, lo, hi, n_rows, k = cur.fetchone()
chk.equal("features of the fit", feats, NAMES)
chk.equal("reference rows", n_rows, len(ref_rows))
chk.equal("components kept (sklearn)", k, pca.n_components_)
close("reference chunks' mean errors", ch, chunk_err, 1e-9)
close("lower threshold", lo, lower, 1e-9)
close("upper threshold", hi, upper, 1e-9)


def results(cid):
    cur.execute("SELECT metric, value, method FROM mlmon.check_results WHERE check_id = %s "
                "AND \"check\" = 'multivariate_drift'", (cid,))
    return {m: (v, meth) for m, v, meth in cur.fetchall()}


def check(name, h0, h1, drifted):
    cur.execute("SELECT mlmon.run_checks('mv', %s, %s)", (at(h0), at(h1)))
    cid = cur.fetchone()[0]
    res = results(cid)
    rows = [r for h in range(h0, h1) for r in data[h]]
    want = errors(rows).mean()
    close(f"{name}: mean reconstruction error", res["reconstruction_error"][0], want, 1e-9)
    chk.equal(f"{name}: method", res["reconstruction_error"][1], "pca_reconstruction")
    close(f"{name}: band", [res["lower_threshold"][0], res["upper_threshold"][0]], [lower, upper], 1e-9)
    imputed = sum(1 for r in rows if r[2].get("x3") is None or r[2].get("color") is None)
    close(f"{name}: share of rows imputed", res["rows_imputed_rate"][0], imputed / len(rows), 1e-12)
    chk.equal(f"{name}: verdict (oracle: {want:.4f} in [{lower:.4f}, {upper:.4f}]: {not lower <= want <= upper})",
              res["drift_detected"][0], float(not lower <= want <= upper))
    chk.equal(f"{name}: the scenario's verdict", res["drift_detected"][0], float(drifted))
    cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'mv' AND type = 'multivariate_drift' "
                "AND status = 'open'")
    chk.equal(f"{name}: open multivariate_drift alert", cur.fetchone()[0], int(drifted))
    return cid


check("reference hours again", 2, 4, False)
check("correlation flipped", 10, 12, True)
cur.execute("SELECT severity, details FROM mlmon.alerts WHERE model = 'mv' AND type = 'multivariate_drift'")
sev, details = cur.fetchone()
chk.equal("default rule's severity", sev, "medium")
ok("the alert's details carry the error and the band",
       all(k in details for k in ("reconstruction_error", "lower_threshold", "upper_threshold", "threshold")))
cur.execute("SELECT metric, value FROM mlmon.check_results WHERE \"check\" = 'data_drift' AND feature IN ('x1', 'x2') "
            "AND metric = 'statistic' AND check_id = (SELECT max(check_id) FROM mlmon.checks)")
print("# per-feature KS statistics of x1, x2 in the flipped hours (marginals unchanged):", cur.fetchall())
cur.execute("SELECT labels->>'model', value FROM mlmon.metrics WHERE name = 'mlmon_multivariate_drift_detected'")
chk.equal("Prometheus: mlmon_multivariate_drift_detected", cur.fetchall(), [("mv", 1.0)])
cur.execute("SELECT count(*) FROM mlmon.metrics WHERE name = 'mlmon_multivariate_reconstruction_error'")
chk.equal("Prometheus: mlmon_multivariate_reconstruction_error", cur.fetchone()[0], 1)
cur.execute("SELECT (mlmon.report('mv')->'drift_summary'->>'multivariate_drift_alerts')::int, "
            "mlmon.report('mv')->'latest_check'->'multivariate_drift' ? 'reconstruction_error'")
chk.equal("report: alerts and latest results", cur.fetchone(), (1, True))
cur.execute("SELECT action FROM mlmon.recommendations WHERE model = 'mv' AND reason LIKE 'the features moved together%'")
chk.equal("recommendation", cur.fetchall(), [("investigate",)])
check("like the reference", 12, 14, False)

# a window without rows: no multivariate results
cur.execute("SELECT mlmon.run_checks('mv', %s, %s)", (at(20), at(21)))
chk.equal("empty window: no results", results(cur.fetchone()[0]), {})

# a narrower choice of features, refitted at once on the stored reference window
cur.execute("SELECT mlmon.monitor_multivariate('mv', features => '{x1,x2,nope}')")
chk.equal("refit on the reference window", cur.fetchone()[0], True)
for n in conn.notices[-3:]:
    print("#", n.strip())
ok("a warning names the unknown feature", any("nope" in n for n in conn.notices))
cur.execute("SELECT features FROM mlmon.multivariate_references WHERE model = 'mv'")
chk.equal("fitted features", cur.fetchone()[0], ["x1", "x2"])

# turned off: no fit, no results
cur.execute("SELECT mlmon.monitor_multivariate('mv', false)")
cur.execute("SELECT mlmon.run_checks('mv', %s, %s)", (at(10), at(12)))
chk.equal("off: no results", results(cur.fetchone()[0]), {})
cur.execute("SELECT count(*) FROM mlmon.multivariate_settings")
chk.equal("off: no settings", cur.fetchone()[0], 0)

# numbers written as JSON strings are categories (NannyML goes by the column's type); a reference
# of one row fits nothing (a warning), and set_reference still succeeds
cur.execute("SELECT mlmon.register_model('mv2', '1', 'classification')")
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
               SELECT 'mv2', %s + g * interval '10 seconds', 'q' || g,
                      jsonb_build_object('a', g %% 13, 'b', (g * 7) %% 11 + 0.5, 'zip', ((g %% 3) + 1)::text), '1'
                 FROM generate_series(0, 299) g""", (at(0),))
cur.execute("SELECT mlmon.monitor_multivariate('mv2')")
cur.execute("SELECT mlmon.set_reference('mv2', %s, %s)", (at(0), at(1)))
cur.execute("SELECT features, encodings->0 = 'null', encodings->2 = 'null', pca->'empty_features' "
            "FROM mlmon.multivariate_references WHERE model = 'mv2'")
chk.equal("JSON strings that look like numbers are a category", cur.fetchone(), (["a", "b", "zip"], True, False, []))
n_notices = len(conn.notices)
cur.execute("SELECT mlmon.set_reference('mv2', %s, %s + interval '5 seconds')", (at(0), at(0)))
chk.equal("a one-row reference: set_reference succeeds", cur.fetchone()[0], 1)
cur.execute("SELECT count(*) FROM mlmon.multivariate_references WHERE model = 'mv2'")
chk.equal("a one-row reference: nothing fitted", cur.fetchone()[0], 0)
ok("a one-row reference: a warning says why", any("at least 2 reference rows" in n for n in conn.notices[n_notices:]))

chk.finish()
