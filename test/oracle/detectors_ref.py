"""Reference implementations of the streaming drift detectors, written from
the published algorithms and mlmon's specification of them (river 0.21's
forms of Page-Hinkley, DDM, EDDM and KSWIN; ADWIN2 of Bifet & Gavalda, restarting
after a drift as river does or keeping its window as MOA does; KSWIN's subsample drawn with splitmix64; (D, p) of KSWIN from
SciPy).  Used by test_detectors.py (every row against mlmon) and by
test_scenario.py and test_concept_regression.py (the stream part of the
concept-drift check)."""
import collections
import math
import random

from scipy.stats import ks_2samp

MASK64 = (1 << 64) - 1


# ====================================================================== references
class Detector:
    """The bookkeeping shared by the five detectors: mlmon.detector_result of
    every row.  A subclass implements value(x) -> (drift, statistic) and keeps
    self.warning / self.estimate; `reset_pending` is set by a drift and makes
    the next value (not the next row: skipped rows do not count) start anew."""

    numeric = True

    def __init__(self):
        self.n = 0
        self.warning = False
        self.estimate = None
        self.detections = 0
        self.first_warning = None
        self.first_drift = None
        self.last_drift = None
        self.reset_pending = False

    def skipped(self, x):
        if x is None:
            return True
        return self.numeric and not math.isfinite(x)

    def update(self, x):
        drift, stat = False, None
        if not self.skipped(x):
            self.n += 1
            if self.reset_pending:
                self.reset()
                self.reset_pending = False
            drift, stat = self.value(x)
            if drift:
                self.detections += 1
                if self.first_drift is None:
                    self.first_drift = self.n
                self.last_drift = self.n
                self.reset_pending = self.resets
            if self.warning and self.first_warning is None:
                self.first_warning = self.n
        return (self.n, self.warning, drift, stat, self.estimate, self.detections,
                self.first_warning, self.first_drift, self.last_drift)

    resets = True

    def run(self, xs):
        return [self.update(x) for x in xs]


class PageHinkley(Detector):
    def __init__(self, min_instances=30, delta=0.005, threshold=50.0, alpha=0.9999, mode="both"):
        super().__init__()
        self.min_instances, self.delta, self.threshold = min_instances, float(delta), float(threshold)
        self.alpha, self.mode = float(alpha), mode
        self.reset()

    def reset(self):
        self.cnt = 0
        self.mean = 0.0
        self.sum_inc = 0.0
        self.sum_dec = 0.0
        self.min_inc = math.inf
        self.max_dec = -1.0
        self.estimate = None

    def value(self, x):
        self.cnt += 1
        self.mean += (x - self.mean) / self.cnt
        self.estimate = self.mean
        dev = x - self.mean
        self.sum_inc = self.alpha * self.sum_inc + dev - self.delta
        self.sum_dec = self.alpha * self.sum_dec + dev + self.delta
        self.min_inc = min(self.min_inc, self.sum_inc)
        self.max_dec = max(self.max_dec, self.sum_dec)
        if self.cnt < self.min_instances:
            return False, None
        t_inc = self.sum_inc - self.min_inc
        t_dec = self.max_dec - self.sum_dec
        if self.mode == "up":
            return t_inc > self.threshold, t_inc
        if self.mode == "down":
            return t_dec > self.threshold, t_dec
        return (t_inc > self.threshold or t_dec > self.threshold), max(t_inc, t_dec)


class DDM(Detector):
    numeric = False

    def __init__(self, warm_start=30, warning_threshold=2.0, drift_threshold=3.0):
        super().__init__()
        self.warm_start, self.wt, self.dt = warm_start, float(warning_threshold), float(drift_threshold)
        self.reset()

    def reset(self):
        self.cnt = 0
        self.p = 0.0
        self.p_min = self.s_min = self.ps_min = math.inf
        self.warning = False
        self.estimate = None

    def value(self, x):
        self.cnt += 1
        self.p += ((1.0 if x else 0.0) - self.p) / self.cnt
        self.estimate = self.p
        s = math.sqrt(self.p * (1 - self.p) / self.cnt)
        if self.cnt <= self.warm_start:
            return False, None
        ps = self.p + s
        if ps <= self.ps_min:
            self.p_min, self.s_min, self.ps_min = self.p, s, ps
        self.warning = ps > self.p_min + self.wt * self.s_min
        drift = ps > self.p_min + self.dt * self.s_min
        if drift:
            self.warning = False
        return drift, ps


class EDDM(Detector):
    numeric = False

    def __init__(self, warm_start=30, alpha=0.95, beta=0.9):
        super().__init__()
        self.warm_start, self.alpha, self.beta = warm_start, float(alpha), float(beta)
        self.reset()

    def reset(self):
        self.cnt = 0
        self.errors = 0
        self.last_error = 0
        self.k = 0            # distances recorded; Welford's mean and sum of squares
        self.dmean = 0.0
        self.m2 = 0.0
        self.p2s_max = -1.0
        self.warning = False
        self.estimate = None

    def value(self, x):
        self.cnt += 1
        if not x:
            return False, None
        self.errors += 1
        d = float(self.cnt - self.last_error)
        self.k += 1
        old = self.dmean
        self.dmean += (d - old) / self.k
        self.m2 += (d - old) * (d - self.dmean)
        self.estimate = self.dmean
        var = self.m2 / (self.k - 1) if self.k > 1 else 0.0
        drift, stat = False, None
        if self.cnt > self.warm_start:
            p2s = self.dmean + 2 * math.sqrt(var)
            if p2s > self.p2s_max:
                self.p2s_max = p2s
            elif self.errors > self.warm_start:
                stat = p2s / self.p2s_max
                if stat < self.beta:
                    drift = True
                elif stat < self.alpha:
                    self.warning = True
                else:
                    self.warning = False
        self.last_error = self.cnt
        return drift, stat


