#!/usr/bin/python3
"""mlmon.prometheus_metrics(): valid exposition format (promtool check
metrics) whose values agree with the database, computed here from the
logged rows and the check's results."""
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
chk.equal("predictions_total", samples[("mlmon_predictions_total", ())], float(len(rows)))
for le in (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5):
    want = sum(r["latency"] <= 1000 * le for r in current)
    chk.equal(f"latency bucket le={le}", samples[("mlmon_latency_seconds_bucket", (("le", f"{le:g}"),))], float(want))
chk.equal("latency +Inf bucket", samples[("mlmon_latency_seconds_bucket", (("le", "+Inf"),))], float(len(current)))
chk.close("latency sum (s)", samples[("mlmon_latency_seconds_sum", ())], sum(r["latency"] for r in current) / 1000, 1e-12)
cur.execute("SELECT severity, count(*) FROM mlmon.alerts WHERE model = 'expo' AND status = 'open' GROUP BY 1")
open_by = dict(cur.fetchall())
for sev in ("critical", "high", "medium", "low"):
    chk.equal(f"open alerts {sev}", samples[("mlmon_open_alerts", (("severity", sev),))], float(open_by.get(sev, 0)))
chk.equal("feature a drifted", samples[("mlmon_feature_drift_detected", (("feature", "a"),))], 1.0)
chk.equal("feature b did not", samples[("mlmon_feature_drift_detected", (("feature", "b"),))], 0.0)
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
