"""An IMU on the virtual board's clock for the unix port (the stand-in `time`: sleep_ms moves
it on): it makes rate_mhz samples per second into a FIFO of `depth`, stops when full
(counting an overflow, as the drivers do), sleeps after `asleep()` until configure(), and
fails the next `fail` reads with OSError(5). With a tracker that logs what it is given and
run_for(), which polls a sampler. Test scripts take it with `from clocked_imu_rig import *`."""

import time
from array import array  # noqa: F401 (re-exported for the test scripts)

from footfall_fw import sampler as S  # noqa: F401
from footfall_fw.sampler import Sampler  # noqa: F401


class ClockedIMU:
    rate_hz = 100

    def __init__(self, rate_mhz=100000, depth=32):
        self.true_mhz = rate_mhz
        self.max_samples = depth
        self.overflows = 0
        self.configures = 0
        self.fail = 0
        self.awake = True
        self.fifo = 0
        self.acc = 0
        self.last = time.ticks_ms()

    def _run(self):
        now = time.ticks_ms()
        self.acc += time.ticks_diff(now, self.last) * self.true_mhz
        self.last = now
        made = self.acc // 1000000
        self.acc -= made * 1000000
        if self.awake:
            self.fifo += made

    def configure(self):
        self._run()
        self.configures += 1
        self.awake = True
        self.fifo = 0

    def read_fifo(self, out):
        if self.fail:
            self.fail -= 1
            raise OSError(5)
        self._run()
        n = min(self.fifo, self.max_samples)
        if self.fifo > self.max_samples:
            self.overflows += 1
        self.fifo = 0
        for i in range(3 * n):
            out[i] = 1000
        return n


class LogTracker:
    def __init__(self):
        self.pushed = 0
        self.skipped = []
        self.rates = []

    def push_block(self, buf, n):
        self.pushed += n

    def skip(self, n):
        self.skipped.append(n)

    def set_rate_mhz(self, r):
        self.rates.append(r)


def run_for(s, ms, period_ms=80):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < ms:
        s.poll()
        time.sleep_ms(period_ms)
