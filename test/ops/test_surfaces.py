#!/usr/bin/python3
"""Every kind of check shows up everywhere users look (README, "Every check,
everywhere"), on the demo's data (scripts/demo.sql, run here):
- its model-wide results in report(model)->'latest_check', equal to the
  latest check's rows in mlmon.check_results;
- every model-wide metric it stores in mlmon.metrics (so in
  prometheus_metrics() and the exporter's queries), with the stored value,
  except the few listed here as not headline;
- a panel of the Grafana dashboard that reads it;
- the alert types it raises: a default rule in mlmon.alert_rules and a
  Prometheus rule labelled with the type, with the same severity and the
  same threshold in its expression;
- the demo's output.
A new kind of check, or a new metric of one, fails here until it is wired in."""
import json
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
from common import Checker  # noqa: E402
from opslib import connect  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
chk = Checker("every check everywhere")
MODEL = "churn"

# the alert types each check's results raise (volume and latency raise none in
# the database; Prometheus watches them: MlmonChecksStale, MlmonSlowPredictions)
ALERT_TYPES = {"performance": ["performance_degradation"], "data_drift": ["data_drift", "feature_drift"],
               "output_drift": ["output_drift"], "concept_drift": ["concept_drift"], "anomalies": ["anomalies"],
               "estimated_performance": ["estimated_performance"], "data_quality": ["data_quality"],
               "multivariate_drift": ["multivariate_drift"], "embedding_drift": ["embedding_drift"],
               "expectations": ["expectation"], "volume": [], "latency": []}
# model-wide results that are not headline metrics: the test's threshold is a
# setting; latency is exported as a histogram (mlmon_latency_seconds_*)
NOT_EXPORTED = {("data_drift", "threshold"), ("output_drift", "threshold"), ("latency", "mean_ms"),
                ("latency", "p50_ms"), ("latency", "p90_ms"), ("latency", "p95_ms"), ("latency", "p99_ms")}
EXPORTED_AS = {"latency": "mlmon_latency_seconds_bucket"}
# how the database's rule compares (mlmon._apply_alert_rules)
AT_LEAST = {"data_drift", "feature_drift", "output_drift", "concept_drift", "multivariate_drift", "embedding_drift",
            "expectation"}

conn = connect()
cur = conn.cursor()
cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE")
cur.execute("DROP TABLE IF EXISTS predictions_log")
demo = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", os.path.join(ROOT, "scripts", "demo.sql")],
                      check=True, capture_output=True, text=True).stdout
cur.execute("SELECT cron.unschedule('mlmon_checks:churn')")

cur.execute("""SELECT DISTINCT "check" FROM mlmon.check_results WHERE model = %s""", (MODEL,))
checks = sorted(r[0] for r in cur.fetchall())
chk.equal("the demo's checks are the kinds this test knows", checks, sorted(ALERT_TYPES))

cur.execute("SELECT mlmon.report(%s)", (MODEL,))
report = cur.fetchone()[0]
latest = report["latest_check"]
cur.execute("SELECT name, labels, value FROM mlmon.metrics WHERE labels->>'model' = %s", (MODEL,))
metrics = cur.fetchall()
names = {n for n, _, _ in metrics}
dash = json.load(open(os.path.join(ROOT, "deploy", "grafana", "dashboards", "mlmon.json")))
panel_sql = [(p["title"], t["rawSql"]) for p in dash["panels"] for t in p["targets"]]
rules = [r for g in yaml.safe_load(open(os.path.join(ROOT, "deploy", "prometheus", "mlmon-alerts.yml")))["groups"]
         for r in g["rules"]]
cur.execute("SELECT alert_type, severity, threshold FROM mlmon.alert_rules WHERE model IS NULL")
defaults = {t: (s, th) for t, s, th in cur.fetchall()}
cur.execute("""SELECT pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = 'mlmon.alert_rules'::regclass AND conname = 'alert_rules_alert_type_check'""")
alert_types = set(re.findall(r"'(\w+)'::text", cur.fetchone()[0]))
chk.equal("every alert type belongs to a check", alert_types, {t for ts in ALERT_TYPES.values() for t in ts})