class ADWIN(Detector):
    """ADWIN2: exponential histogram; row r holds buckets of 2^r values
    as [total, variance], oldest first; row len-1 is the oldest row.  After a
    drift, after_drift "restart" starts the next value in a new, empty window
    (river's ADWIN.update resets once drift_detected is set); "shrink" keeps
    the shrunk window (the paper, MOA)."""

    def __init__(self, delta=0.002, clock=32, max_buckets=5, min_window_length=5, grace_period=10,
                 after_drift="restart"):
        super().__init__()
        assert after_drift in ("restart", "shrink")
        self.resets = after_drift == "restart"
        self.delta, self.clock, self.max_buckets = float(delta), clock, max_buckets
        self.mwl, self.grace = min_window_length, grace_period
        self.reset()

    def reset(self):
        self.rows = []
        self.W = 0
        self.total = 0.0
        self.var = 0.0
        self.tick = 0

    def insert(self, x):
        self.W += 1
        if self.W > 1:
            d = x - self.total / (self.W - 1)
            self.var += (self.W - 1) * d * d / self.W
        self.total += x
        if not self.rows:
            self.rows.append([])
        self.rows[0].append((x, 0.0))
        r = 0
        while len(self.rows[r]) == self.max_buckets + 1:
            (t1, v1), (t2, v2) = self.rows[r][0], self.rows[r][1]
            n1 = float(1 << r)
            mu1, mu2 = t1 / n1, t2 / n1
            merged = (t1 + t2, v1 + v2 + n1 * n1 * (mu1 - mu2) * (mu1 - mu2) / (n1 + n1))
            del self.rows[r][:2]
            if r + 1 == len(self.rows):
                self.rows.append([])
            self.rows[r + 1].append(merged)
            r += 1

    def drop_oldest(self):
        r = len(self.rows) - 1
        t, v = self.rows[r][0]
        n = 1 << r
        self.W -= n
        self.total -= t
        mu = t / n
        dd = mu - self.total / self.W
        self.var -= v + n * self.W * dd * dd / (n + self.W)
        del self.rows[r][0]
        while self.rows and not self.rows[-1]:
            self.rows.pop()

    def cut(self, n0, n1, u0, u1):
        d = math.log(2 * math.log(self.W) / self.delta)
        m = 1.0 / (n0 - self.mwl + 1) + 1.0 / (n1 - self.mwl + 1)
        arg = 2 * m * (self.var / self.W) * d
        if arg < 0:                   # sqrt of a negative rounding residue: NaN in C, no cut
            return False
        eps = math.sqrt(arg) + 2.0 / 3.0 * d * m
        return abs(u0 / n0 - u1 / n1) > eps

    def scan(self):
        """One pass over the cuts, oldest first; True if it dropped a bucket."""
        n0, n1, u0, u1 = 0, self.W, 0.0, self.total
        for r in range(len(self.rows) - 1, -1, -1):
            size = 1 << r
            for t, _ in self.rows[r]:
                n0 += size
                n1 -= size
                u0 += t
                u1 -= t
                if n1 == 0:
                    return False
                if n0 >= self.mwl and n1 >= self.mwl and self.cut(n0, n1, u0, u1):
                    self.drop_oldest()
                    return True
        return False

    def value(self, x):
        self.insert(x)
        self.tick += 1
        drift = False
        if self.tick % self.clock == 0 and self.W > self.grace:
            while self.scan():
                drift = True
        self.estimate = self.total / self.W
        return drift, float(self.W)


def splitmix64(seed):
    state = seed & MASK64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        yield z ^ (z >> 31)


class KSWIN(Detector):
    """`river_rng` replaces the splitmix64 draw by river's
    random.Random(seed).sample (for river's documented example only)."""

    def __init__(self, alpha=0.005, window_size=100, stat_size=30, seed=42, river_rng=False):
        super().__init__()
        self.alpha, self.ws, self.ss, self.seed = float(alpha), window_size, stat_size, seed
        self.river_rng = river_rng
        self.reset()

    def reset(self):
        self.window = collections.deque()
        if self.river_rng:
            self.rng = random.Random(self.seed)
        else:
            self.rng = splitmix64(self.seed)
        self.estimate = None

    def sample(self, m):
        if self.river_rng:
            return self.rng.sample(range(m), self.ss)
        a = list(range(m))
        for i in range(self.ss):
            j = i + next(self.rng) % (m - i)
            a[i], a[j] = a[j], a[i]
        return a[:self.ss]

    def value(self, x):
        self.window.append(x)
        if len(self.window) > self.ws:
            self.window.popleft()
        self.estimate = math.fsum(self.window) / len(self.window)
        if len(self.window) < self.ws:
            return False, None
        m = self.ws - self.ss
        w = list(self.window)
        r = [w[k] for k in self.sample(m)]
        s = w[m:]
        d, p = ks_2samp(r, s)
        return bool(p <= self.alpha and d > 0.1), float(p)


REF = {"page_hinkley": PageHinkley, "ddm": DDM, "eddm": EDDM, "adwin": ADWIN, "kswin": KSWIN}


# ====================================================================== 1. self-checks
