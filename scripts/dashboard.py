#!/usr/bin/python3
"""Draw mlmon's dashboard for one model as a PNG (run by scripts/demo):
accuracy over time; precision, recall and F1 over time; the distribution of
the most drifted feature, reference against the latest window; alerts by
type (how many checks raised or refreshed them); concept drift (the error
rate against the reference's, checks that found it); accuracy estimated from
calibrated scores (CBPE) against the realised accuracy.  Everything comes
from mlmon's views and functions.
Usage: scripts/dashboard.py MODEL OUTPUT.png  (PG* variables select the database)"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import psycopg2  # noqa: E402

model, out = sys.argv[1], sys.argv[2]
conn = psycopg2.connect("")
cur = conn.cursor()
cur.execute("""SELECT time, accuracy, precision, recall, f1 FROM mlmon.performance_history
                WHERE model = %s AND accuracy IS NOT NULL ORDER BY time""", (model,))
perf = cur.fetchall()
cur.execute("""SELECT feature, statistic FROM mlmon.feature_drift WHERE model = %s
                ORDER BY statistic DESC NULLS LAST, feature LIMIT 1""", (model,))
feature, stat = cur.fetchone()
# reference: the stored profile's histogram; current: the latest window's values, same bins
cur.execute("""SELECT h.bin_start, h.bin_end, h.count FROM mlmon.reference_profiles rp,
                      mlmon.histogram(rp.profile, 30) h
                WHERE rp.model = %s AND rp.role = 'feature' AND rp.feature = %s ORDER BY h.bin_start""", (model, feature))
ref_bins = cur.fetchall()
cur.execute("""SELECT (p.features->>%s)::float8 FROM mlmon.predictions p, mlmon.checks c
                WHERE c.check_id = (SELECT max(check_id) FROM mlmon.checks WHERE model = %s)
                  AND p.model = %s AND p.ts >= c.window_start AND p.ts < c.window_end""", (feature, model, model))
current = [r[0] for r in cur.fetchall() if r[0] is not None]
cur.execute("""SELECT type, sum(occurrences) FROM mlmon.alerts WHERE model = %s
                GROUP BY type ORDER BY 2 DESC, 1""", (model,))
alerts = cur.fetchall()
cur.execute("""SELECT time, max(value) FILTER (WHERE metric IN ('error_rate', 'mae')),
                      max(value) FILTER (WHERE metric IN ('reference_error_rate', 'reference_mae')),
                      max(value) FILTER (WHERE metric = 'drift_detected')
                 FROM mlmon.results_view WHERE model = %s AND "check" = 'concept_drift'
                GROUP BY time ORDER BY time""", (model,))
concept = cur.fetchall()
cur.execute("""SELECT time, max(value) FILTER (WHERE metric = 'estimated_accuracy'),
                      max(value) FILTER (WHERE metric = 'realized_accuracy')
                 FROM mlmon.results_view WHERE model = %s AND "check" = 'estimated_performance'
                GROUP BY time ORDER BY time""", (model,))
cbpe = cur.fetchall()

fig, ax = plt.subplots(3, 2, figsize=(14, 13))
times = [r[0] for r in perf]
ax[0, 0].plot(times, [r[1] for r in perf], marker="o", color="tab:blue")
cur.execute("SELECT (performance->>'accuracy')::float8 FROM mlmon.reference_windows WHERE model = %s", (model,))
ref_acc = cur.fetchone()[0]
if ref_acc is not None:
    ax[0, 0].axhline(ref_acc, color="gray", linestyle="--", label=f"reference {ref_acc:.3f}")
    ax[0, 0].axhline(ref_acc - 0.05, color="tab:red", linestyle=":", label="critical: 5 points below")
    ax[0, 0].legend()
ax[0, 0].set_title(f"{model}: accuracy over time")
ax[0, 0].set_ylim(0, 1.05)
for i, (name, color) in enumerate((("precision", "tab:green"), ("recall", "tab:orange"), ("F1", "tab:purple"))):
    ax[0, 1].plot(times, [r[2 + i] for r in perf], marker="o", label=name, color=color)
ax[0, 1].set_title("precision, recall and F1 (weighted) over time")
ax[0, 1].set_ylim(0, 1.05)
ax[0, 1].legend()
for a in (ax[0, 0], ax[0, 1]):
    a.tick_params(axis="x", labelrotation=30)
lo = [b[0] for b in ref_bins]
width = [b[1] - b[0] for b in ref_bins]
n_ref = sum(b[2] for b in ref_bins)
ax[1, 0].bar(lo, [b[2] / n_ref / w if w > 0 else 0 for b, w in zip(ref_bins, width)], width=width, align="edge",
             alpha=0.5, label="reference", color="tab:blue")
ax[1, 0].hist(current, bins=30, density=True, alpha=0.5, label="latest window", color="tab:red")
ax[1, 0].set_title(f"feature {feature}: reference vs current (drift statistic {stat:.3f})")
ax[1, 0].legend()
colors = {"performance_degradation": "tab:red", "data_drift": "tab:orange", "output_drift": "gold",
          "feature_drift": "tab:olive", "data_quality": "tab:gray", "concept_drift": "tab:purple",
          "anomalies": "tab:brown", "estimated_performance": "tab:cyan"}
ax[1, 1].barh([a[0] for a in alerts], [a[1] for a in alerts], color=[colors.get(a[0], "tab:blue") for a in alerts])
ax[1, 1].set_title("alerts by type (times raised or refreshed by a check)")
if concept:
    t = [r[0] for r in concept]
    ax[2, 0].plot(t, [r[1] for r in concept], marker="o", color="tab:red", label="error rate")
    ax[2, 0].plot(t, [r[2] for r in concept], linestyle="--", color="gray", label="reference")
    hits = [r for r in concept if r[3] == 1]
    ax[2, 0].scatter([r[0] for r in hits], [r[1] for r in hits], s=160, facecolors="none", edgecolors="black",
                     label="concept drift detected", zorder=3)
    ax[2, 0].legend()
ax[2, 0].set_title("concept drift: error rate against the reference")
if cbpe:
    t = [r[0] for r in cbpe]
    ax[2, 1].plot(t, [r[1] for r in cbpe], marker="o", color="tab:cyan", label="estimated (CBPE, before labels)")
    ax[2, 1].plot(t, [r[2] for r in cbpe], marker="s", color="tab:blue", label="realised (labels)")
    ax[2, 1].fill_between(t, [r[1] for r in cbpe], [r[2] if r[2] is not None else r[1] for r in cbpe],
                          color="tab:red", alpha=0.15, label="gap: the scores no longer mean what they did")
    ax[2, 1].legend(loc="lower left")
ax[2, 1].set_title("accuracy estimated from calibrated scores against realised")
ax[2, 1].set_ylim(0, 1.05)
for a in (ax[2, 0], ax[2, 1]):
    a.tick_params(axis="x", labelrotation=30)
fig.tight_layout()
fig.savefig(out, dpi=100)
print(f"dashboard written to {out}")
