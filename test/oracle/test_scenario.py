#!/usr/bin/python3
"""The reference scenario of the seed workflow, end to end, with SciPy and
scikit-learn as the oracle: a classification model, a 1,000-row baseline
with 20 features, a normal production batch and a drifted batch (every
feature scaled by 2) whose labels no longer follow the model.  Expected
drift decisions, metrics and alerts are computed here, independently of
mlmon; then deduplication, resolution, cooldown and NOTIFY are checked."""
import io
import json
import select

import numpy as np
from scipy import stats
from sklearn import metrics as skm
from sklearn.isotonic import IsotonicRegression

from common import Checker, connect
from detectors_ref import ADWIN

chk = Checker("reference scenario")
conn = connect()
cur = conn.cursor()
listener = connect()
listener.cursor().execute("LISTEN mlmon_alerts")

rng = np.random.default_rng(20261127)
NF = 20
FEATURES = [f"f{j:02d}" for j in range(1, NF + 1)]
w = rng.normal(size=NF)


def batch(n, scale, concept_holds):
    X = np.round(rng.normal(size=(n, NF)) * scale, 6)
    truth = (X @ w > 0).astype(int)
    flip = rng.random(n) < 0.05
    pred = np.where(flip, 1 - truth, truth)
    score = np.round(1 / (1 + np.exp(-(X @ w))), 6)
    y = truth if concept_holds else rng.integers(0, 2, n)
    return X, pred, score, y


batches = {"ref": batch(1000, 1.0, True), "normal": batch(500, 1.0, True), "drift": batch(500, 2.0, False)}
# hours before now at which each batch starts; one row per second
START = {"ref": 72, "normal": 48, "drift": 24}

cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE; CREATE EXTENSION mlmon")
cur.execute("SELECT mlmon.register_model('fraud', '1.0', 'classification', '{\"mlflow_run\": \"abc123\"}')")
# 20 tests per check: Benjamini-Hochberg keeps the false discovery rate at 5%
cur.execute("UPDATE mlmon.models SET drift_correction = 'benjamini_hochberg' WHERE name = 'fraud'")
buf = io.StringIO()
for name, (X, pred, score, y) in batches.items():
    for i in range(len(X)):
        feats = json.dumps({f: float(X[i, j]) for j, f in enumerate(FEATURES)})
        buf.write(f"fraud\t{START[name]}\t{i}\t{name}-{i}\t{feats}\t{pred[i]}\t{score[i]!r}\t{5 + i % 17}\n")
