"""The sampler: drain the IMU's FIFO every period and feed each burst to the core.

With a hardware timer (`timer`, the board's machine.Timer), the FIFO is read in the timer's
callback into a ring of bursts, and the sampler task feeds the ring to the core. On the
ESP32 port a Timer callback is a soft interrupt: scheduled from the timer ISR
(ports/esp32/machine_timer.c, mp_sched_schedule) and run between two bytecodes of whatever
is running (py/vm.c, pending_exception_check) or in an idle wait, so the FIFO is read on
time however long one step of the event loop takes in Python; only C that holds the CPU
(a flash erase with the cache off, a garbage collection) delays it. The ring holds
RING_MS of bursts. Without a timer, or with a FIFO that lasts RING_MS by itself (the
MPU6886 at 100 Hz, the LSM6DSO), the task reads the FIFO itself.

One `read_fifo` per burst and one `Tracker.push_block` per burst; the buffers are made
once, so neither the callback nor a poll allocates (tested under `micropython.heap_lock()`).
Axis order does not matter here: the step detector works on the magnitude, so board axes
go to the core as they are.

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

# At most; a small FIFO asks for less (period_for). Each wake costs the scheduler's and
# the bus's overhead whatever it feeds, so a deep FIFO is read seldom: on the Plus2 every
# 320 ms, 3.1 wakes a second instead of 12.5 (docs/virtual-board.md, Energy).
PERIOD_MS = 400
RETRIES = 2  # immediate re-reads of a failed FIFO read before the poll is skipped
FAIL_MS = 1000  # every poll failing for this long: the bus is gone, raise
CAL_MIN_MS = 20000  # a rate window is used from this long (+/-1 sample: 500 ppm at 100 Hz)
CAL_MAX_MS = 120000  # and restarted at this long (keeps samples * 1000 below 2**30)
CAL_TOL = 10  # a window more than 1/10 (10 %) off the driver's rate is not believed
STALL_PERIODS = 20  # sample periods with no sample while reads succeed: the IMU stopped
STALL_MIN_MS = 500
_MAX_GAP_MS = 1000000  # gaps are estimated up to this long (keeps intermediates small)
RING_MS = 1000  # with a timer: bursts the callback may read ahead of the task, in time
MAX_SLOTS = 32  # and at most this many (LIS3DH at 400 Hz: 640 ms in 6 KB)
_COUNT_MASK = 0x3FFFFFFF


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

    def __init__(self, imu, tracker, period_ms=None, tap=None, timer=None):
        self.imu = imu
        self.tracker = tracker
        self.period_ms = period_for(imu.rate_hz, imu.max_samples, period_ms or PERIOD_MS)
        # A FIFO that lasts RING_MS by itself needs no timer: the task's reads keep up.
        fifo_ms = imu.max_samples * 1000 // imu.rate_hz
        self.timer = timer if fifo_ms < RING_MS else None
        # The ring of bursts, each slot a whole FIFO (a read after an overflow takes all):
        # one slot without a timer; with one, RING_MS of reads (at most MAX_SLOTS).
        slots = 1
        if self.timer is not None:
            slots = min(RING_MS // self.period_ms + 1, MAX_SLOTS)
        # From zeroed bytes, not a list: [0] * n would briefly take 4-8 bytes per value.
        self._bufs = [array("h", bytes(6 * imu.max_samples)) for _ in range(slots)]
        self.buf = self._bufs[0]
        self._n = array("h", bytes(2 * slots))  # samples in each slot, -1: the read failed
        self._at = array("i", bytes(4 * slots))  # ticks_ms of each read
        self._over = array("i", bytes(4 * slots))  # the driver's overflow count after it
        # Bursts read and fed so far (mod 2**30): each side moves only its own count, so a
        # callback between two bytecodes of feed() never sees the ring half updated.
        self._put = 0
        self._get = 0
        self.busy = False  # the task is using the IMU: the callback leaves it alone
        self._tick_cb = self._tick  # made once: no bound method allocated per interrupt
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
        self.ring_full = 0  # timer reads skipped: the task had not fed the ring for RING_MS
        self.last_poll_ms = time.ticks_ms()
        self._restart(self.last_poll_ms)

    def _restart(self, now):
        """Start counting afresh at now: the last good read, last sample, rate window."""
        self.good_ms = now
        self.sample_ms = now
        self._win_ms = now
        self._win_n = 0

    def start(self):
        """Restart the IMU's FIFO empty, so the first poll finds no boot-time overflow, and
        start the timer's reads."""
        self.busy = True
        try:
            configure = getattr(self.imu, "configure", None)
            if configure is not None:
                configure()
            self.overflows = self.imu.overflows
            self._put = self._get = 0
            self._restart(time.ticks_ms())
        finally:
            self.busy = False
        if self.timer is not None:
            self.timer.init(period=self.period_ms, callback=self._tick_cb)

    def stop(self):
        """Stop the timer's reads (before the REPL: the callback would go on firing)."""
        if self.timer is not None:
            self.timer.deinit()

    def _read(self, buf):
        """read_fifo with RETRIES immediate retries; -1 when all failed."""
        for _ in range(RETRIES + 1):
            try:
                return self.imu.read_fifo(buf)
            except OSError:
                self.bus_errors += 1
        return -1

    def _fill(self, now):
        """Read one FIFO burst, at ticks `now`, into the next slot of the ring (nothing when
        the ring is full)."""
        slots = len(self._bufs)
        if (self._put - self._get) & _COUNT_MASK >= slots:
            self.ring_full += 1
            return
        i = self._put % slots
        self._at[i] = now
        self.polls += 1
        self._n[i] = self._read(self._bufs[i])
        self._over[i] = self.imu.overflows
        self._put = (self._put + 1) & _COUNT_MASK

    def _tick(self, _timer):
        # The timer's callback (a soft interrupt: between two bytecodes of the task code).
        if not self.busy:
            self._fill(time.ticks_ms())

    def poll(self):
        """Read the FIFO now and feed every burst read so far to the core; returns the
        number of samples fed."""
        now = time.ticks_ms()  # first: a timer read due by now is not held off by busy
        self.busy = True
        try:
            self._fill(now)
        finally:
            self.busy = False
        return self.feed()

    def feed(self):
        """Feed the bursts the timer has read to the core; returns the number of samples."""
        fed = 0
        slots = len(self._bufs)
        while self._get != self._put:
            i = self._get % slots
            fed += self._feed(self._bufs[i], self._n[i], self._at[i], self._over[i])
            self._get = (self._get + 1) & _COUNT_MASK
        return fed

    def _feed(self, buf, n, now, overflows):
        """One burst read at ticks `now` into the core: gaps, rate, stalls."""
        if n < 0:
            self.failed_polls += 1
            self._win_ms = -1  # the window holds a failure: not used for the rate
            if time.ticks_diff(now, self.good_ms) >= FAIL_MS:
                raise OSError(5)  # EIO: every read has failed for FAIL_MS, the bus is gone
            return 0
        since = time.ticks_diff(now, self.good_ms)
        self.good_ms = now
        if n:
            self.tracker.push_block(buf, n)
            tap = self.tap
            if tap is not None:
                tap(buf, n)
            self.samples += n
            self.sample_ms = now
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
        self.busy = True
        try:
            self.imu.configure()
        except OSError:
            self.bus_errors += 1
            return  # the next poll tries again
        finally:
            self.busy = False
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
        """Poll forever on a fixed schedule (drift-free: deadlines, not sleeps); with a
        timer, feed what its callback has read."""
        self.start()
        due = time.ticks_ms()
        while True:
            if self.timer is None:
                self.poll()
            else:
                self.feed()
            self.last_poll_ms = time.ticks_ms()
            due = time.ticks_add(due, self.period_ms)
            wait = time.ticks_diff(due, self.last_poll_ms)
            if wait < 0:  # fell behind (a long flash write): restart the schedule
                due = self.last_poll_ms
                wait = 0
            await asyncio.sleep_ms(wait)
