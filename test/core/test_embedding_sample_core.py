#!/usr/bin/python3
"""The embedding sample core (src/core/embedding_sample.c) without a server,
against a re-implementation here of the key, THE ORDER and the bottom-k
sample as src/core/embedding_sample.h documents them: the sample does not
depend on the order the rows arrive in, nor on how they are split into parts
that are merged (merge = one pass), float4 rows key as their widened
doubles, -0.0 as +0.0."""
import ctypes
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corelib  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from domain_classifier_ref import row_key as py_key  # noqa: E402  (THE KEY, from the header's definition)

DP = ctypes.POINTER(ctypes.c_double)
FP = ctypes.POINTER(ctypes.c_float)
I64P = ctypes.POINTER(ctypes.c_int64)
key_fn = corelib.fn("mlm_es_key", ctypes.c_uint64, DP, ctypes.c_int64, ctypes.c_uint64)
key_f4 = corelib.fn("mlm_es_key_f4", ctypes.c_uint64, FP, ctypes.c_int64, ctypes.c_uint64)
fill = corelib.fn("mlm_es_slot_fill", None, DP, ctypes.c_uint64, DP, ctypes.c_int64)
may_enter = corelib.fn("mlm_es_may_enter", ctypes.c_int, DP, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint64)
offer = corelib.fn("mlm_es_offer", ctypes.c_int, DP, I64P, ctypes.c_int64, ctypes.c_int64, DP)
merge = corelib.fn("mlm_es_merge", None, DP, I64P, ctypes.c_int64, ctypes.c_int64, DP, ctypes.c_int64, DP)
order_fn = corelib.fn("mlm_es_order", None, DP, ctypes.c_int64, ctypes.c_int64, I64P)

M64 = (1 << 64) - 1
failures = []
checks = 0


def check(label, ok):
    global checks
    checks += 1
    if not ok:
        failures.append(label)


def py_sample(rows, k, seed):
    """THE SAMPLE: the k first rows in THE ORDER (key, then components)."""
    keyed = sorted((py_key(r, seed), tuple(float(x) + 0.0 for x in r)) for r in rows)
    return keyed[:k]


class Side:
    """A side as the glue keeps it: slots of d + 2 doubles, room for k."""

    def __init__(self, k, d):
        self.k, self.d = k, d
        self.slots = np.zeros((max(k, 1), d + 2))
        self.size = ctypes.c_int64(0)
        self.cand = np.zeros(d + 2)
        self.entered = 0

    def add(self, row, seed):
        x = np.ascontiguousarray(row, dtype=np.float64)
        key = key_fn(x.ctypes.data_as(DP), self.d, seed)
        sp = self.slots.ctypes.data_as(DP)
        if not may_enter(sp, self.size.value, self.k, key):
            return
        fill(self.cand.ctypes.data_as(DP), key, x.ctypes.data_as(DP), self.d)
        self.entered += offer(sp, ctypes.byref(self.size), self.k, self.d, self.cand.ctypes.data_as(DP))

    def merge(self, other):
        tmp = np.zeros(self.d + 2)
        merge(self.slots.ctypes.data_as(DP), ctypes.byref(self.size), self.k, self.d,
              other.slots.ctypes.data_as(DP), other.size.value, tmp.ctypes.data_as(DP))

    def ordered(self):
        n = self.size.value
        order = np.zeros(max(n, 1), dtype=np.int64)
        order_fn(self.slots.ctypes.data_as(DP), n, self.d, order.ctypes.data_as(I64P))
        out = []
        for i in order[:n]:
            s = self.slots[i]
            out.append(((int(s[0]) << 32) | int(s[1]), tuple(s[2:])))
        return out


rng = np.random.default_rng(1719)

# the key, against the definition, float8 and float4 forms, both zeros
for trial in range(300):
    d = int(rng.integers(1, 40))
    row = rng.normal(size=d) * 10.0 ** rng.uniform(-5, 5)
    if trial % 7 == 0:
        row[rng.integers(0, d)] = -0.0
    seed = int(trial % 2)
    x = np.ascontiguousarray(row)
    check(f"key d={d}", key_fn(x.ctypes.data_as(DP), d, seed) == py_key(row, seed))
    r4 = np.ascontiguousarray(row, dtype=np.float32)
    check(f"key f4 d={d}", key_f4(r4.ctypes.data_as(FP), d, seed) == py_key(r4.astype(np.float64), seed))
z = np.array([0.0, -0.0, 1.5])
check("-0.0 keys as +0.0", key_fn(z.ctypes.data_as(DP), 3, 0) == key_fn(np.array([0.0, 0.0, 1.5]).ctypes.data_as(DP), 3, 0))
check("the sides' seeds differ", key_fn(z.ctypes.data_as(DP), 3, 0) != key_fn(z.ctypes.data_as(DP), 3, 1))


def rows_case(n, d, dup):
    rows = rng.normal(size=(n, d))
    if dup:
        # copies of a few rows, and ties in the leading components
        rows[rng.integers(0, n, size=n // 3)] = rows[0]
        rows[: n // 4, 0] = 0.25
        rows[1, :] = -0.0
        rows[2, :] = 0.0
    return rows


cases = [(50, 3, 10, False), (50, 3, 10, True), (200, 8, 37, True), (30, 5, 30, False), (30, 5, 100, True),
         (1000, 2, 64, False), (500, 1, 20, True), (5, 4, 1, True), (300, 6, 2, False)]
for n, d, k, dup in cases:
    rows = rows_case(n, d, dup)
    for seed in (0, 1):
        want = py_sample(rows, k, seed)
        got = []
        for perm in range(3):
            side = Side(k, d)
            for i in rng.permutation(n):
                side.add(rows[i], seed)
            got.append(side.ordered())
        for p, g in enumerate(got):
            check(f"single pass n={n} d={d} k={k} dup={dup} seed={seed} order #{p}", g == want)
        # split into parts, each sampled, then merged in some order: the same sample
        for parts in (2, 3, 7):
            cut = np.sort(rng.choice(np.arange(1, n), size=min(parts - 1, n - 1), replace=False)) if n > 1 else []
            pieces = np.split(rng.permutation(n), cut)
            sides = []
            for piece in pieces:
                s = Side(k, d)
                for i in piece:
                    s.add(rows[i], seed)
                sides.append(s)
            acc = Side(k, d)
            for j in rng.permutation(len(sides)):
                acc.merge(sides[j])
            check(f"merged {parts} parts n={n} d={d} k={k} dup={dup} seed={seed}", acc.ordered() == want)

# a row's cost: after the sample fills, about k ln(n / k) rows enter
n, d, k = 20000, 2, 100
rows = rng.normal(size=(n, d))
side = Side(k, d)
for r in rows:
    side.add(r, 0)
expect = k * (1 + np.log(n / k))
check(f"rows that entered ({side.entered}) near k (1 + ln(n/k)) = {expect:.0f}", 0.7 * expect < side.entered < 1.3 * expect)

print(f"test_embedding_sample_core: {checks} checks, {len(failures)} failures")
for f in failures[:20]:
    print("  FAIL", f)
sys.exit(1 if failures else 0)
