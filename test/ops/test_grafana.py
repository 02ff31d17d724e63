#!/usr/bin/python3
"""The Grafana dashboard (deploy/grafana): every panel's SQL, with Grafana's
Postgres macros and the template variable expanded the way Grafana's
documentation defines them, runs as a role given mlmon.grant_reader (what
Grafana's datasource user gets) on the demo's data (scripts/demo.sql, run
here), and returns a time column and numeric values.  Grafana itself is not
installed here."""
import datetime
import json
import math
import os
import re
import sys

import psycopg2
import psycopg2.extensions
import subprocess

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
from common import Checker  # noqa: E402
from opslib import connect  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
chk = Checker("Grafana dashboard")
dash = json.load(open(os.path.join(ROOT, "deploy", "grafana", "dashboards", "mlmon.json")))
ds = open(os.path.join(ROOT, "deploy", "grafana", "provisioning", "datasources", "mlmon.yaml")).read()
uid = re.search(r"uid: (\S+)", ds).group(1)

conn = connect()
cur = conn.cursor()
# the demo's data: its script creates the extension afresh
cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE")
cur.execute("DROP TABLE IF EXISTS predictions_log")
subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, "-f",
                os.path.join(ROOT, "scripts", "demo.sql")], check=True, stdout=subprocess.DEVNULL)
cur.execute("SELECT cron.unschedule('mlmon_checks:churn')")      # the demo's hourly job
cur.execute("SELECT max(time) FROM mlmon.performance_history")
now = cur.fetchone()[0]
MODEL = "churn"
cur.execute("DROP ROLE IF EXISTS mlmon_grafana_test")
cur.execute("CREATE ROLE mlmon_grafana_test")
cur.execute("SELECT mlmon.grant_reader('mlmon_grafana_test')")