buf.seek(0)
cur.execute("CREATE TEMP TABLE raw (model text, h int, i int, rid text, features jsonb, p text, s float8, lat float8)")
cur.copy_expert("COPY raw FROM STDIN", buf)
cur.execute("SELECT date_trunc('second', now())")
BASE = cur.fetchone()[0]   # one clock for the rows and the windows
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
               SELECT model, %s - make_interval(hours => h) + make_interval(secs => i), rid, features, p, s, lat FROM raw""",
            (BASE,))
for name, (X, pred, score, y) in batches.items():
    cur.executemany("SELECT mlmon.record_label('fraud', %s, %s)", [(f"{name}-{i}", str(y[i])) for i in range(len(y))])


def window(name, n):
    cur.execute("SELECT %s - make_interval(hours => %s), %s - make_interval(hours => %s) + make_interval(secs => %s)",
                (BASE, START[name], BASE, START[name], n))
    return cur.fetchone()


cur.execute("SELECT mlmon.set_reference('fraud', %s, %s)", window("ref", 1000))
chk.equal("reference rows", cur.fetchone()[0], 1000)
Xr, pr, sr, yr = batches["ref"]
ref_acc = skm.accuracy_score(yr, pr)
cur.execute("SELECT (performance->>'accuracy')::float8 FROM mlmon.reference_windows WHERE model = 'fraud'")
chk.close("reference accuracy", cur.fetchone()[0], ref_acc, 1e-12)


def bh(p):
    p = np.asarray(p)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        k = order[rank - 1]
        running = min(running, p[k] * m / rank)
        adj[k] = running
    return adj


def tail_p(ref_sorted, x):
    """The anomaly rule of the README: two-sided tail probability of x
    under the reference sample, 0 outside its range."""
    if x < ref_sorted[0] or x > ref_sorted[-1]:
        return 0.0
    n = len(ref_sorted)
    upto = np.searchsorted(ref_sorted, x, side="right") / n
    below = np.searchsorted(ref_sorted, x, side="left") / n
    return min(1.0, 2 * min(upto, 1 - below))


REF_SORTED = [np.sort(batches["ref"][0][:, j]) for j in range(NF)]
# CBPE: scikit-learn's isotonic calibration on the labelled reference ('1' is the positive label)
ISO = IsotonicRegression(out_of_bounds="clip").fit(batches["ref"][2], (batches["ref"][3] == 1).astype(float))


def expected(name):
    X, pred, score, y = batches[name]
    # anomalous rows: Bonferroni over the 20 features, p < 0.01
    row_p = [min(1.0, NF * min(tail_p(REF_SORTED[j], X[i, j]) for j in range(NF))) for i in range(len(X))]
    anomaly_rate = float(np.mean(np.array(row_p) < 0.01))
    # concept drift: the error rate against the reference's, pooled two-proportion z
    e, e0, n, n0 = 1 - skm.accuracy_score(y, pred), 1 - ref_acc, len(y), len(batches["ref"][3])
    pool = (e * n + e0 * n0) / (n + n0)
    concept_z = (e - e0) / np.sqrt(pool * (1 - pool) * (1 / n + 1 / n0))
    # and the 0/1 error stream in time order (row i is logged at the window's start + i seconds) through ADWIN
    stream = ADWIN().run([float(y[i] != pred[i]) for i in range(len(y))])
    stream_drifts = stream[-1][5]
    first_drift_s = stream[-1][7] - 1 if stream[-1][7] is not None else None
    # CBPE: expected confusion matrix of the calibrated scores
    q = ISO.predict(score)
    tp, fp = q[pred == 1].sum(), (1 - q[pred == 1]).sum()
    fn, tn = q[pred == 0].sum(), (1 - q[pred == 0]).sum()
    est_acc = (tp + tn) / len(q)
    est_f1 = 2 * tp / (2 * tp + fp + fn)
    ks = [stats.ks_2samp(Xr[:, j], X[:, j]) for j in range(NF)]
    padj = bh([k.pvalue for k in ks])
    drifted = [FEATURES[j] for j in range(NF) if padj[j] <= 0.05]
    # output drift: Evidently's z-test on the predicted label (binary)
    p1, p2, n1, n2 = pr.mean(), pred.mean(), len(pr), len(pred)
    pp = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p2 - p1) / np.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
    out_p = 2 * stats.norm.sf(abs(z))
    acc = skm.accuracy_score(y, pred)
    return dict(ks=ks, padj=padj, drifted=drifted, out_p=out_p, acc=acc, anomaly_rate=anomaly_rate,
                concept_z=concept_z, est_acc=est_acc, est_f1=est_f1, stream_drifts=stream_drifts,
                first_drift_s=first_drift_s,
                real_f1=skm.f1_score(y, pred, pos_label=1, zero_division=0),
                f1=skm.f1_score(y, pred, average="weighted", zero_division=0),
                auc=skm.roc_auc_score(y, score))


def run(name):
    cur.execute("SELECT mlmon.run_checks('fraud', %s, %s)", window(name, 500))
    cid = cur.fetchone()[0]
    cur.execute("""SELECT "check", metric, coalesce(feature, ''), value FROM mlmon.check_results WHERE check_id = %s""", (cid,))
    return cid, {(c, m, f): v for c, m, f, v in cur.fetchall()}


def open_alerts():
    cur.execute("SELECT type, severity, coalesce(feature, ''), alert_id, occurrences FROM mlmon.alerts WHERE status = 'open' ORDER BY 1, 3")
    return cur.fetchall()


def check_batch(name, res, exp):
    for j, f in enumerate(FEATURES):
        chk.close(f"{name} {f}: KS statistic", res[("data_drift", "statistic", f)], float(exp["ks"][j].statistic), 1e-12)
        chk.close(f"{name} {f}: KS p-value", res[("data_drift", "p_value", f)], float(exp["ks"][j].pvalue), 1e-9, 1e-300)
        chk.close(f"{name} {f}: BH-adjusted p-value", res[("data_drift", "p_value_adjusted", f)], float(exp["padj"][j]), 1e-9, 1e-300)
    chk.equal(f"{name}: drifted features", res[("data_drift", "drifted_features", "")], float(len(exp["drifted"])))
    chk.close(f"{name}: accuracy", res[("performance", "accuracy", "")], float(exp["acc"]), 1e-12)
    chk.close(f"{name}: f1 (weighted)", res[("performance", "f1", "")], float(exp["f1"]), 1e-12)
    chk.close(f"{name}: roc_auc", res[("performance", "roc_auc", "")], float(exp["auc"]), 1e-12)
    chk.close(f"{name}: accuracy drop", res[("performance", "accuracy_drop", "")], float(ref_acc - exp["acc"]), 1e-9, 1e-15)
    chk.close(f"{name}: output drift p-value", res[("output_drift", "p_value", "")], float(exp["out_p"]), 1e-9, 1e-300)
    chk.equal(f"{name}: rows", res[("volume", "rows", "")], 500.0)
    chk.equal(f"{name}: quality issues", res[("data_quality", "quality_issue_rate", "")], 0.0)
    chk.close(f"{name}: anomaly rate", res[("anomalies", "anomaly_rate", "")], exp["anomaly_rate"], 1e-12, 1e-15)
    chk.close(f"{name}: concept drift z", res[("concept_drift", "error_rate_z", "")], float(exp["concept_z"]), 1e-9)
    chk.equal(f"{name}: ADWIN drifts in the error stream", res[("concept_drift", "stream_drifts", "")],
              float(exp["stream_drifts"]))
    start = window(name, 500)[0]
    chk.equal(f"{name}: time of the error stream's first drift", res.get(("concept_drift", "first_stream_drift_time", "")),
              None if exp["first_drift_s"] is None else start.timestamp() + exp["first_drift_s"])
    chk.close(f"{name}: estimated accuracy (CBPE)", res[("estimated_performance", "estimated_accuracy", "")],
              float(exp["est_acc"]), 1e-9)
    chk.close(f"{name}: estimated F1 (CBPE)", res[("estimated_performance", "estimated_f1", "")], float(exp["est_f1"]), 1e-9)
    chk.close(f"{name}: realised F1 of the positive class", res[("estimated_performance", "realized_f1", "")],
              float(exp["real_f1"]), 1e-12)
    chk.close(f"{name}: accuracy gap", res[("estimated_performance", "accuracy_gap", "")],
              float(exp["est_acc"] - exp["acc"]), 1e-9, 1e-12)


def expected_alerts(exp):
    want = set()
    if ref_acc - exp["acc"] > 0.05:
        want.add(("performance_degradation", "critical", ""))
    if len(exp["drifted"]) >= 3:
        want.add(("data_drift", "high", ""))
    else:
        want |= {("feature_drift", "low", f) for f in exp["drifted"]}
    if exp["out_p"] <= 0.05:
        want.add(("output_drift", "medium", ""))
    if exp["concept_z"] >= 3 or exp["stream_drifts"] > 0:
        want.add(("concept_drift", "high", ""))
    if exp["anomaly_rate"] > 0.05:
        want.add(("anomalies", "medium", ""))
    if ref_acc - exp["est_acc"] > 0.05:
        want.add(("estimated_performance", "high", ""))
    return want


# the normal batch: no drift, no alert
exp_n = expected("normal")
chk.equal("oracle: the normal batch has no drifted feature", exp_n["drifted"], [])
cid_n, res = run("normal")
check_batch("normal", res, exp_n)
chk.equal("normal: alerts", {a[:3] for a in open_alerts()}, expected_alerts(exp_n))

# the drifted batch: every feature drifts, accuracy drops
exp_d = expected("drift")
chk.equal("oracle: every feature of the drifted batch drifts", len(exp_d["drifted"]), NF)
chk.equal("oracle: accuracy dropped more than 5 points", ref_acc - exp_d["acc"] > 0.05, True)
cid_d, res = run("drift")
check_batch("drift", res, exp_d)
alerts_d = open_alerts()
chk.equal("drift: alerts", {a[:3] for a in alerts_d}, expected_alerts(exp_d))
cur.execute("SELECT features FROM mlmon.alerts WHERE type = 'data_drift' AND status = 'open'")
chk.equal("drift: the data_drift alert lists every feature", cur.fetchone()[0], FEATURES)

# notifications: one per opened alert, with a JSON payload
listener.poll()
got = []
while listener.notifies:
    got.append(json.loads(listener.notifies.pop(0).payload))
chk.equal("NOTIFY: one per opened alert", sorted((g["type"], g["severity"]) for g in got),
          sorted((a[0], a[1]) for a in alerts_d))

# the same drifted window again: deduplicated, occurrences counted
run("drift")
again = open_alerts()
chk.equal("dedup: same open alerts", [a[:4] for a in again], [a[:4] for a in alerts_d])
chk.equal("dedup: occurrences 2", {a[4] for a in again}, {2})
cur.execute("SELECT count(*) FROM mlmon.alerts")
chk.equal("dedup: no new alert rows", cur.fetchone()[0], len(alerts_d))

# the condition clears: alerts resolve
run("normal")
chk.equal("resolution: nothing open after a normal window", open_alerts(), [])
# and comes back within the cooldown: the same alerts reopen
run("drift")
chk.equal("cooldown: the same alert ids reopen", sorted(a[3] for a in open_alerts()), sorted(a[3] for a in alerts_d))

# the report
cur.execute("SELECT mlmon.report('fraud')")
rep = cur.fetchone()[0]
accs = [exp_n["acc"], exp_d["acc"], exp_d["acc"], exp_n["acc"], exp_d["acc"]]
chk.equal("report: batches", rep["monitoring_period"]["n_batches"], 5)
chk.close("report: avg accuracy", rep["performance_summary"]["avg_accuracy"], float(np.mean(accs)), 1e-12)
chk.close("report: min accuracy", rep["performance_summary"]["min_accuracy"], float(np.min(accs)), 1e-12)
chk.close("report: max accuracy", rep["performance_summary"]["max_accuracy"], float(np.max(accs)), 1e-12)
chk.close("report: std accuracy", rep["performance_summary"]["std_accuracy"], float(np.std(accs, ddof=1)), 1e-9)
chk.equal("report: alert counts", (rep["drift_summary"]["total_alerts"], rep["drift_summary"]["performance_alerts"]),
          (len(alerts_d), 1))
chk.equal("report: last alerts listed", len(rep["alerts"]), min(10, len(alerts_d)))
actions = {r["action"] for r in rep["recommendations"]}
chk.equal("report: recommends retraining", "retrain" in actions, True)
cur.execute("SELECT n_checks, open_alerts FROM mlmon.monitoring_report WHERE model = 'fraud'")
chk.equal("monitoring_report view", cur.fetchone(), (5, len(alerts_d)))
cur.execute("SELECT count(*), count(*) FILTER (WHERE drift_detected) FROM mlmon.feature_drift WHERE model = 'fraud'")
chk.equal("feature_drift view: latest per feature", cur.fetchone(), (NF, NF))
chk.finish()
