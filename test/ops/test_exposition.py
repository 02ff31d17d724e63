#!/usr/bin/python3
"""mlmon.prometheus_metrics(): valid exposition format (promtool check
metrics) whose values agree with the database, computed here from the
logged rows and the check's results."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
from common import Checker  # noqa: E402
from opslib import connect, set_up_model  # noqa: E402

chk = Checker("Prometheus exposition")
cur = connect().cursor()
now, rows = set_up_model(cur, "expo")
# data-quality issues in the checked window: 12 rows without 'a', 6 where 'a' is not a number
# (no labels, no latency)
bad = [({"b": 0.5}, "missing")] * 12 + [({"a": "n/a", "b": 0.5}, "invalid")] * 6
cur.executemany("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score)
                   VALUES ('expo', %s - make_interval(secs => %s), %s, %s, '1', 0.5)""",
                [(now, 30 + i, f"expo-bad-{i}", json.dumps(f)) for i, (f, _) in enumerate(bad)])
cur.execute("SELECT mlmon.run_checks('expo', %s - interval '1 hour', %s)", (now, now))
cur.execute("SELECT mlmon.prometheus_metrics()")
text = cur.fetchone()[0]
r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
chk.equal("promtool check metrics", (r.returncode, r.stdout + r.stderr), (0, ""))

samples = {}
for line in text.splitlines():
    if line.startswith("#") or not line.strip():
        continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)', line)
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
    if labels.get("model") == "expo":
        samples[(m.group(1), tuple(sorted((k, v) for k, v in labels.items() if k != "model")))] = float(m.group(3))

current = [r for r in rows if r["secs"] <= 3600]
acc = sum(r["pred"] == r["label"] for r in current) / len(current)
chk.close("accuracy of the checked window", samples[("mlmon_accuracy", ())], acc, 1e-12)
chk.equal("predictions_total", samples[("mlmon_predictions_total", ())], float(len(rows) + len(bad)))
for le in (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5):
    want = sum(r["latency"] <= 1000 * le for r in current)
    chk.equal(f"latency bucket le={le}", samples[("mlmon_latency_seconds_bucket", (("le", f"{le:g}"),))], float(want))
chk.equal("latency +Inf bucket", samples[("mlmon_latency_seconds_bucket", (("le", "+Inf"),))], float(len(current)))
chk.close("latency sum (s)", samples[("mlmon_latency_seconds_sum", ())], sum(r["latency"] for r in current) / 1000, 1e-12)
cur.execute("SELECT severity, count(*) FROM mlmon.alerts WHERE model = 'expo' AND status = 'open' GROUP BY 1")
open_by = dict(cur.fetchall())
for sev in ("critical", "high", "medium", "low"):
    chk.equal(f"open alerts {sev}", samples[("mlmon_open_alerts", (("severity", sev),))], float(open_by.get(sev, 0)))
chk.equal("feature a drifted", samples[("mlmon_feature_drift_detected", (("feature", "a"), ("method", "ks")))], 1.0)
chk.equal("feature b did not", samples[("mlmon_feature_drift_detected", (("feature", "b"), ("method", "ks")))], 0.0)
chk.equal("drifted features", samples[("mlmon_drifted_features", ())], 1.0)
# every check's headline, against the rows
n_window = len(current) + len(bad)
chk.equal("window rows", samples[("mlmon_window_rows", ())], float(n_window))
chk.equal("labelled rows", samples[("mlmon_window_labeled_rows", ())], float(len(current)))
chk.close("error rate (concept drift)", samples[("mlmon_concept_drift_error_rate", ())],
          sum(r["pred"] != r["label"] for r in current) / len(current), 1e-12)
ref = [r for r in rows if r["secs"] > 3600]
chk.close("reference error rate", samples[("mlmon_concept_drift_reference_error_rate", ())],
          sum(r["pred"] != r["label"] for r in ref) / len(ref), 1e-12)
for kind in ("missing", "invalid"):
    chk.close(f"{kind} rate of a", samples[("mlmon_feature_quality_rate", (("feature", "a"), ("kind", kind)))],
              sum(k == kind for _, k in bad) / n_window, 1e-12)
    chk.equal(f"{kind} rate of b", samples[("mlmon_feature_quality_rate", (("feature", "b"), ("kind", kind)))], 0.0)
lo, hi = min(r["features"]["a"] for r in ref), max(r["features"]["a"] for r in ref)
chk.close("out-of-range rate of a", samples[("mlmon_feature_quality_rate", (("feature", "a"), ("kind", "out_of_range")))],
          sum(not lo <= r["features"]["a"] <= hi for r in current) / len(current), 1e-12)   # of the numbers
chk.close("data-quality issue rate: the largest rate", samples[("mlmon_data_quality_issue_rate", ())], 12 / n_window, 1e-12)
for name in ("mlmon_anomaly_rate", "mlmon_estimated_accuracy", "mlmon_estimated_accuracy_gap", "mlmon_output_drift_p_value"):
    chk.equal(f"{name} exposed", (name, ()) in samples or any(n == name for n, _ in samples), True)
cur.execute("SELECT extract(epoch FROM %s::timestamptz)", (now,))
chk.close("last check time", samples[("mlmon_last_check_timestamp_seconds", ())], float(cur.fetchone()[0]), 1e-15)
# label values are escaped
cur.execute("SELECT mlmon.register_model(%s, '1', 'regression')", ('we"ird\\name',))
cur.execute("SELECT mlmon.prometheus_metrics()")
r = subprocess.run(["promtool", "check", "metrics"], input=cur.fetchone()[0], capture_output=True, text=True)
chk.equal("escaped label values stay valid", r.returncode, 0)
cur.execute("SELECT count(*) FROM regexp_matches(mlmon.prometheus_metrics(), 'model=\"we\\\\\"ird\\\\\\\\name\"', 'g')")
chk.equal("a quote and a backslash escaped", cur.fetchone()[0] > 0, True)
chk.finish()
