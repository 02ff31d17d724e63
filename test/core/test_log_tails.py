#!/usr/bin/python3
"""The log tails of the numerics core (mlm_*_log*) against mpmath at 60
digits (test/oracle/logp_ref.py), without a server: regions the SQL oracle
test cannot reach cheaply (Temme's band of the incomplete gamma at a >= 1e4,
SciPy's smirnov approximation for n > 1e6, |z| up to 1e6, chi-square
statistics up to 1e8), 1e-9 relative, and ln(p) to 1e-12 where p > 1e-300."""
import ctypes
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import corelib  # noqa: E402
import logp_ref as R  # noqa: E402
from mpmath import mp, mpf  # noqa: E402

D, I64 = ctypes.c_double, ctypes.c_int64
norm_p = corelib.fn("mlm_norm_two_sided_p", D, D)
norm_logp = corelib.fn("mlm_norm_two_sided_logp", D, D)
chi2_sf = corelib.fn("mlm_chi2_sf", D, D, D)
chi2_logsf = corelib.fn("mlm_chi2_logsf", D, D, D)
smirnov_sf = corelib.fn("mlm_smirnov_sf", D, I64, D)
smirnov_logsf = corelib.fn("mlm_smirnov_logsf", D, I64, D)
kstwo_sf = corelib.fn("mlm_kstwo_sf", D, D, I64)
kstwo_logsf = corelib.fn("mlm_kstwo_logsf", D, D, I64)

failures = []
worst = {}


def check(label, got, want, p):
    kind = label.split(" ")[0]
    if want == mpf("-inf"):
        ok = got == -math.inf
        rel = 0.0 if ok else math.inf
    else:
        rel = float(abs((mpf(got) - want) / want)) if want != 0 else abs(got)
        if abs(got - float(want)) <= 1e-300:     # a log below 1e-300 in size rounds to 0
            rel = 0.0
        ok = rel <= 1e-9
    worst[kind] = max(worst.get(kind, 0.0), rel)
    if not ok:
        failures.append(f"{label}: got {got!r}, want {mp.nstr(want, 20)} (rel {rel:.3g})")
    if p > 1e-300 and not (abs(got - math.log(p)) <= 1e-12 * abs(math.log(p)) + 1e-16):
        failures.append(f"{label}: log_p {got!r} != ln(p) {math.log(p)!r}")


for z in [0.0, 1e-9, 0.3, 1.0, 5.0, 20.0, 37.0, 37.5, 38.0, 40.0, 55.5, 100.0, 1e3, 1e4, 1e6, -45.0, math.inf]:
    check(f"normal z={z}", norm_logp(z), R.log_norm_two_sided(z) if math.isfinite(z) else mpf("-inf"), norm_p(z))

for x, k in [(1e-6, 3), (0.5, 299), (10.0, 3), (1500.0, 2), (1e5, 1), (1e5, 10), (1e5, 1e4), (2e5, 1.5e5),
             (1.2e5, 1e5), (1.24e5, 1e5), (6.1e4, 5e4), (2.6e5, 2e5), (1e6, 1), (1e8, 1999), (3e5, 1999),
             (9e4, 1e5), (4e5, 3e5)]:
    check(f"chi2 x={x} k={k}", chi2_logsf(x, k), R.log_chi2_sf(x, k), chi2_sf(x, k))

for n, x in [(1000, 0.5), (1000, 0.9), (5000, 0.3), (100, 0.99), (200, 0.4), (3, 0.9), (10, 0.95),
             (50000, 0.2), (2000000, 0.02), (5000000, 0.1)]:
    if n > 1000000:
        y = 6 * mpf(n) * mpf(x) + 1          # SciPy's approximation there, the quantity mlmon reproduces
        want = -y * y / 18 / n
    else:
        want = R.log_smirnov(n, x)
    check(f"smirnov n={n} x={x}", smirnov_logsf(n, x), want, smirnov_sf(n, x))
    if n <= 1000000:
        kw = R.log_kstwo_tail(n, x)
        if kw is not None:
            check(f"kstwo n={n} x={x}", kstwo_logsf(x, n), kw, kstwo_sf(x, n))
check("kstwo n=1000 d=1", kstwo_logsf(1.0, 1000), mpf("-inf"), 0.0)
check("kstwo n=1000 d=0.9995", kstwo_logsf(0.9995, 1000), R.log_kstwo_tail(1000, 0.9995), kstwo_sf(0.9995, 1000))

for f in failures:
    print("FAIL", f)
for k in sorted(worst):
    print(f"  max relative difference of the log {k}: {worst[k]:.3g}")
print(f"test_log_tails: {'FAILED' if failures else 'ok'}")
sys.exit(1 if failures else 0)
