#!/usr/bin/python3
"""mlmon.pca_fit, mlmon.reconstruction_error and mlmon.reconstruction_drift
(NannyML's data reconstruction drift) against scikit-learn: the reference
rows' missing values imputed with SimpleImputer(strategy="mean"), then
StandardScaler, then PCA(n_components=0.65), as NannyML's
DataReconstructionDriftCalculator fits them; each row's error is the
Euclidean norm of the standardized row minus pca.inverse_transform(
pca.transform(row)).  Checks the fitted numbers, per-row errors and the
window's mean error to 1e-9 relative, a parallel plan against a serial one
to 1e-12, a model built from scikit-learn's objects, and that a change of
the joint distribution with unchanged marginals raises the mean error.

Run against a server with mlmon installed (PGHOST etc. from the environment)."""
import json
import math
import os
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checker, connect, copy_rows  # noqa: E402

chk = Checker("multivariate drift")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(2017)
P = 8


def pg_array(row, nulls=()):
    """A float8[] literal: NaN as NaN, the positions in nulls as NULL."""
    out = []
    for j, v in enumerate(row):
        if j in nulls:
            out.append("NULL")
        elif math.isnan(v):
            out.append("NaN")
        else:
            out.append(repr(float(v)))
    return "{" + ",".join(out) + "}"


def make(n, load, offset):
    lat = rng.standard_normal((n, 3))
    return lat @ load + 0.4 * rng.standard_normal((n, P)) + offset


load = rng.standard_normal((3, P)) * rng.uniform(0.5, 3, P)
offset = rng.uniform(-50, 50, P)
ref = make(3000, load, offset)
cur_x = make(1000, load, offset)
# missing values: NaN in the data; in SQL half of them NULL elements, half NaN
for x in (ref, cur_x):
    x[rng.random(x.shape) < 0.03] = np.nan


def rows_of(x):
    rows = []
    for i, row in enumerate(x):
        miss = [j for j in range(P) if math.isnan(row[j])]
        rows.append((i, pg_array(row, nulls=miss[::2])))
    return rows


copy_rows(cur, "mv_ref", "id int, f float8[]", rows_of(ref), analyze=True)
copy_rows(cur, "mv_cur", "id int, f float8[]", rows_of(cur_x), analyze=True)


def sklearn_fit(x, variance=0.65):
    imp = SimpleImputer(strategy="mean").fit(x)
    sc = StandardScaler().fit(imp.transform(x))
    pca = PCA(n_components=variance).fit(sc.transform(imp.transform(x)))
    return imp, sc, pca


def sklearn_errors(fitted, x):
    imp, sc, pca = fitted
    z = sc.transform(imp.transform(x))
    return np.linalg.norm(z - pca.inverse_transform(pca.transform(z)), axis=1)


def compare_model(label, model, fitted, x):
    imp, sc, pca = fitted
    k = pca.n_components_
    chk.equal(f"{label}: n_components", model["n_components"], k)
    chk.equal(f"{label}: n_rows", model["n_rows"], len(x))
    chk.equal(f"{label}: values_imputed", model["values_imputed"], int(np.isnan(x).sum()))
    chk.equal(f"{label}: rows_incomplete", model["rows_incomplete"], int(np.isnan(x).any(axis=1).sum()))
    for j in range(P):
        chk.close(f"{label}: mean {j}:mean", model["mean"][j], imp.statistics_[j], 1e-12)
        chk.close(f"{label}: scale {j}:scale", model["scale"][j], sc.scale_[j], 1e-11)
    for i in range(min(k, len(model["explained_variance_ratio"]))):
        chk.close(f"{label}: ratio {i}:ratio", model["explained_variance_ratio"][i],
                  pca.explained_variance_ratio_[i], 1e-9)
        got = np.array(model["components"][i])
        want = pca.components_[i]
        got = got * np.sign(got @ want)       # up to sign: scikit-learn 1.2 flips by U, the core by V
        for j in range(P):
            chk.close(f"{label}: component {i},{j}:component", got[j], want[j], 1e-9, atol=1e-10)