for c in checks:
    # the latest check's (latest labelled check's) model-wide results
    cur.execute("""SELECT r.metric, r.value FROM mlmon.check_results r
                    WHERE r.check_id = (SELECT max(x.check_id) FROM mlmon.check_results x
                                         WHERE x.model = %s AND x."check" = %s AND x.segment IS NULL)
                      AND r."check" = %s AND r.feature IS NULL AND r.segment IS NULL AND r.value IS NOT NULL""", (MODEL, c, c))
    stored = dict(cur.fetchall())
    chk.equal(f"{c}: stores model-wide results", len(stored) > 0, True)
    chk.equal(f"{c}: report's latest_check has them", latest.get(c), stored)
    # a model-wide sample named after the metric, with its value
    missing = sorted(m for m, v in stored.items() if (c, m) not in NOT_EXPORTED and
                     not any(m in n and val == v for n, labels, val in metrics if "feature" not in labels))
    chk.equal(f"{c}: every headline metric in mlmon.metrics with its value", missing, [])
    if c in EXPORTED_AS:
        chk.equal(f"{c}: exported as {EXPORTED_AS[c]}", EXPORTED_AS[c] in names, True)
    readers = [t for t, sql in panel_sql if f"'{c}'" in sql or (c == "performance" and "performance_history" in sql)]
    chk.equal(f"{c}: a Grafana panel reads it", len(readers) > 0, True)
    for t in ALERT_TYPES[c]:
        chk.equal(f"{c}: alert type {t} has a default rule", t in defaults, True)
        severity, threshold = defaults[t]
        prom = [r for r in rules if r.get("labels", {}).get("mlmon_alert_type") == t
                and r["labels"].get("mlmon_scope") != "segment"]
        chk.equal(f"{t}: one Prometheus rule", len(prom), 1)
        if prom:
            chk.equal(f"{t}: Prometheus rule's severity", prom[0]["labels"]["severity"], severity)
            op = ">=" if t in AT_LEAST else ">"
            chk.equal(f"{t}: Prometheus rule compares {op} {threshold:g}",
                      re.search(rf"{op}\s*{re.escape(f'{threshold:g}')}(?![\d.])", prom[0]["expr"]) is not None, True)
    chk.equal(f"{c}: in the demo's output", f'"{c}":' in demo, True)

# the demo's story: each of the newer checks has its own table in the output
for header in ("error_rate", "anomaly_rate", "estimated_accuracy", "realized_accuracy", "largest_issue_rate",
               "drifted_features", "output_drift", "reconstruction_error", "embedding_drift_score", "failed_expectations"):
    chk.equal(f"demo prints {header}", re.search(rf"\b{header}\b", demo) is not None, True)

# segments (mlmon.segment_by): the demo's model has them; they show in every place the whole model does
cur.execute("""SELECT segment, rows, accuracy, drifted_features FROM mlmon.segment_results
                WHERE model = %s AND check_id = (SELECT max(check_id) FROM mlmon.segment_results WHERE model = %s)
                ORDER BY segment""", (MODEL, MODEL))
seg_rows = cur.fetchall()
chk.equal("segments: the demo's model has them", len(seg_rows) >= 2, True)
chk.equal("segments: report(model)->'segments' lists them",
          sorted((x["segment"], x["rows"]) for x in report["segments"]), sorted((s, n) for s, n, _, _ in seg_rows))
for seg, n, acc, drifted in seg_rows:
    got = {name: val for name, labels, val in metrics if labels.get("segment") == seg}
    chk.equal(f"segment {seg}: rows in mlmon.metrics", got.get("mlmon_segment_rows"), float(n))
    chk.equal(f"segment {seg}: drifted features in mlmon.metrics", got.get("mlmon_segment_drifted_features"), drifted)
    chk.equal(f"segment {seg}: in the demo's output", seg in demo, True)
chk.equal("segments: a Grafana panel reads them", any("segment_results" in sql for _, sql in panel_sql), True)
chk.equal("segments: the dashboard's segment variable",
          [v["name"] for v in dash["templating"]["list"]], ["model", "segment"])
cur.execute("""SELECT DISTINCT a.type FROM mlmon.alerts a WHERE a.model = %s AND a.segment IS NOT NULL""", (MODEL,))
chk.equal("segments: the demo's segments raise alerts of their own", len(cur.fetchall()) > 0, True)
seg_rule = [r for r in rules if r.get("labels", {}).get("mlmon_scope") == "segment"]
chk.equal("segments: a Prometheus rule on the segments' accuracy drop",
          [r["labels"]["mlmon_alert_type"] for r in seg_rule], ["performance_degradation"])
if seg_rule:
    severity, threshold = defaults["performance_degradation"]
    chk.equal("segments: its severity is the database rule's", seg_rule[0]["labels"]["severity"], severity)
    chk.equal("segments: it compares > the database rule's threshold",
              re.search(rf">\s*{re.escape(f'{threshold:g}')}(?![\d.])", seg_rule[0]["expr"]) is not None, True)
chk.finish()
