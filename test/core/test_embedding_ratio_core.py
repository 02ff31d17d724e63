#!/usr/bin/python3
"""The ratio core without a server: the number of components whose normed
Wasserstein distance (scipy.stats.wasserstein_distance / max(numpy.std of
the reference, 0.001), Evidently's default component test) is >= the
threshold, from float and double rows held in column-major blocks (of
random sizes, partly filled blocks included, as combined parallel states
leave them), against a per-component loop here; and the float radix sort
against numpy.sort; the lanes (wasserstein_lanes.h) bit for bit against the
one-component W1 and std."""
import ctypes
import os
import sys

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

DP = ctypes.POINTER(ctypes.c_double)


class Blocks(ctypes.Structure):
    _fields_ = [("block", ctypes.POINTER(ctypes.c_void_p)), ("fill", ctypes.POINTER(ctypes.c_int32)),
                ("nblocks", ctypes.c_int64), ("block_rows", ctypes.c_int64), ("n", ctypes.c_int64)]


fn = corelib.fn("mlm_emb_ratio_drifted", ctypes.c_int64, ctypes.POINTER(Blocks), ctypes.POINTER(Blocks),
                ctypes.c_int64, ctypes.c_int, ctypes.c_double, DP, ctypes.c_void_p)
scratch_doubles = corelib.fn("mlm_emb_ratio_scratch_doubles", ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
sortf = corelib.fn("mlm_sort_floats", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
failures, n = [], 0


def normed(a, b):
    return stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)


def blocks(rows, rng):
    """rows (n x d) in column-major blocks of block_rows rows, cut at random fills."""
    n, d = rows.shape
    br = int(rng.choice([1, 2, 4, 16, 64]))
    arrays, fills, i = [], [], 0
    while i < n:
        f = int(rng.integers(1, br + 1)) if rng.random() < 0.3 else br
        f = min(f, n - i)
        blk = np.full((d, br), np.nan, dtype=rows.dtype)  # the unused tail is never read
        blk[:, :f] = rows[i:i + f].T
        arrays.append(np.ascontiguousarray(blk))
        fills.append(f)
        i += f
    ptrs = (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])
    fa = (ctypes.c_int32 * len(fills))(*fills)
    return Blocks(ptrs, fa, len(arrays), br, n), (arrays, ptrs, fa)


rng = np.random.default_rng(3)
for trial in range(30):
    m = int(rng.choice([0, 1, 5, 63, 64, 65, 1000, 5000]))
    x = rng.normal(size=m).astype(np.float32) * np.float32(10.0 ** rng.integers(-30, 30))
    if trial % 3 == 0:
        x = np.round(x, 1)
        x[: m // 2] = -0.0
    a = np.ascontiguousarray(x.copy())
    tmp = np.empty_like(a)
    r = sortf(a.ctypes.data, tmp.ctypes.data, m) if m else None
    got = np.frombuffer((ctypes.c_float * m).from_address(r), dtype=np.float32) if m else a
    n += 1
    if not np.array_equal(got, np.sort(x)):
        failures.append(f"mlm_sort_floats trial {trial} n={m}")
for trial in range(40):
    n_ref, n_cur, d = int(rng.integers(1, 300)), int(rng.integers(1, 300)), int(rng.integers(1, 40))
    ref = rng.normal(size=(n_ref, d))
    cur = rng.normal(size=(n_cur, d)) + rng.choice([0.0, 0.05, 0.3], size=d)
    if trial % 4 == 0:
        ref[:, 0] = 1.0           # constant component: the std floor 0.001
        cur = np.round(cur, 1)    # ties
    thr = [0.1, 0.05, 0.2][trial % 3]
    for dtype, size in ((np.float64, 8), (np.float32, 4)):
        r = np.ascontiguousarray(ref, dtype=dtype)
        c = np.ascontiguousarray(cur, dtype=dtype)
        r64, c64 = r.astype(np.float64), c.astype(np.float64)
        want = sum(1 for j in range(d) if normed(r64[:, j], c64[:, j]) >= thr)
        scratch = (ctypes.c_double * scratch_doubles(n_ref, n_cur))()
        br, keep_r = blocks(r, rng)
        bc, keep_c = blocks(c, rng)
        got = fn(ctypes.byref(br), ctypes.byref(bc), d, size, thr, scratch, None)
        n += 1
        if got != want:
            failures.append(f"trial {trial} {dtype.__name__} n={n_ref},{n_cur} d={d}: got {got} want {want}")

# mlm_wasserstein's path for two raw samples is bit-identical to its generic
# path (taken for the same values as distinct values with counts)
class WS(ctypes.Structure):
    _fields_ = [("v", DP), ("w", ctypes.POINTER(ctypes.c_int64)), ("cum", ctypes.POINTER(ctypes.c_int64)),
                ("m", ctypes.c_int64), ("n", ctypes.c_int64)]


ws_array = corelib.fn("mlm_ws_array", WS, DP, ctypes.c_int64)
ws_counted = corelib.fn("mlm_ws_counted", WS, DP, ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64),
                        ctypes.c_int64)
