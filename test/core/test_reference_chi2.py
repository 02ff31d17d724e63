#!/usr/bin/python3
"""The chi-square survival function cases of test/data/scipy_cases.json
(SciPy 1.10.1 values computed outside mlmon) through the core's
mlm_chi2_sf, at 1e-13 relative (exact 0 where SciPy underflows)."""
import ctypes
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

chi2_sf = corelib.fn("mlm_chi2_sf", ctypes.c_double, ctypes.c_double, ctypes.c_double)
cases = json.load(open(os.path.join(corelib.ROOT, "test", "data", "scipy_cases.json")))["cases"]
failures = 0
n = 0
worst = 0.0
for c in cases:
    if not c["function"].startswith("scipy.stats.chi2.sf"):
        continue
    x, df = c["inputs"]["x"], c["inputs"]["df"]
    want = float(c["outputs_repr17"]["sf"])
    got = chi2_sf(x, df)
    n += 1
    rel = abs(got - want) / want if want else abs(got)
    worst = max(worst, rel)
    if rel > 1e-13:
        failures += 1
        print(f"FAIL {c['id']}: chi2_sf({x}, {df}) = {got!r}, SciPy {want!r}, rel {rel:.3g}")
print(f"chi2.sf reference cases: {n - failures}/{n} within 1e-13 (max relative difference {worst:.3g})")
sys.exit(1 if failures or n == 0 else 0)
