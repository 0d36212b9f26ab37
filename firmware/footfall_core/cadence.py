"""Cadence in steps/min from the last few step intervals, robust to a missed or extra step."""

from array import array

from footfall_core.imath import median_small

N_IV = 8  # intervals kept: about 3 s of running, 5 s of walking
STOP_MS = 2500  # no step for this long (or 3 intervals): cadence is 0


class Cadence:
    def __init__(self, rate_hz):
        self.rate_hz = rate_hz
        self.iv = array("i", bytes(4 * N_IV))
        self.pairs = array("i", bytes(4 * N_IV))
        self.scratch = array("i", bytes(4 * N_IV))
        self.stop = STOP_MS * rate_hz // 1000
        self.reset()

    def reset(self):
        self.n = 0
        self.head = 0
        self.last = -1
        self.value = 0
        self.med = 0

    def add_step(self, index):
        """Record a step at sample `index`; returns the cadence in steps/min."""
        if self.last >= 0:
            d = index - self.last
            if d > self.stop:
                self.reset()
            elif d > 0:
                self.iv[self.head] = d
                self.head = (self.head + 1) % N_IV
                if self.n < N_IV:
                    self.n += 1
                self._update()
        self.last = index
        return self.value

    def _update(self):
        """Mean rate over the strides (pairs of steps) within 25% of their median.

        Pairs, because left and right steps can take different times (a phone in a
        pocket, a limp) while strides stay steady. A missed step makes two strides half
        as long again, an extra one splits a stride: they fall outside the band.
        """
        n = self.n
        if n < 2:
            return
        iv = self.iv
        pairs = self.pairs
        # intervals in time order start at head (once the ring is full) or at 0
        start = self.head if n == N_IV else 0
        prev = iv[start]
        for k in range(1, n):
            cur = iv[(start + k) % N_IV]
            pairs[k - 1] = prev + cur
            prev = cur
        med = median_small(pairs, n - 1, self.scratch)
        total = 0
        count = 0
        for k in range(n - 1):
            d = pairs[k]
            if 4 * d >= 3 * med and 4 * d <= 5 * med:
                total += d
                count += 1
        self.med = med >> 1
        self.value = (240 * self.rate_hz * count + total) // (2 * total)

    def spm(self, now_index):
        """Cadence now; 0 once steps have stopped."""
        if self.last < 0 or self.value == 0:
            return 0
        quiet = now_index - self.last
        if quiet > self.stop or quiet > 3 * self.med:
            return 0
        return self.value
