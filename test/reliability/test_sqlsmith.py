#!/usr/bin/python3
"""Random SQL: SQLsmith 1.4 (Debian's) sends 10,000 random queries
(MLMON_SQLSMITH_QUERIES to change; MLMON_SQLSMITH_SEED for another
campaign) as a non-superuser role with mlmon's reader privileges to a
database with mlmon and monitored data, each under a 1-second statement
timeout.  The campaign must complete, the server must stay up, and no
error SQLSMITH provokes may be an internal one from mlmon's C code.
(scripts/test also fails if the server log shows a backend ended by a
signal.)"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))
from common import Checker  # noqa: E402
from opslib import connect, set_up_model  # noqa: E402

N = int(os.environ.get("MLMON_SQLSMITH_QUERIES", "10000"))
SEED = os.environ.get("MLMON_SQLSMITH_SEED", "20261127")
chk = Checker("SQLsmith")
cur = connect().cursor()
cur.execute("SELECT count(*) FROM mlmon.models WHERE name = 'smith'")
if cur.fetchone()[0] == 0:
    now, _ = set_up_model(cur, "smith")
    cur.execute("SELECT mlmon.run_checks('smith', %s - interval '1 hour', %s)", (now, now))
cur.execute("DROP ROLE IF EXISTS mlmon_smith")
cur.execute("CREATE ROLE mlmon_smith LOGIN")
cur.execute("SELECT mlmon.grant_reader('mlmon_smith')")
target = (f"host={os.environ['PGHOST']} port={os.environ['PGPORT']} user=mlmon_smith "
          f"dbname={os.environ['PGDATABASE']}")
env = dict(os.environ, PGOPTIONS="-c statement_timeout=1000")
r = subprocess.run(["sqlsmith", f"--target={target}", f"--max-queries={N}", f"--seed={SEED}", "--verbose"],
                   capture_output=True, text=True, env=env)
out = r.stdout + r.stderr
done = re.findall(r"^queries: (\d+)", out, re.M)
chk.equal("the campaign completed", int(done[-1]) if done else 0, N)
chk.equal("sqlsmith exit status", r.returncode, 0)
cur = connect().cursor()
cur.execute("SELECT 1")
chk.equal("the server is up", cur.fetchone()[0], 1)
errors = re.findall(r"^\d+\s+ERROR:\s+(.*)$", out, re.M)
# mlmon's internal errors are its elog(ERROR, ...) calls (ereport is for users): their fixed prefixes
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
prefixes = set()
for name in os.listdir(src):
    if name.endswith(".c"):
        for m in re.finditer(r'elog\(ERROR,\s*"([^"%]+)', open(os.path.join(src, name)).read()):
            prefixes.add(m.group(1))
chk.equal("elog messages found in src/", len(prefixes) > 10, True)
internal = sorted({e for e in errors if any(e.startswith(p) for p in prefixes)})
chk.equal("no internal error from mlmon", internal, [])
mlmon_errors = sorted({e for e in errors if "mlmon" in e})
print(f"  {N} queries, {len(set(errors))} distinct error messages, of which naming mlmon: {len(mlmon_errors)}")
for e in mlmon_errors[:10]:
    print(f"    {e[:110]}")
cur.execute("DROP OWNED BY mlmon_smith")
cur.execute("DROP ROLE mlmon_smith")
chk.finish()
