#!/usr/bin/python3
"""Concept drift in run_checks against an independent computation: for a
regression model (Page-Hinkley on |error| / reference MAE, Welch z of the
MAE from scikit-learn's mean_absolute_error and mean_squared_error) and for
a classifier whose error rate changes inside the window (ADWIN on the 0/1
errors in time order, the time of its first drift), with the detectors of
detectors_ref.py; then the concept_drift alert follows the decision."""
import datetime

import numpy as np
from sklearn import metrics as skm

from common import Checker, connect
from detectors_ref import ADWIN, PageHinkley

chk = Checker("concept drift")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261128)
cur.execute("SELECT date_trunc('second', now())")
BASE = cur.fetchone()[0]


def log(model, task, start, yhat, y):
    """Rows one second apart from `start`, labels recorded for all."""
    for i in range(len(yhat)):
        ts = start + datetime.timedelta(seconds=i)
        rid = f"{start.timestamp():.0f}-{i}"
        if task == "regression":
            cur.execute("INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_value) "
                        "VALUES (%s, %s, %s, %s, %s)", (model, ts, rid, f'{{"x": {float(y[i]) / 10!r}}}', float(yhat[i])))
            cur.execute("SELECT mlmon.record_label(%s, %s, %s::float8)", (model, rid, float(y[i])))
        else:
            cur.execute("INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label) "
                        "VALUES (%s, %s, %s, '{\"x\": 1}', %s)", (model, ts, rid, str(yhat[i])))
            cur.execute("SELECT mlmon.record_label(%s, %s, %s::text)", (model, rid, str(y[i])))


def results(cid):
    cur.execute("""SELECT metric, value, method FROM mlmon.check_results WHERE check_id = %s AND "check" = 'concept_drift'""",
                (cid,))
    return {m: (v, me) for m, v, me in cur.fetchall()}


def open_concept_alert(model):
    cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = %s AND type = 'concept_drift' AND status = 'open'", (model,))
    return cur.fetchone()[0] == 1


# ---- regression: reference errors N(0, 1); windows: same, worse throughout, worse from the middle
cur.execute("SELECT mlmon.register_model('conc_reg', '1', 'regression')")
ref_start = BASE - datetime.timedelta(hours=10)
y_ref = rng.normal(10, 3, 1000)
yhat_ref = y_ref + rng.normal(0, 1, 1000)
log("conc_reg", "regression", ref_start, yhat_ref, y_ref)
cur.execute("SELECT mlmon.set_reference('conc_reg', %s, %s)", (ref_start, ref_start + datetime.timedelta(seconds=1000)))
ref_mae = skm.mean_absolute_error(y_ref, yhat_ref)
ref_mse = skm.mean_squared_error(y_ref, yhat_ref)
windows = {"same": [1.0] * 600, "worse": [1.6] * 600, "shift": [1.0] * 300 + [4.0] * 300}
for k, (name, sd) in enumerate(windows.items()):
    start = BASE - datetime.timedelta(hours=8 - 2 * k)
    y = rng.normal(10, 3, 600)
    yhat = y + rng.normal(0, 1, 600) * np.array(sd)
    log("conc_reg", "regression", start, yhat, y)
    cur.execute("SELECT mlmon.run_checks('conc_reg', %s, %s)", (start, start + datetime.timedelta(seconds=600)))
    res = results(cur.fetchone()[0])
    mae, mse, n = skm.mean_absolute_error(y, yhat), skm.mean_squared_error(y, yhat), 600
    z = (mae - ref_mae) / np.sqrt(max(mse - mae * mae, 0) / n + max(ref_mse - ref_mae * ref_mae, 0) / 1000)
    ph = PageHinkley().run(list(np.abs(y - yhat) / ref_mae))
    drifts, first = ph[-1][5], ph[-1][7]
    chk.close(f"regression {name}: mae", res["mae"][0], mae, 1e-12)
    chk.close(f"regression {name}: reference_mae", res["reference_mae"][0], ref_mae, 1e-12)
    chk.close(f"regression {name}: mae_z", res["mae_z"][0], float(z), 1e-9)
    chk.equal(f"regression {name}: Page-Hinkley drifts", res["stream_drifts"], (float(drifts), "page_hinkley"))
    chk.equal(f"regression {name}: first drift time", res.get("first_stream_drift_time", (None,))[0],
              None if first is None else (start + datetime.timedelta(seconds=first - 1)).timestamp())
    want = drifts > 0 or z >= 3
    chk.equal(f"regression {name}: drift_detected", res["drift_detected"][0], float(want))
    chk.equal(f"regression {name}: concept_drift alert open", open_concept_alert("conc_reg"), want)
    print(f"  regression {name}: mae {mae:.3f} (reference {ref_mae:.3f}), z {z:.2f}, Page-Hinkley drifts {drifts}")

# ---- classification: 5% errors in the reference; a window whose error rate jumps in its middle
cur.execute("SELECT mlmon.register_model('conc_cls', '1', 'classification')")
ref_start = BASE - datetime.timedelta(hours=20)
yhat = rng.integers(0, 2, 2000)
y = np.where(rng.random(2000) < 0.05, 1 - yhat, yhat)
log("conc_cls", "classification", ref_start, yhat, y)
cur.execute("SELECT mlmon.set_reference('conc_cls', %s, %s)", (ref_start, ref_start + datetime.timedelta(seconds=2000)))
ref_err = float(np.mean(y != yhat))
start = BASE - datetime.timedelta(hours=18)
yhat = rng.integers(0, 2, 1000)
flip = rng.random(1000) < np.where(np.arange(1000) < 500, 0.05, 0.35)
y = np.where(flip, 1 - yhat, yhat)
log("conc_cls", "classification", start, yhat, y)
cur.execute("SELECT mlmon.run_checks('conc_cls', %s, %s)", (start, start + datetime.timedelta(seconds=1000)))
res = results(cur.fetchone()[0])
err = float(np.mean(y != yhat))
pool = (err * 1000 + ref_err * 2000) / 3000
z = (err - ref_err) / np.sqrt(pool * (1 - pool) * (1 / 1000 + 1 / 2000))
ad = ADWIN().run([float(a != b) for a, b in zip(y, yhat)])
chk.close("classification: error_rate", res["error_rate"][0], err, 1e-12)
chk.close("classification: error_rate_z", res["error_rate_z"][0], float(z), 1e-9)
chk.equal("classification: ADWIN drifts", res["stream_drifts"], (float(ad[-1][5]), "adwin"))
chk.equal("classification: ADWIN finds the jump", ad[-1][5] > 0 and ad[-1][7] > 500, True)
chk.equal("classification: first drift time", res.get("first_stream_drift_time", (None,))[0],
          (start + datetime.timedelta(seconds=ad[-1][7] - 1)).timestamp())
chk.equal("classification: concept_drift alert open", open_concept_alert("conc_cls"), True)
print(f"  classification: error {err:.3f} (reference {ref_err:.3f}), z {z:.2f}, ADWIN first drift at row {ad[-1][7]}")
cur.execute("DELETE FROM mlmon.models WHERE name IN ('conc_reg', 'conc_cls')")
chk.finish()
