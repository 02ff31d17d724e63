#!/usr/bin/python3
"""mlmon.classification_metrics and mlmon.regression_metrics against
scikit-learn (python3-sklearn from Debian), on random trials: binary and
multiclass, labels that are only predicted or only actual (zero_division
cases), a single class, tied and extreme scores, sizes 1 to 20000; plus a
parallel plan that must give the serial results."""
import json
import math
import warnings

import numpy as np
from sklearn import metrics as skm

from common import Checker, connect, copy_rows

warnings.simplefilter("ignore")       # sklearn's UndefinedMetricWarning is the point of some trials
RTOL = 1e-12
rng = np.random.default_rng(4242)
chk = Checker("scikit-learn comparisons")
conn = connect()
cur = conn.cursor()


# ------------------------------------------------------------ classification
LABELSETS = [["neg", "pos"], ["0", "1"], ["a", "b", "c"], ["cat", "dog", "émeu", "zèbre", "Ω"],
             ["b", "a", "c", "d", "e", "f"]]
trials = []
for size in (1, 2, 5, 30, 200, 1000, 5000, 20000):
    for ls in LABELSETS:
        k = len(ls)
        actual = rng.choice(ls, size)
        noise = rng.random(size) < 0.3
        predicted = np.where(noise, rng.choice(ls, size), actual)
        trials.append((actual, predicted))
# zero_division: a label only predicted, a label only actual, one class only, all correct
trials.append((np.array(["a", "a", "b", "b"]), np.array(["a", "c", "b", "a"])))
trials.append((np.array(["a", "b", "d", "d"]), np.array(["a", "b", "a", "b"])))
trials.append((np.array(["x"] * 7), np.array(["x"] * 7)))
trials.append((np.array(["x"] * 7), np.array(["y"] * 7)))
trials.append((np.array(["p", "q"] * 50), np.array(["p", "q"] * 50)))

rows = []
scores_of = {}
for g, (a, p) in enumerate(trials):
    labels = sorted(set(a))
    binary = len(labels) == 2
    if binary:
        # probability of the greater label: informative, tied (2 decimals) and extreme values
        s = np.clip(np.where(a == labels[1], 0.65, 0.35) + rng.normal(0, 0.25, len(a)), 0, 1)
        s = np.where(rng.random(len(a)) < 0.5, np.round(s, 2), s)
        scores_of[g] = s
    for i in range(len(a)):
        rows.append((g, a[i], p[i], float(scores_of[g][i]) if g in scores_of else None))
# rows the aggregate must skip: NULL labels
rows.append((0, None, "neg", 0.5))
rows.append((0, "neg", None, 0.5))
copy_rows(cur, "cls", "g int, actual text, predicted text, score float8", rows, analyze=True)

cur.execute("""SELECT g, (m).n, (m).accuracy, (m).precision_macro, (m).recall_macro, (m).f1_macro,
                      (m).precision_weighted, (m).recall_weighted, (m).f1_weighted,
                      (m).classes, (m).confusion_matrix, (m).n_scored, (m).roc_auc, (m).log_loss, (m).brier
                 FROM (SELECT g, mlmon.classification_metrics(actual, predicted, score) AS m
                         FROM cls GROUP BY g) s ORDER BY g""")
