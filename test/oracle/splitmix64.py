"""SplitMix64 (Steele, Lea and Flood 2014), written here from its
definition, with Lemire's exactly uniform bounded draw: the generator mlmon's
reproducible permutation tests (tvd, mmd) document, for the oracles that
reproduce their p-values independently."""

M64 = (1 << 64) - 1


class SplitMix64:
    """SplitMix64, written from its definition (Steele, Lea, Flood 2014)."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, bound):
        # Lemire's method: high word of z * bound, rejecting z whose low word
        # falls below 2^64 mod bound: exactly uniform
        lim = (1 << 64) % bound
        while True:
            m = self.next() * bound
            if (m & M64) >= lim:
                return m >> 64


assert SplitMix64(0).next() == 0xE220A8397B1DCDAF   # the published first output from seed 0
