"""Shared helpers of the oracle tests: they run mlmon's SQL functions on a
live server (PGHOST/PGPORT/PGUSER/PGDATABASE from the environment, set by
scripts/test) and compare with SciPy / NumPy computed here, in Python."""
import io
import math
import os
import sys

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")

STAT_RTOL = 1e-12   # statistics
P_RTOL = 1e-9       # p-values
P_ATOL = 1e-300


def connect():
    conn = psycopg2.connect("")
    conn.autocommit = True
    return conn


def has_partial(cur, sql):
    """Whether the plan of sql has a Partial Aggregate (a parallel or partitionwise plan)."""
    cur.execute("EXPLAIN " + sql)
    return any("Partial Aggregate" in r[0] for r in cur.fetchall())


def is_parallel(cur, sql):
    """Whether the plan of sql uses parallel workers at all (a Gather or a Partial Aggregate)."""
    cur.execute("EXPLAIN " + sql)
    return any("Gather" in r[0] or "Partial Aggregate" in r[0] for r in cur.fetchall())


def plan_cost(cur, sql):
    """The planner's total cost of sql."""
    cur.execute("EXPLAIN (FORMAT JSON) " + sql)
    return cur.fetchone()[0][0]["Plan"]["Total Cost"]


class cheap_combine:
    """Lower a combine function's declared cost inside a with block and
    restore it after, so that a test can have the planner choose a parallel
    plan for an aggregate whose combine is declared dear (the embedding
    aggregates whose partial states hold rows: a parallel plan is slower
    than the serial one for them, so they steer the planner away)."""

    def __init__(self, cur, regprocedure):
        self.cur, self.proc = cur, regprocedure

    def __enter__(self):
        self.cur.execute("SELECT procost FROM pg_proc WHERE oid = %s::regprocedure", (self.proc,))
        self.cost = self.cur.fetchone()[0]
        self.cur.execute(f"ALTER FUNCTION {self.proc} COST 1")
        return self

    def __exit__(self, *exc):
        self.cur.execute(f"ALTER FUNCTION {self.proc} COST {self.cost}")
        return False


def sample_parallel_run(cur, chk, serial_sql, merge, q):
    """The plans of an aggregate over the embedding sample (embedding_mmd,
    embedding_model), with parallel plans costing no setup: its combine is
    declared dear (a parallel plan ships every worker's sample and is no
    faster), so serial_sql plans serially, at the default parallel_tuple_cost
    (with rows shipped for free a Gather of the raw rows would look as cheap as
    the serial scan); merging stored samples with `merge` is costed as cheap (a
    dear transition would make the planner JIT-compile a two-row query); with
    the combine's cost lowered, q gets a Partial Aggregate.  Returns q's row
    from that parallel plan."""
    cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; "
                "SET min_parallel_table_scan_size = 0")
    chk.equal("serial plan when parallel plans cost no setup", is_parallel(cur, serial_sql), False)
    cur.execute("SET parallel_tuple_cost = 0")
    chk.equal("merging stored samples is costed as cheap",
              plan_cost(cur, f"SELECT {merge}(s) FROM (VALUES (NULL::float8[]), (NULL)) v(s)") < 1000, True)
    with cheap_combine(cur, "mlmon._embedding_sample_combine(float8[], float8[])"):
        chk.equal("parallel plan has a Partial Aggregate", has_partial(cur, q), True)
        cur.execute(q)
        par = cur.fetchone()
    cur.execute("RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; "
                "RESET min_parallel_table_scan_size")
    return par


def read_floats(name):
    with open(os.path.join(DATA, name)) as f:
        return [float(line) for line in f if line.strip()]


def load_samples(cur, table, rows, value_type="float8"):
    """Create temp table `table`(grp int, value <type>, is_current bool) and
    COPY rows (grp, value, is_current) into it.  Floats are written with
    repr(), which round-trips float64 exactly."""
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE TEMP TABLE {table} (grp int, value {value_type}, is_current boolean)")
    buf = io.StringIO()
    for g, v, c in rows:
        if v is None:
            vs = "\\N"
        elif isinstance(v, float):
            vs = repr(v) if math.isfinite(v) else ("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))
        else:
            vs = str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        buf.write(f"{g}\t{vs}\t{'t' if c else 'f'}\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} FROM STDIN", buf)
    cur.execute(f"ANALYZE {table}")


def copy_rows(cur, table, columns, rows, analyze=False):
    """Temp table `table`(columns) holding rows, by COPY (None: NULL; floats
    by repr(), which round-trips float64 exactly; other values as str())."""
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE TEMP TABLE {table} ({columns})")
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join("\\N" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in r) + "\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} FROM STDIN", buf)
    if analyze:
        cur.execute(f"ANALYZE {table}")


def two_sample_rows(grp, ref, cur_):
    return [(grp, float(v), False) for v in ref] + [(grp, float(v), True) for v in cur_]


class Checker:
    """Collects comparisons; prints failures and a summary; exit code."""

    def __init__(self, name):
        self.name = name
        self.n = 0
        self.failures = []
        self.maxrel = {}

    def close(self, label, got, want, rtol, atol=0.0):
        self.n += 1
        ok = False
        if got is None or want is None:
            ok = got is None and want is None
        elif isinstance(want, float) and math.isnan(want):
            ok = isinstance(got, float) and math.isnan(got)
        elif isinstance(want, float) and math.isinf(want):
            ok = got == want
        else:
            err = abs(got - want)
            rel = err / abs(want) if want != 0 else (0.0 if err == 0 else math.inf)
            kind = label.split(":")[-1]
            if err > atol:
                self.maxrel[kind] = max(self.maxrel.get(kind, 0.0), rel)
            ok = err <= atol or rel <= rtol
        if not ok:
            self.failures.append(f"{label}: got {got!r}, want {want!r}")
        return ok

    def equal(self, label, got, want):
        self.n += 1
        if got != want:
            self.failures.append(f"{label}: got {got!r}, want {want!r}")
            return False
        return True

    def finish(self):
        for f in self.failures[:50]:
            print("FAIL", f)
        if len(self.failures) > 50:
            print(f"... and {len(self.failures) - 50} more failures")
        for k in sorted(self.maxrel):
            print(f"  max relative difference {k}: {self.maxrel[k]:.3g}")
        print(f"{self.name}: {self.n - len(self.failures)}/{self.n} comparisons passed")
        sys.exit(1 if self.failures else 0)
