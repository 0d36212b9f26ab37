"""The sampler task: drain the IMU's FIFO every period and feed the whole burst to the core.

One `read_fifo` and one `Tracker.push_block` per poll; the buffer is made once, so a poll
allocates nothing (tested under `micropython.heap_lock()`). Axis order does not matter here:
the step detector works on the magnitude, so board axes go to the core as they are.

Robustness (docs/firmware.md, Sampler robustness):
- a failed FIFO read is retried RETRIES times at once, then the poll is skipped; every
  failed transfer counts in `bus_errors`. Only a bus that has failed every poll for FAIL_MS
  raises (the app's handler then closes the session and resets).
- the samples lost to a FIFO overflow (or an IMU that stopped) are estimated from the
  time since the last poll at the measured rate, and the core's sample clock is moved on
  by that many (`Tracker.skip`), so the timeline stays true; `on_gap(lost_samples)` is told.
- the rate is measured: samples read against `ticks_ms` over windows of CAL_MIN_MS to
  CAL_MAX_MS without a gap, giving `rate_mhz`, which cadence uses.
- an IMU that answers but produces nothing for STALL_PERIODS sample periods (at least
  STALL_MIN_MS), as one reset into sleep by a brown-out does, is configured again.
"""

import asyncio
import time
from array import array

PERIOD_MS = 80  # within the 50-100 ms the app budgets; see period_for()
RETRIES = 2  # immediate re-reads of a failed FIFO read before the poll is skipped
FAIL_MS = 1000  # every poll failing for this long: the bus is gone, raise
CAL_MIN_MS = 20000  # a rate window is used from this long (+/-1 sample: 500 ppm at 100 Hz)
CAL_MAX_MS = 120000  # and restarted at this long (keeps samples * 1000 below 2**30)
CAL_TOL = 10  # a window more than 1/10 (10 %) off the driver's rate is not believed
STALL_PERIODS = 20  # sample periods with no sample while reads succeed: the IMU stopped
STALL_MIN_MS = 500
_MAX_GAP_MS = 1000000  # gaps are estimated up to this long (keeps intermediates small)


def period_for(rate_hz, fifo_samples, wanted_ms=PERIOD_MS):
    """Poll period that drains the FIFO when at most a quarter full (LIS3DH: 32 samples), so
    that a step of the loop may last three quarters of the FIFO (LIS3DH at 200 Hz: 120 ms;
    a flash write with its 45 ms sector erase and the writing's CPU on an ESP32 needs
    about that, docs/virtual-board.md, Timing)."""
    quarter_full_ms = fifo_samples * 250 // rate_hz
    return min(wanted_ms, quarter_full_ms)