# the fit, default variance and 0.9
cur.execute("SELECT mlmon.pca_fit(f), mlmon.pca_fit(f, 0.95) FROM mv_ref")
model, model90 = cur.fetchone()
fitted = sklearn_fit(ref)
compare_model("fit 0.65", model, fitted, ref)
compare_model("fit 0.95", model90, sklearn_fit(ref, 0.95), ref)
chk.equal("fit 0.95 keeps more components", model90["n_components"] > model["n_components"], True)

# per-row errors of the current rows, and of the reference rows
for table, x in (("mv_cur", cur_x), ("mv_ref", ref)):
    cur.execute(f"SELECT mlmon.reconstruction_error(%s, f) FROM {table} ORDER BY id", (json.dumps(model),))
    got = [r[0] for r in cur.fetchall()]
    want = sklearn_errors(fitted, x)
    for i in range(len(x)):
        chk.close(f"{table} row {i}:error", got[i], float(want[i]), 1e-9)

# the model read back from its text form gives the same errors, bit for bit
cur.execute("""SELECT count(*) FILTER (WHERE mlmon.reconstruction_error(m, f) IS DISTINCT FROM
                                              mlmon.reconstruction_error(m::text::jsonb, f))
                 FROM mv_cur, (SELECT mlmon.pca_fit(f) AS m FROM mv_ref) s""")
chk.equal("errors from the model's text form", cur.fetchone()[0], 0)

# the window's mean error: numpy's mean of scikit-learn's errors
QUERY = "SELECT (r).* FROM (SELECT mlmon.reconstruction_drift(f, %s) AS r FROM mv_cur) s"
cur.execute(QUERY, (json.dumps(model),))
mean_error, n_rows, imputed, invalid = cur.fetchone()
chk.close("window: mean_error:mean error", mean_error, float(np.mean(sklearn_errors(fitted, cur_x))), 1e-9)
chk.equal("window: n_rows", n_rows, len(cur_x))
chk.equal("window: rows_imputed", imputed, int(np.isnan(cur_x).any(axis=1).sum()))
chk.equal("window: rows_invalid", invalid, 0)

# a model made of scikit-learn's own fitted numbers (its pca.mean_ is not exactly 0)
imp, sc, pca = fitted
sk_model = {"version": 1, "n_features": P, "n_components": int(pca.n_components_),
            "mean": imp.statistics_.tolist(), "scale": sc.scale_.tolist(), "pca_mean": pca.mean_.tolist(),
            "components": pca.components_.tolist()}
cur.execute("SELECT mlmon.reconstruction_error(%s, f) FROM mv_cur ORDER BY id", (json.dumps(sk_model),))
got = [r[0] for r in cur.fetchall()]
want = sklearn_errors(fitted, cur_x)
for i in range(len(got)):
    chk.close(f"scikit-learn's model row {i}:error", got[i], float(want[i]), 1e-12)

# a parallel plan gives the same model and window result as a serial one
big_ref = make(40000, load, offset)
big_ref[rng.random(big_ref.shape) < 0.01] = np.nan
# a regular table: parallel workers cannot read a temporary one
copy_rows(cur, "mv_big_tmp", "id int, f float8[]", rows_of(big_ref))
cur.execute("DROP TABLE IF EXISTS mlmon_oracle_mv_big")
cur.execute("CREATE TABLE mlmon_oracle_mv_big AS SELECT * FROM mv_big_tmp")
cur.execute("ANALYZE mlmon_oracle_mv_big")
FIT = "SELECT mlmon.pca_fit(f) FROM mlmon_oracle_mv_big"
DRIFT = "SELECT (r).* FROM (SELECT mlmon.reconstruction_drift(f, %s) AS r FROM mlmon_oracle_mv_big) s"
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(FIT)
serial_model = cur.fetchone()[0]
cur.execute(DRIFT, (json.dumps(serial_model),))
serial_drift = cur.fetchone()
cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0")
for name, q, args in (("pca_fit", FIT, None), ("reconstruction_drift", DRIFT, (json.dumps(serial_model),))):
    cur.execute("EXPLAIN " + q, args)
    plan = "\n".join(r[0] for r in cur.fetchall())
    chk.equal(f"parallel plan of {name} has a Partial Aggregate", "Partial Aggregate" in plan, True)
