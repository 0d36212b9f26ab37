"""The sampler task: drain the IMU's FIFO every period and feed the whole burst to the core.

One `read_fifo` and one `Tracker.push_block` per poll; the buffer is made once, so a poll
allocates nothing (tested under `micropython.heap_lock()`). Axis order does not matter here:
the step detector works on the magnitude, so board axes go to the core as they are.
"""

import asyncio
import time
from array import array

PERIOD_MS = 80  # within the 50-100 ms the app budgets; see period_for()


def period_for(rate_hz, fifo_samples, wanted_ms=PERIOD_MS):
    """Poll period that drains the FIFO when at most a quarter full (LIS3DH: 32 samples), so
    that a step of the loop may last three quarters of the FIFO (LIS3DH at 200 Hz: 120 ms;
    a flash write with its 45 ms sector erase and the writing's CPU on an ESP32 needs
    about that, docs/virtual-board.md, Timing)."""
    quarter_full_ms = fifo_samples * 250 // rate_hz
    return min(wanted_ms, quarter_full_ms)


class Sampler:
    """Polls `imu` (a footfall driver) into `tracker` (a footfall_core Tracker)."""

    def __init__(self, imu, tracker, period_ms=None, tap=None):
        self.imu = imu
        self.tracker = tracker
        self.period_ms = period_for(imu.rate_hz, imu.max_samples, period_ms or PERIOD_MS)
        # From zeroed bytes, not a list: [0] * n would briefly take 4-8 bytes per value.
        self.buf = array("h", bytes(6 * imu.max_samples))
        self.tap = tap  # optional tap(buf, n) per burst (raw capture); None in normal running
        self.samples = 0
        self.polls = 0
        self.overflows = 0
        self.last_poll_ms = time.ticks_ms()

    def poll(self):
        """Read one FIFO burst into the core; returns the number of samples."""
        n = self.imu.read_fifo(self.buf)
        if n:
            self.tracker.push_block(self.buf, n)
            tap = self.tap
            if tap is not None:
                tap(self.buf, n)
            self.samples += n
        self.polls += 1
        self.overflows = self.imu.overflows
        return n

    async def run(self):
        """Poll forever on a fixed schedule (drift-free: deadlines, not sleeps)."""
        # The FIFO has filled since the driver started it, while the app was being built
        # (on an ESP32 that can outlast a small FIFO): that backlog's overflow is the boot's,
        # before any session, and is not counted.
        self.poll()
        self.imu.overflows = self.overflows = 0
        due = time.ticks_ms()
        while True:
            self.poll()
            self.last_poll_ms = time.ticks_ms()
            due = time.ticks_add(due, self.period_ms)
            wait = time.ticks_diff(due, self.last_poll_ms)
            if wait < 0:  # fell behind (a long flash write): restart the schedule
                due = self.last_poll_ms
                wait = 0
            await asyncio.sleep_ms(wait)
