#!/usr/bin/python3
"""Load: pgbench with 8 clients logs predictions for 60 seconds (override
with MLMON_LOAD_SECONDS) while another session runs the model's checks every
3 seconds.  No insert fails, no check fails, and the log holds exactly the
rows pgbench saw acknowledged."""
import os
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))
from common import Checker  # noqa: E402
from opslib import connect, set_up_model  # noqa: E402

SECONDS = int(os.environ.get("MLMON_LOAD_SECONDS", "60"))
chk = Checker("load")
cur = connect().cursor()
set_up_model(cur, "load")
cur.execute("DELETE FROM mlmon.predictions WHERE model = 'load' AND request_id LIKE 'pgb-%'")

stop = threading.Event()
check_errors, checks_run = [], [0]


def checker():
    c = connect().cursor()
    while not stop.is_set():
        try:
            c.execute("SELECT mlmon.run_checks('load', interval '5 seconds')")
            checks_run[0] += 1
        except Exception as e:     # noqa: BLE001 - every failure is a finding
            check_errors.append(str(e))
        stop.wait(3)


t = threading.Thread(target=checker)
t.start()
with tempfile.TemporaryDirectory() as d:
    script = os.path.join(d, "log.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO mlmon.predictions (model, request_id, features, predicted_label, score, latency_ms) "
                "VALUES ('load', 'pgb-' || :client_id || '-' || random(), "
                "jsonb_build_object('a', random() * 3, 'b', random()), '1', random(), random() * 50);\n")
    r = subprocess.run(["pgbench", "-n", "-c", "8", "-j", "2", "-T", str(SECONDS), "-f", script,
                        os.environ.get("PGDATABASE", "postgres")], capture_output=True, text=True)
stop.set()
t.join()
out = r.stdout + r.stderr
processed = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
failed = re.search(r"number of failed transactions: (\d+)", out)
chk.equal("pgbench exit status", r.returncode, 0)
chk.equal("failed inserts", int(failed.group(1)) if failed else 0, 0)
cur.execute("SELECT count(*) FROM mlmon.predictions WHERE model = 'load' AND request_id LIKE 'pgb-%'")
rows = cur.fetchone()[0]
chk.equal("rows in the log = inserts acknowledged", rows, processed)
chk.equal("check errors", check_errors, [])
chk.equal("checks ran every few seconds", checks_run[0] >= SECONDS // 10, True)
cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'load' AND status = 'open' GROUP BY type, coalesce(feature, '') HAVING count(*) > 1")
chk.equal("no duplicate open alerts", cur.fetchall(), [])
print(f"  {processed} inserts in {SECONDS} s ({processed / SECONDS:.0f}/s) by 8 clients, {checks_run[0]} checks meanwhile")
chk.finish()