cur.execute(FIT)
par_model = cur.fetchone()[0]
cur.execute(DRIFT, (json.dumps(serial_model),))
par_drift = cur.fetchone()
cur.execute("RESET ALL")
chk.equal("parallel fit: n_components", par_model["n_components"], serial_model["n_components"])
chk.equal("parallel fit: counts", [par_model[k] for k in ("n_rows", "values_imputed", "rows_incomplete")],
          [serial_model[k] for k in ("n_rows", "values_imputed", "rows_incomplete")])
for key in ("mean", "scale", "explained_variance_ratio"):
    for j, (a, b) in enumerate(zip(par_model[key], serial_model[key])):
        chk.close(f"parallel fit: {key} {j}:parallel", a, b, 1e-12)
for i, (ra, rb) in enumerate(zip(par_model["components"], serial_model["components"])):
    for j, (a, b) in enumerate(zip(ra, rb)):
        chk.close(f"parallel fit: component {i},{j}:parallel", a, b, 1e-12, atol=1e-13)
chk.close("parallel window: mean error:parallel", par_drift[0], serial_drift[0], 1e-12)
chk.equal("parallel window: counts", par_drift[1:], serial_drift[1:])
chk.close("big window: mean error:mean error", serial_drift[0],
          float(np.mean(sklearn_errors(sklearn_fit(big_ref), big_ref))), 1e-9)

# unchanged marginals, changed joint distribution: pairs of features correlated
# +0.9 in the reference and -0.9 in the current window (each feature stays N(0, 1))
def paired(n, rho):
    z = rng.standard_normal((n, 6))
    x = np.empty((n, 6))
    for a in range(0, 6, 2):
        x[:, a] = z[:, a]
        x[:, a + 1] = rho * z[:, a] + math.sqrt(1 - rho * rho) * z[:, a + 1]
    return x


copy_rows(cur, "mv_rot_ref", "id int, f float8[]", [(i, pg_array(r)) for i, r in enumerate(paired(3000, 0.9))])
copy_rows(cur, "mv_rot_same", "id int, f float8[]", [(i, pg_array(r)) for i, r in enumerate(paired(2000, 0.9))])
copy_rows(cur, "mv_rot_cur", "id int, f float8[]", [(i, pg_array(r)) for i, r in enumerate(paired(2000, -0.9))])
cur.execute("""SELECT (SELECT (mlmon.reconstruction_drift(f, m)).mean_error FROM mv_rot_same),
                      (SELECT (mlmon.reconstruction_drift(f, m)).mean_error FROM mv_rot_cur)
                 FROM (SELECT mlmon.pca_fit(f) AS m FROM mv_rot_ref) s""")
same, rotated = cur.fetchone()
chk.equal(f"rotated correlation: mean error {rotated:.3f} is over twice the unchanged one's {same:.3f}",
          rotated > 2 * same, True)
cur.execute("""SELECT max(abs(a.m - b.m)) FROM
                 (SELECT j, avg(f[j]) AS m FROM mv_rot_same, generate_series(1, 6) j GROUP BY j) a
                 JOIN (SELECT j, avg(f[j]) AS m FROM mv_rot_cur, generate_series(1, 6) j GROUP BY j) b USING (j)""")
chk.equal("rotated correlation: the marginal means agree within 0.15", cur.fetchone()[0] < 0.15, True)

cur.execute("DROP TABLE mlmon_oracle_mv_big")
for t in ("mv_ref", "mv_cur", "mv_big_tmp", "mv_rot_ref", "mv_rot_same", "mv_rot_cur"):
    cur.execute(f"DROP TABLE {t}")
sys.exit(chk.finish())
