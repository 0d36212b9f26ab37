"""Cadence in steps/min from the last few step intervals, robust to a missed or extra step.

Intervals are counted in samples; the sample rate that turns them into steps/min is in
milli-hertz (`rate_mhz`), so a rate measured against the board's clock (an IMU a few
percent off its nominal rate) gives the cadence in real time. Every intermediate stays
below 2**30 up to 520 Hz.
"""

from array import array

from footfall_core.imath import median_small

N_IV = 8  # intervals kept: about 3 s of running, 5 s of walking
STOP_MS = 2500  # no step for this long (or 3 intervals): cadence is 0


class Cadence:
    def __init__(self, rate_hz, rate_mhz=0):
        self.rate_hz = rate_hz
        self.iv = array("i", bytes(4 * N_IV))
        self.pairs = array("i", bytes(8 * N_IV))
        self.mended = array("i", bytes(8 * N_IV))
        self.scratch = array("i", bytes(8 * N_IV))
        self.set_rate_mhz(rate_mhz or rate_hz * 1000)
        self.reset()

    def set_rate_mhz(self, rate_mhz):
        """The sample rate in milli-hertz (nominal, or measured); the next value uses it."""
        self.rate_mhz = rate_mhz
        self.stop = (STOP_MS // 10) * rate_mhz // 100000  # < 2**30 up to 4 MHz

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
        """Mean rate over the strides (pairs of steps) within 12.5% of their median.

        First the intervals are mended against their median: a short one (an extra step)
        joins the next, a double one (a missed step) counts as two. Then pairs, because
        left and right steps can take different times (a phone in a pocket, a limp)
        while strides stay steady.
        """
        n = self.n
        if n < 2:
            return
        iv = self.iv
        med = median_small(iv, n, self.scratch)
        mended = self.mended
        m = 0
        acc = 0
        start = self.head if n == N_IV else 0  # oldest interval first
        for k in range(n):
            acc += iv[(start + k) % N_IV]
            if 10 * acc < 6 * med:
                continue  # an extra step: wait for the rest of this one
            if 10 * acc >= 16 * med:
                mended[m] = acc >> 1
                m += 1
                acc -= acc >> 1
            mended[m] = acc
            m += 1
            acc = 0
        if m < 2:
            return
        pairs = self.pairs
        for k in range(m - 1):
            pairs[k] = mended[k] + mended[k + 1]
        med = median_small(pairs, m - 1, self.scratch)
        total = 0
        count = 0
        for k in range(m - 1):
            d = pairs[k]
            if 8 * d >= 7 * med and 8 * d <= 9 * med:
                total += d
                count += 1
        self.med = med >> 1
        # 120 * count * rate / total steps/min, rounded: the rate is in mHz, so this is
        # (12 * count * rate_mhz) / (100 * total); count < 16, total < 16 * stop samples
        self.value = (12 * count * self.rate_mhz + 50 * total) // (100 * total)

    def spm(self, now_index):
        """Cadence now; 0 once steps have stopped."""
        if self.last < 0 or self.value == 0:
            return 0
        quiet = now_index - self.last
        if quiet > self.stop or quiet > 3 * self.med:
            return 0
        return self.value