# Grafana's macros (Postgres datasource documentation)
T_FROM = now - datetime.timedelta(hours=8)
T_TO = now + datetime.timedelta(minutes=1)
INTERVAL = "5m"   # what Grafana would pick for 6 hours on a panel about 70 points wide
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def iso(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds(d):
    d = d.strip().strip("'")
    return int(d[:-1]) * UNITS[d[-1]]


def expand(sql, variables):
    sql = sql.replace("$__interval_ms", str(seconds(INTERVAL) * 1000)).replace("$__interval", INTERVAL)
    for name, value in variables.items():
        sql = re.sub(r"\$\{%s\}|\[\[%s\]\]|\$%s\b" % (name, name, name), value, sql)
    sql = re.sub(r"\$__timeFilter\(([^)]*)\)", lambda m: f"{m.group(1)} BETWEEN '{iso(T_FROM)}' AND '{iso(T_TO)}'", sql)
    sql = re.sub(r"\$__timeFrom\(\)", f"'{iso(T_FROM)}'", sql)
    sql = re.sub(r"\$__timeTo\(\)", f"'{iso(T_TO)}'", sql)
    sql = re.sub(r"\$__timeGroupAlias\(([^,]*),\s*([^)]*)\)",
                 lambda m: f"floor(extract(epoch from {m.group(1)})/{seconds(m.group(2))})*{seconds(m.group(2))} AS \"time\"", sql)
    sql = re.sub(r"\$__timeGroup\(([^,]*),\s*([^)]*)\)",
                 lambda m: f"floor(extract(epoch from {m.group(1)})/{seconds(m.group(2))})*{seconds(m.group(2))}", sql)
    sql = re.sub(r"\$__time\(([^)]*)\)", lambda m: f'{m.group(1)} AS "time"', sql)
    assert "$" not in sql, f"unexpanded macro or variable in: {sql}"
    return sql


reader = connect()
rc = reader.cursor()
rc.execute("SET ROLE mlmon_grafana_test")
var = dash["templating"]["list"][0]
chk.equal("the template variable is the model", var["name"], "model")
rc.execute(var["query"])
models = [r[0] for r in rc.fetchall()]
chk.equal("the variable's query lists the model", MODEL in models, True)
svar = dash["templating"]["list"][1]
chk.equal("the second template variable is the segment", svar["name"], "segment")
rc.execute(expand(svar["query"], {"model": MODEL}))
segments = [r[0] for r in rc.fetchall()]
chk.equal("the segment variable offers the whole model first, then the demo's segments",
          segments[0] == "(whole model)" and len(segments) > 2, True)

NUMERIC = {psycopg2.extensions.FLOAT.values, psycopg2.extensions.INTEGER.values,
           psycopg2.extensions.LONGINTEGER.values, psycopg2.extensions.DECIMAL.values}
numeric_oids = set().union(*NUMERIC)
titles = [p["title"] for p in dash["panels"]]
for want in ("Accuracy and F1 over time", "Precision and recall", "Feature drift (1 = drifted)",
             "Drift statistic per feature (latest check)", "Prediction distribution over time",
             "Latency percentiles (ms)", "Throughput (predictions per second)", "Open alerts", "Recommendations",
             "Concept drift: error rate against the reference", "Concept drift: detections", "Anomaly rate",
             "Most unusual rows (latest window)", "Estimated against realised accuracy (CBPE)",
             "Estimated against realised F1 (CBPE)", "Data quality per feature (latest check)", "Data quality over time",
             "Drift strength per feature: -ln p (latest check)",
             "Multivariate drift: reconstruction error and the reference's band",
             "Embedding drift: drift score and threshold", "Expectations: judged and failed per check",
             "Expectations (latest check)", "Segments (latest check)", "Accuracy by segment"):
    chk.equal(f"panel present: {want}", want in titles, True)
# panels that show logged features need mlmon.grant_feature_reader on top of grant_reader
FEATURES = {"Most unusual rows (latest window)"}
for p in dash["panels"]:
    chk.equal(f"{p['title']}: datasource provisioned", p["datasource"]["uid"], uid)
    for t in p["targets"]:
        sql = expand(t["rawSql"], {"model": MODEL, "segment": "(whole model)"})
        if "$segment" in t["rawSql"]:
            # a segment's view of the panel: its own rows, not the whole model's
            rc.execute(expand(t["rawSql"], {"model": MODEL, "segment": segments[1]}))
            seg_rows = rc.fetchall()
            chk.equal(f"{p['title']}: rows for segment {segments[1]}", len(seg_rows) > 0, True)
        if p["title"] in FEATURES:
            try:
                rc.execute(sql)
                chk.equal(f"{p['title']}: refused to a reader without grant_feature_reader", "ran", "42501")
            except psycopg2.Error as e:
                chk.equal(f"{p['title']}: refused to a reader without grant_feature_reader", e.pgcode, "42501")
            cur.execute("SELECT mlmon.grant_feature_reader('mlmon_grafana_test')")
        try:
            rc.execute(sql)
            res = rc.fetchall()
        except psycopg2.Error as e:
            chk.equal(f"{p['title']}: runs", e.pgerror, None)
            continue
        finally:
            if p["title"] in FEATURES:
                cur.execute("REVOKE SELECT ON mlmon.anomalies, mlmon.predictions, mlmon.sources, mlmon.models, "
                            "mlmon.reference_profiles FROM mlmon_grafana_test")
        cols = [d.name for d in rc.description]
        chk.equal(f"{p['title']}: a time column", "time" in cols, True)
        chk.equal(f"{p['title']}: numeric values",
                  any(d.type_code in numeric_oids for d in rc.description if d.name != "time"), True)
        chk.equal(f"{p['title']}: rows on monitored data", len(res) > 0, True)
        # the demo's story shows in the new panels: concept drift, the CBPE gap, data-quality issues
        if p["title"] == "Concept drift: detections":
            chk.equal("the demo's drifted hours show concept drift", max(r[cols.index("concept drift (0/1)")] for r in res), 1.0)
        if p["title"] == "Estimated against realised accuracy (CBPE)":
            chk.equal("the CBPE gap opens in the drifted hours", max(r[cols.index("gap (estimated - realised)")] for r in res) > 0.3, True)
        if p["title"] == "Segments (latest check)":
            chk.equal("every segment of the variable in the table", sorted(r[cols.index("segment")] for r in res),
                      sorted(segments[1:]))
            chk.equal("the demo's segments split the latest window's rows",
                      sum(r[cols.index("rows")] for r in res) > 0, True)
        if p["title"] == "Expectations (latest check)":
            chk.equal("the demo's latest check fails an expectation", "FAIL" in [r[cols.index("outcome")] for r in res], True)
        if p["title"] == "Data quality per feature (latest check)":
            chk.equal("a feature with missing values in the latest check", max(r[cols.index("missing")] for r in res) > 0, True)
        if p["title"] == "Drift strength per feature: -ln p (latest check)":
            lp = [r[cols.index("-ln p")] for r in res if r[cols.index("-ln p")] is not None]
            chk.equal("-ln p: the p-value tests first, strongest first", lp, sorted(lp, reverse=True))
            chk.equal("-ln p: finite and >= 0", all(math.isfinite(x) and x >= 0 for x in lp), True)
            chk.equal("-ln p: the demo's features have p-values", len(lp) > 0, True)
            chk.equal("-ln p is -ln of the p-value",
                      all(abs(math.exp(-r[cols.index("-ln p")]) - r[cols.index("p_value")]) <= 1e-12 * max(r[cols.index("p_value")], 1e-300)
                          for r in res if r[cols.index("-ln p")] is not None and r[cols.index("p_value")] > 1e-300), True)
        if p["title"] == "Multivariate drift: reconstruction error and the reference's band":
            err, hi = cols.index("reconstruction error"), cols.index("upper threshold")
            chk.equal("the demo's scaled hours leave the band, the first three do not",
                      [r[err] > r[hi] for r in res], [False, False, False, True, True, True])
        if p["title"] == "Embedding drift: drift score and threshold":
            dist, th = cols.index("drift score"), cols.index("threshold")
            chk.equal("the demo's scaled hours' embeddings drift, the first three do not",
                      [r[dist] > r[th] for r in res], [False, False, False, True, True, True])
        if p["title"] == "Most unusual rows (latest window)":
            chk.equal("most unusual rows below p = 0.01", all(r[cols.index("p_value")] < 0.01 for r in res), True)
reader.close()
cur.execute("DROP OWNED BY mlmon_grafana_test")
cur.execute("DROP ROLE mlmon_grafana_test")
chk.finish()
