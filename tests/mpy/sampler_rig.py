"""Sampler rig for the unix port: a fake IMU copying bursts of a synthetic 3 Hz bounce out of
a table made up front, a tracker that takes anything, and machine.Timer as the sampler uses
it. Test scripts take it with `from sampler_rig import *`."""

# Re-exported for the test scripts, which take everything here with `import *`.
import asyncio  # noqa: F401
import time  # noqa: F401
from array import array

import micropython  # noqa: F401
from footfall_core.tracker import Tracker  # noqa: F401
from footfall_fw.sampler import Sampler, period_for  # noqa: F401

TABLE = array("h", [0] * (3 * 400))
for k in range(400):
    TABLE[3 * k + 2] = 1000 + (1200 if (k * 3 * 4) % 400 < 40 else -200)


class FakeIMU:
    rate_hz = 100
    max_samples = 64

    def __init__(self):
        self.overflows = 0
        self.k = 0
        self.burst = 8

    def read_fifo(self, out):
        t = TABLE
        k = self.k
        for i in range(3 * self.burst):
            out[i] = t[(k * 3 + i) % 1200]
        self.k = (k + self.burst) % 400
        return self.burst


class NullTracker:
    def push_block(self, buf, n):
        pass

    def skip(self, n):
        pass

    def set_rate_mhz(self, rate_mhz):
        pass


class FakeTimer:
    # machine.Timer as the sampler uses it: init(period=, callback=), deinit().
    def __init__(self):
        self.callback = None
        self.period = None

    def init(self, period, callback):
        self.period = period
        self.callback = callback

    def deinit(self):
        self.callback = None

    def fire(self):
        self.callback(self)
