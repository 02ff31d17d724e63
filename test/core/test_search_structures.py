#!/usr/bin/python3
"""The search structures behind values-against-a-profile aggregates, each
checked by a C program against a brute-force answer, built with
AddressSanitizer and UBSan (when gcc has them) and plainly:
- test/core/check_ktree.c: the kinetic prefix-maximum tree of sliding-window
  KS (src/core/ktree.c) after every leaf update and move of t, on random
  trees;
- test/core/check_grid_index.c: the bucket index that finds a value's cell
  in the reference grid (src/core/grid_index.c), on random grids;
- test/core/check_detectors.c: the streaming drift detectors
  (src/core/detectors.h) on random streams with random parameters: ADWIN's
  histogram against a recount, KSWIN's window, statistics in range.
MLM_CHECK_CASES sets the number of random trees and grids per build
(default 3000)."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
cases = os.environ.get("MLM_CHECK_CASES", "3000")
out = tempfile.mkdtemp(prefix="mlmon-check-")
failed = False
try:
    for prog, core in (("check_ktree", ["ktree.c"]), ("check_grid_index", ["grid_index.c"]),
                       ("check_detectors", ["page_hinkley.c", "ddm.c", "eddm.c", "adwin.c", "kswin.c", "ks.c",
                                            "ks_exact.c", "kolmogorov.c", "env.c", "gamma.c", "normal.c", "sort.c", "summation.c", "wsample.c"])):
        builds = corelib.build_programs(prog, [os.path.join(HERE, prog + ".c")] + core, out)
        for (label, exe), seed in zip(builds, ("0x9E3779B97F4A7C15", "0x2545F4914F6CDD1D")):
            r = subprocess.run([exe, cases, seed], capture_output=True, text=True)
            print(f"{prog} ({label}): {r.stdout.strip()}")
            if r.returncode != 0:
                print(r.stderr[-4000:])
                failed = True
finally:
    shutil.rmtree(out, True)
if failed:
    print("FAILED")
    sys.exit(1)
print("ok")
