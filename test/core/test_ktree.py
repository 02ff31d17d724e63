#!/usr/bin/python3
"""The kinetic prefix-maximum tree behind sliding-window KS (src/core/ktree.c):
test/core/check_ktree.c compares it with a brute-force scan after every
leaf update and move of t on random trees, built with AddressSanitizer and
UBSan (when gcc has them) and plainly.  MLM_KTREE_TREES sets the number of
random trees per build (default 3000)."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
trees = os.environ.get("MLM_KTREE_TREES", "3000")
out = tempfile.mkdtemp(prefix="mlmon-ktree-")
failed = False
try:
    builds = corelib.build_programs("check_ktree", [os.path.join(HERE, "check_ktree.c"), "ktree.c"], out)
    for (label, exe), seed in zip(builds, ("0x9E3779B97F4A7C15", "0x2545F4914F6CDD1D")):
        r = subprocess.run([exe, trees, seed], capture_output=True, text=True)
        print(f"{label}: {r.stdout.strip()}")
        if r.returncode != 0:
            print(r.stderr[-4000:])
            failed = True
finally:
    shutil.rmtree(out, True)
if failed:
    print("FAILED")
    sys.exit(1)
print("ok")