got = cur.fetchall()
chk.equal("classification groups", len(got), len(trials))
for row in got:
    g = row[0]
    a, p = trials[g]
    tag = f"classification trial {g} (n={len(a)})"
    labels = sorted(set(a) | set(p))
    chk.equal(f"{tag}: n", row[1], len(a))
    chk.close(f"{tag}: accuracy", row[2], float(skm.accuracy_score(a, p)), RTOL)
    for col, avg in ((3, "macro"), (6, "weighted")):
        pr, rc, f1, _ = skm.precision_recall_fscore_support(a, p, average=avg, zero_division=0)
        chk.close(f"{tag}: precision {avg}", row[col], float(pr), RTOL, 1e-15)
        chk.close(f"{tag}: recall {avg}", row[col + 1], float(rc), RTOL, 1e-15)
        chk.close(f"{tag}: f1 {avg}", row[col + 2], float(f1), RTOL, 1e-15)
    pr, rc, f1, sup = skm.precision_recall_fscore_support(a, p, labels=labels, zero_division=0)
    classes = row[9]
    chk.equal(f"{tag}: classes", sorted(classes), labels)
    for i, lab in enumerate(labels):
        c = classes.get(lab, {})
        chk.close(f"{tag}: precision[{lab}]", c.get("precision"), float(pr[i]), RTOL, 1e-15)
        chk.close(f"{tag}: recall[{lab}]", c.get("recall"), float(rc[i]), RTOL, 1e-15)
        chk.close(f"{tag}: f1[{lab}]", c.get("f1"), float(f1[i]), RTOL, 1e-15)
        chk.equal(f"{tag}: support[{lab}]", c.get("support"), int(sup[i]))
    cm = row[10]
    chk.equal(f"{tag}: confusion labels", cm["labels"], labels)
    chk.equal(f"{tag}: confusion matrix", cm["matrix"], skm.confusion_matrix(a, p, labels=labels).tolist())
    if g in scores_of:
        s = scores_of[g]
        pos = sorted(set(a))[1]
        chk.equal(f"{tag}: n_scored", row[11], len(a))
        chk.close(f"{tag}: roc_auc", row[12], float(skm.roc_auc_score(a, s)), RTOL)
        chk.close(f"{tag}: log_loss", row[13], float(skm.log_loss(a, s)), RTOL)
        chk.close(f"{tag}: brier", row[14], float(skm.brier_score_loss(a, s, pos_label=pos)), RTOL)
    else:
        chk.equal(f"{tag}: score metrics NULL without two classes", (row[12], row[13], row[14]), (None, None, None))

# explicit positive label (one against the rest) on the multiclass trials
cur.execute("""SELECT g, (m).roc_auc, (m).log_loss, (m).brier, (m).n_scored FROM (
                 SELECT g, mlmon.classification_metrics(actual, predicted, score, 'c') AS m FROM (
                   SELECT g, actual, predicted, ((hashtext(actual || g || predicted) & 1023) / 1023.0)::float8 AS score
                     FROM cls WHERE actual IS NOT NULL AND predicted IS NOT NULL) q GROUP BY g) s ORDER BY g""")
for g, auc, ll, br, ns in cur.fetchall():
    cur.execute("""SELECT actual, ((hashtext(actual || %s || predicted) & 1023) / 1023.0)::float8
                     FROM cls WHERE g = %s AND actual IS NOT NULL AND predicted IS NOT NULL""", (g, g))
    data = cur.fetchall()
    y = np.array([1 if r[0] == "c" else 0 for r in data])
    s = np.array([r[1] for r in data])
    tag = f"positive label trial {g}"
    chk.equal(f"{tag}: n_scored", ns, len(y))
    if 0 < y.sum() < len(y):
        chk.close(f"{tag}: roc_auc", auc, float(skm.roc_auc_score(y, s)), RTOL)
        chk.close(f"{tag}: log_loss", ll, float(skm.log_loss(y, s, labels=[0, 1])), RTOL)
    else:
        chk.equal(f"{tag}: roc_auc NULL with one class", auc, None)
    chk.close(f"{tag}: brier", br, float(skm.brier_score_loss(y, s, pos_label=1)), RTOL)

# ------------------------------------------------------------ regression
rtrials = []
for size in (1, 2, 10, 100, 1000, 20000):
    y = rng.normal(50, 20, size)
    rtrials.append((y, y + rng.normal(0, 5, size)))
    y = rng.lognormal(0, 2, size) * rng.choice([-1, 1], size)
    rtrials.append((y, y * rng.uniform(0.5, 1.5, size)))