w1 = corelib.fn("mlm_wasserstein", ctypes.c_double, ctypes.POINTER(WS), ctypes.POINTER(WS))
for trial in range(60):
    xs = []
    for _ in range(2):
        m = int(rng.integers(1, 400))
        x = rng.normal(size=m) * 10.0 ** float(rng.integers(-5, 5))
        if trial % 2:
            x = np.round(x, 1)
        if trial % 5 == 0:
            x[: m // 3] = -0.0
        xs.append(np.sort(x))
    keep, raw, cnt = [], [], []
    for x in xs:
        a = np.ascontiguousarray(x)
        vals, counts = np.unique(x, return_counts=True)
        vals, counts = np.ascontiguousarray(vals), np.ascontiguousarray(counts, dtype=np.int64)
        cum = np.zeros(len(vals), dtype=np.int64)
        keep += [a, vals, counts, cum]
        raw.append(ws_array(a.ctypes.data_as(DP), len(a)))
        cnt.append(ws_counted(vals.ctypes.data_as(DP), counts.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
                              cum.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), len(vals)))
    got, want = w1(ctypes.byref(raw[0]), ctypes.byref(raw[1])), w1(ctypes.byref(cnt[0]), ctypes.byref(cnt[1]))
    n += 1
    if got != want:
        failures.append(f"wasserstein raw path trial {trial}: {got!r} != generic {want!r}")

# the lanes (several components walked together) are bit-identical to the
# one-sample W1 and std on each lane: ties, runs mixing -0.0 and 0.0, one value
w1_sorted = corelib.fn("mlm_wasserstein_sorted", ctypes.c_double, DP, ctypes.c_int64, DP, ctypes.c_int64, DP, DP)
std_pop = corelib.fn("mlm_std_population", ctypes.c_double, ctypes.POINTER(WS))
w1_lanes = corelib.fn("mlm_wasserstein_sorted_lanes", None, ctypes.POINTER(DP), ctypes.c_int64,
                      ctypes.POINTER(DP), ctypes.c_int64, DP, DP, ctypes.c_int, DP)
std_lanes = corelib.fn("mlm_std_population_sorted_lanes", None, ctypes.POINTER(DP), ctypes.c_int64, ctypes.c_int, DP)
for trial in range(200):
    na, nb = int(rng.choice([1, 2, 3, 50, 777])), int(rng.choice([1, 2, 5, 64, 1000]))
    lanes = int(rng.integers(1, 5))
    keep, pa, pb = [], [], []
    for _ in range(lanes):
        xs = []
        for m in (na, nb):
            x = rng.normal(size=m) * 10.0 ** float(rng.integers(-8, 8)) + float(rng.choice([0.0, 0.5]))
            kind = trial % 4
            if kind == 1:
                x = np.round(x, 0)
            elif kind == 2:
                x[rng.random(m) < 0.4] = 0.0
                x[rng.random(m) < 0.4] = -0.0
            elif kind == 3:
                x = x.astype(np.float32).astype(np.float64)
            xs.append(np.ascontiguousarray(np.append(np.sort(x), np.inf)))
        keep += xs
        pa.append(xs[0].ctypes.data_as(DP))
        pb.append(xs[1].ctypes.data_as(DP))
    qa = np.ascontiguousarray(np.arange(na + 1) / float(na))
    qb = np.ascontiguousarray(np.arange(nb + 1) / float(nb))
    out_w, out_s = (ctypes.c_double * 4)(), (ctypes.c_double * 4)()
    w1_lanes((DP * lanes)(*pa), na, (DP * lanes)(*pb), nb, qa.ctypes.data_as(DP), qb.ctypes.data_as(DP),
             lanes, out_w)
    std_lanes((DP * lanes)(*pa), na, lanes, out_s)
    for lane in range(lanes):
        want_w = w1_sorted(pa[lane], na, pb[lane], nb, qa.ctypes.data_as(DP), qb.ctypes.data_as(DP))
        u = ws_array(pa[lane], na)
        want_s = std_pop(ctypes.byref(u))
        n += 1
        if np.float64(out_w[lane]).tobytes() != np.float64(want_w).tobytes() or \
                np.float64(out_s[lane]).tobytes() != np.float64(want_s).tobytes():
            failures.append(f"lanes trial {trial} lane {lane}/{lanes} na={na} nb={nb}: w1 {out_w[lane]!r} "
                            f"vs {want_w!r}, std {out_s[lane]!r} vs {want_s!r}")

for f in failures:
    print("FAIL", f)
print(f"test_embedding_ratio_core: {n - len(failures)}/{n} passed")
sys.exit(1 if failures else 0)