def samples_in(ms, rate_mhz):
    """Samples produced in ms at rate_mhz (milli-hertz), intermediates below 2**30."""
    ms = ms if ms < _MAX_GAP_MS else _MAX_GAP_MS
    return ms * (rate_mhz // 1000) // 1000 + ms * (rate_mhz % 1000) // 1000000


def rate_of(count, ms):
    """count samples in ms as milli-hertz: count * 10**6 // ms, for count * 1000 < 2**30."""
    c = count * 1000
    return c // ms * 1000 + c % ms * 1000 // ms


class Sampler:
    """Polls `imu` (a footfall driver) into `tracker` (a footfall_core Tracker)."""

    def __init__(self, imu, tracker, period_ms=None, tap=None):
        self.imu = imu
        self.tracker = tracker
        self.period_ms = period_for(imu.rate_hz, imu.max_samples, period_ms or PERIOD_MS)
        # From zeroed bytes, not a list: [0] * n would briefly take 4-8 bytes per value.
        self.buf = array("h", bytes(6 * imu.max_samples))
        self.tap = tap  # optional tap(buf, n) per burst (raw capture); None in normal running
        self.on_gap = None  # optional on_gap(lost_samples) per gap (the session's GAP record)
        self.nominal_mhz = getattr(imu, "rate_mhz", 0) or imu.rate_hz * 1000
        self.rate_mhz = self.nominal_mhz
        if self.nominal_mhz != imu.rate_hz * 1000:  # the driver knows its clock's rate
            tracker.set_rate_mhz(self.nominal_mhz)
        self.samples = 0
        self.polls = 0
        self.overflows = 0
        self.bus_errors = 0  # failed transfers (each retry counts)
        self.failed_polls = 0  # polls skipped because every retry failed
        self.gaps = 0
        self.lost_samples = 0  # estimated, moved past in the core
        self.reinits = 0  # IMU configured again after it stopped producing
        self.last_poll_ms = time.ticks_ms()
        self._restart(self.last_poll_ms)

    def _restart(self, now):
        """Start counting afresh at now: the last good read, last sample, rate window."""
        self.good_ms = now
        self.sample_ms = now
        self._win_ms = now
        self._win_n = 0

    def start(self):
        """Restart the IMU's FIFO empty, so the first poll finds no boot-time overflow."""
        configure = getattr(self.imu, "configure", None)
        if configure is not None:
            configure()
        self.overflows = self.imu.overflows
        self._restart(time.ticks_ms())

    def _read(self):
        """read_fifo with RETRIES immediate retries; -1 when all failed."""
        for k in range(RETRIES + 1):
            try:
                return self.imu.read_fifo(self.buf)
            except OSError:
                self.bus_errors += 1
                if k == RETRIES and time.ticks_diff(time.ticks_ms(), self.good_ms) >= FAIL_MS:
                    raise
        return -1

    def poll(self):
        """Read one FIFO burst into the core; returns the number of samples."""
        now = time.ticks_ms()
        self.polls += 1
        n = self._read()
        if n < 0:
            self.failed_polls += 1
            self._win_ms = -1  # the window holds a failure: not used for the rate
            return 0
        since = time.ticks_diff(now, self.good_ms)
        self.good_ms = now
        if n:
            self.tracker.push_block(self.buf, n)
            tap = self.tap
            if tap is not None:
                tap(self.buf, n)
            self.samples += n
            self.sample_ms = now
        overflows = self.imu.overflows
        if overflows != self.overflows:
            self.overflows = overflows
            self._gap(samples_in(since, self.rate_mhz) - n)
        elif n:
            self._calibrate(n, now)
        elif time.ticks_diff(now, self.sample_ms) > self._stall_ms():
            self._reinit(now)
        return n

    def _stall_ms(self):
        ms = STALL_PERIODS * 1000000 // self.rate_mhz
        return ms if ms > STALL_MIN_MS else STALL_MIN_MS

    def _gap(self, lost):
        """lost samples were never read: move the core's clock past them, and say so."""
        if lost > 0:
            self.tracker.skip(lost)
            self.gaps += 1
            self.lost_samples += lost
            if self.on_gap is not None:
                self.on_gap(lost)
        self._win_ms = -1

    def _reinit(self, now):
        """The IMU answers but measures nothing (reset into sleep): configure it again."""
        lost = samples_in(time.ticks_diff(now, self.sample_ms), self.rate_mhz)
        try:
            self.imu.configure()
        except OSError:
            self.bus_errors += 1
            return  # the next poll tries again
        self.reinits += 1
        print("footfall: IMU measured nothing for", lost, "sample periods: configured again")
        self.overflows = self.imu.overflows
        self._gap(lost)
        self.sample_ms = now

    def _calibrate(self, n, now):
        """Count n samples into the rate window; use windows of CAL_MIN_MS and longer."""
        if self._win_ms < 0:  # a gap or failure ended the last window: start one here
            self._win_ms = now
            self._win_n = 0
            return
        self._win_n += n
        ms = time.ticks_diff(now, self._win_ms)
        if ms < CAL_MIN_MS:
            return
        rate = rate_of(self._win_n, ms)
        if abs(rate - self.nominal_mhz) * CAL_TOL < self.nominal_mhz:
            self.rate_mhz = rate
            self.tracker.set_rate_mhz(rate)
        if ms >= CAL_MAX_MS:
            self._win_ms = now
            self._win_n = 0

    async def run(self):
        """Poll forever on a fixed schedule (drift-free: deadlines, not sleeps)."""
        self.start()
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
