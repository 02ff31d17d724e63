#!/usr/bin/python3
"""The real prometheus-postgres-exporter with deploy/prometheus/queries.yaml
and the real Prometheus scraping it, both on 127.0.0.1: mlmon's metrics
arrive in Prometheus (asked through its HTTP query API) with the values the
database holds, and the alerting rules load."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
from common import Checker  # noqa: E402
from opslib import connect, free_port, set_up_model, wait_for  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEPLOY = os.path.join(ROOT, "deploy", "prometheus")
chk = Checker("exporter and Prometheus")
cur = connect().cursor()
now, rows = set_up_model(cur, "prom_model")
# an expectation and segments, whose samples must arrive too
cur.execute("SELECT mlmon.expect('prom_model', 'a', 'between', min_value => -2, max_value => 2, mostly => 0.9)")
cur.execute("""SELECT mlmon.segment_by('prom_model', expression => $$CASE WHEN (features->>'b')::float8 < 0
                                                                            THEN 'b < 0' ELSE 'b >= 0' END$$)""")
cur.execute("SELECT mlmon.run_checks('prom_model', %s - interval '1 hour', %s)", (now, now))
cur.execute("SELECT name, labels, value FROM mlmon.metrics WHERE labels->>'model' = 'prom_model'")
db = {(n, json.dumps({k: v for k, v in sorted(l.items()) if k != "model"})): v for n, l, v in cur.fetchall()}

work = tempfile.mkdtemp(prefix="mlmon-prom.")
procs = []
finished = False
try:
    exporter_port, prom_port = free_port(), free_port()
    env = dict(os.environ)
    env["DATA_SOURCE_NAME"] = (f"host={os.environ['PGHOST']} port={os.environ['PGPORT']} user={os.environ['PGUSER']} "
                               f"dbname={os.environ.get('PGDATABASE', 'postgres')} sslmode=disable")
    procs.append(subprocess.Popen(
        ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{exporter_port}",
         f"--extend.query-path={os.path.join(DEPLOY, 'queries.yaml')}",
         "--disable-default-metrics", "--disable-settings-metrics"],
        env=env, stdout=open(os.path.join(work, "exporter.log"), "w"), stderr=subprocess.STDOUT))
    shutil.copy(os.path.join(DEPLOY, "mlmon-alerts.yml"), work)
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [mlmon-alerts.yml]
scrape_configs:
  - job_name: mlmon
    static_configs:
      - targets: ['127.0.0.1:{exporter_port}']
""")
    procs.append(subprocess.Popen(
        ["prometheus", f"--config.file={os.path.join(work, 'prometheus.yml')}",
         f"--storage.tsdb.path={os.path.join(work, 'data')}", f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=open(os.path.join(work, "prometheus.log"), "w"), stderr=subprocess.STDOUT))

    def query(q):
        url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.load(r)["data"]["result"]
        except OSError:
            return None

    wait_for("Prometheus to scrape mlmon_accuracy", lambda: query('mlmon_accuracy{model="prom_model"}'), timeout=180)

    def key(labels):
        return json.dumps({k: v for k, v in sorted(labels.items())
                           if k not in ("model", "__name__", "job", "instance", "server")})

    # every sample mlmon.metrics has arrives, with its labels and value
    prom = {(r["metric"]["__name__"], key(r["metric"])): float(r["value"][1])
            for r in query('{__name__=~"mlmon_.+", model="prom_model"}')}
    wrong = [(name, labels, prom.get((name, labels)), want) for (name, labels), want in sorted(db.items())
             if prom.get((name, labels)) is None or abs(prom[(name, labels)] - want) > 1e-12 * abs(want)]
    chk.equal(f"all {len(db)} samples of mlmon.metrics arrive with their labels and values", wrong, [])
    chk.equal("samples of mlmon.metrics (all checks' headline metrics)", len(db) > 60, True)
    for name in ("mlmon_accuracy", "mlmon_concept_drift_error_rate", "mlmon_anomaly_rate", "mlmon_estimated_accuracy",
                 "mlmon_estimated_accuracy_gap", "mlmon_data_quality_issue_rate", "mlmon_feature_quality_rate",
                 "mlmon_feature_drift_p_value", "mlmon_output_drift_p_value", "mlmon_window_rows", "mlmon_prediction_share",
                 "mlmon_expectations_failed", "mlmon_expectation_success", "mlmon_segment_rows", "mlmon_segment_accuracy",
                 "mlmon_segment_drifted_features"):
        chk.equal(f"{name} exported", any(n == name for n, _ in db), True)
    # what the exporter adds beyond mlmon.metrics is a NULL column of a query (NaN), nothing else
    extra = sorted(k for k, v in prom.items() if k not in db and not math.isnan(v))
    chk.equal("no sample that mlmon.metrics does not have", extra, [])
    # a few values against the logged rows themselves
    current = [r for r in rows if r["secs"] <= 3600]
    chk.close("error rate of the window", prom[("mlmon_concept_drift_error_rate", "{}")],
              sum(r["pred"] != r["label"] for r in current) / len(current), 1e-12)
    chk.equal("rows of the window", prom[("mlmon_window_rows", "{}")], float(len(current)))
    for label in ("0", "1"):
        chk.close(f"prediction share of {label}", prom[("mlmon_prediction_share", json.dumps({"label": label}))],
                  sum(r["pred"] == label for r in current) / len(current), 1e-12)
    p95 = query('histogram_quantile(0.95, sum by (le) (mlmon_latency_seconds_bucket{model="prom_model"}))')
    chk.equal("histogram_quantile works on the buckets", 0 < float(p95[0]["value"][1]) <= 1, True)

    def rules_loaded():
        with urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/api/v1/rules", timeout=5) as r:
            groups = json.load(r)["data"]["groups"]
        return [rule["name"] for g in groups for rule in g["rules"]]

    chk.equal("alerting rules loaded", "MlmonDataDrift" in wait_for("rules", rules_loaded, timeout=20), True)
    finished = True
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    if chk.failures or not finished:
        for log in ("exporter.log", "prometheus.log"):
            path = os.path.join(work, log)
            if os.path.exists(path):
                print(f"--- {log} (last lines)")
                print("".join(open(path).readlines()[-15:]))
    shutil.rmtree(work, ignore_errors=True)
chk.finish()