rtrials.append((np.array([3.0, 3.0, 3.0]), np.array([3.0, 3.0, 3.0])))    # r2 = 1 (force_finite)
rtrials.append((np.array([3.0, 3.0, 3.0]), np.array([2.0, 3.0, 4.0])))    # r2 = 0 (force_finite)
rtrials.append((np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.0, -1.0])))  # mape with y = 0
rows = [(g, float(y[i]), float(p[i])) for g, (y, p) in enumerate(rtrials) for i in range(len(y))]
rows += [(0, None, 1.0), (1, float("nan"), 1.0), (2, 1.0, float("inf"))]   # skipped
copy_rows(cur, "reg", "g int, actual float8, predicted float8", [
    (g, "NaN" if isinstance(a, float) and math.isnan(a) else a, "Infinity" if isinstance(p, float) and math.isinf(p) else p)
    for g, a, p in rows], analyze=True)
cur.execute("""SELECT g, (m).* FROM (SELECT g, mlmon.regression_metrics(actual, predicted) AS m
                                       FROM reg GROUP BY g) s ORDER BY g""")
for g, n, mae, mse, rmse, r2, mape in cur.fetchall():
    y, p = rtrials[g]
    tag = f"regression trial {g} (n={len(y)})"
    chk.equal(f"{tag}: n", n, len(y))
    chk.close(f"{tag}: mae", mae, float(skm.mean_absolute_error(y, p)), RTOL)
    chk.close(f"{tag}: mse", mse, float(skm.mean_squared_error(y, p)), RTOL)
    chk.close(f"{tag}: rmse", rmse, float(skm.mean_squared_error(y, p, squared=False)), RTOL)
    chk.close(f"{tag}: mape", mape, float(skm.mean_absolute_percentage_error(y, p)), RTOL)
    if len(y) < 2:
        chk.equal(f"{tag}: r2 NULL below two rows (sklearn: nan)", r2, None)
    else:
        chk.close(f"{tag}: r2", r2, float(skm.r2_score(y, p)), 1e-10, 1e-12)

# ------------------------------------------------------------ parallel plans
cur.execute("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
            "SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off")
cur.execute("CREATE TEMP TABLE big AS SELECT g, actual, predicted, score FROM cls, generate_series(1, 3) r")
cur.execute("""CREATE TEMP TABLE bigreg AS SELECT g, actual, predicted FROM reg, generate_series(1, 3) r""")
queries = {
    "classification": "SELECT g, mlmon.classification_metrics(actual, predicted, score)::text FROM {t} GROUP BY g ORDER BY g",
    "regression": "SELECT g, mlmon.regression_metrics(actual, predicted)::text FROM {t} GROUP BY g ORDER BY g",
}
# temp tables are invisible to workers: copy into regular tables
for t in ("big", "bigreg"):
    cur.execute(f"DROP TABLE IF EXISTS oracle_{t}; CREATE TABLE oracle_{t} AS SELECT * FROM {t}; ANALYZE oracle_{t}")
for (name, q), t in zip(queries.items(), ("oracle_big", "oracle_bigreg")):
    cur.execute("EXPLAIN " + q.format(t=t))
    plan = "\n".join(r[0] for r in cur.fetchall())
    chk.equal(f"parallel {name}: Partial Aggregate in plan", "Partial" in plan and "Gather" in plan, True)
    cur.execute(q.format(t=t))
    par = cur.fetchall()
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute(q.format(t=t))
    ser = cur.fetchall()
    cur.execute("SET max_parallel_workers_per_gather = 2")
    chk.equal(f"parallel {name}: groups", len(par), len(ser))
    for (g1, r1), (g2, r2) in zip(par, ser):
        a = [x for x in r1.strip("()").split(",")]
        b = [x for x in r2.strip("()").split(",")]
        # the numeric fields must agree to 1e-12; jsonb and counts exactly
        same = len(a) == len(b)
        for x, y in zip(a, b):
            try:
                fx, fy = float(x), float(y)
                same = same and (fx == fy or abs(fx - fy) <= 1e-12 * max(abs(fx), abs(fy)))
            except ValueError:
                same = same and x == y
        chk.equal(f"parallel {name} group {g1}: equals serial", same, True)
    cur.execute(f"DROP TABLE oracle_{'big' if name == 'classification' else 'bigreg'}")
chk.finish()
