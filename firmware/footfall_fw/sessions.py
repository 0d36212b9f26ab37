"""Sessions: start and stop (by button or with running), and the logger feeding the store.

The tracker reports steps from inside the sampler's push_block; `on_step` only puts them in a
preallocated ring (no allocation, no flash I/O in the sampling path). The logger task drains
the ring into the open session every LOG_MS. Session time is derived from sample indices, so
step times in the file are exact whatever the tasks' timing.

Auto-start: cadence >= start_spm while running for start_s starts a session back-dated to
when that spell began (the ring still holds its steps: RING steps, about 40 s at 180 spm).
Auto-stop, for auto-started sessions only: no running for stop_s. A session started by
button is stopped by button (or a full store, or a flat battery). After a session ends,
auto-start waits until the runner has stopped running, so a runner who stops a session by
hand while still jogging does not get a new one 10 s later.

Samples lost to a FIFO overflow (gap(), from the sampler) are kept in a few slots and logged
as a GAP record at their place in the step stream; session time counts them, so step times
stay true. Times use the measured sample rate (rate_mhz, set by the sampler's calibration)
fixed at the session's start; a calibration during a session applies from the next one.
"""

import asyncio
from array import array

from footfall_core import records as rec
from footfall_core.activity import RUNNING

from footfall_fw import clock, config

RING = 128
GAPS = 4  # pending gaps (more merge into the last: the timeline stays true, the place less so)
LOG_MS = 1000


class Sessions:
    def __init__(self, store, tracker, cfg, device_id=bytes(6), fw=(0, 0, 0)):
        self.store = store
        self.tracker = tracker
        self.cfg = cfg
        self.rate_hz = tracker.rate_hz
        self.rate_mhz = tracker.rate_hz * 1000  # the sampler sets the measured rate here
        self._mhz = self.rate_mhz  # the open session's rate
        self.device_id = device_id
        self.fw = fw
        self.writer = None
        self.header_extra = {}  # the header's version 3 fields (footfall_fw/progress.py)
        self.on_full = None  # called once when the store fills during a session
        # Empties the IMU FIFO (the sampler's poll) before a flash write, so that the write
        # has the whole FIFO to last through: a sector erase alone is 45 ms typical, a
        # small FIFO 160 ms (docs/virtual-board.md, Timing).
        self.poll_fn = None
        self.auto = False  # the open session was started automatically
        self.dropped = 0  # steps lost because the ring was full (logger stalled)
        self.sessions = 0
        self.logged = 0
        # From zeroed bytes, not lists: no RING-long list of ints on the heap on the way.
        self._index = array("i", bytes(4 * RING))
        self._peak = array("H", bytes(2 * RING))
        self._spm = array("H", bytes(2 * RING))
        self._state = array("B", bytes(RING))
        self._head = 0  # next slot to write
        self._count = 0
        self._start_index = 0
        self._last_ms = 0
        self._gap_at = array("i", bytes(4 * GAPS))  # tracker index of the first sample after
        self._gap_lost = array("i", bytes(4 * GAPS))
        self._gaps = 0
        self._run_ms = 0
        self._idle_ms = 0
        self._auto_armed = True

    @property
    def active(self):
        return self.writer is not None

    def on_step(self, index, peak_mg, cadence_spm):
        """Tracker callback (runs inside push_block): ring the step, allocate nothing."""
        if self._count == RING:
            if self.writer is not None:
                self.dropped += 1
                return
            self._count -= 1  # no session: the oldest step is no longer needed
        i = (self._head + self._count) % RING
        self._index[i] = index
        self._peak[i] = peak_mg if peak_mg < 65535 else 65535
        self._spm[i] = cadence_spm
        self._state[i] = self.tracker.activity.state(index)
        self._count += 1

    def _ms(self, index):
        n = index - self._start_index
        return rec.samples_ms(n, self._mhz) if n > 0 else 0

    def now_ms(self):
        """Session time of the newest sample (lost samples included: Tracker.skip counts
        them in tracker.index)."""
        return self._ms(self.tracker.index)

    def gap(self, lost_samples):
        """The sampler lost lost_samples to a FIFO overflow just before the samples it pushes
        next. It calls this after `Tracker.skip(lost_samples)`, which has moved tracker.index
        past them, so the gap began at tracker.index - lost_samples. Allocates
        nothing; the logger task logs a GAP at its place among the steps."""
        if lost_samples <= 0:
            return
        at = self.tracker.index - lost_samples
        n = self._gaps
        if n and (n == GAPS or self._gap_at[n - 1] + self._gap_lost[n - 1] == at):
            self._gap_lost[n - 1] += lost_samples
            return
        self._gap_at[n] = at
        self._gap_lost[n] = lost_samples
        self._gaps = n + 1

    def _log_gap(self):
        # The oldest pending gap: into the session (if it falls inside it), then dropped.
        at = self._gap_at[0]
        lost = self._gap_lost[0]
        for i in range(1, self._gaps):
            self._gap_at[i - 1] = self._gap_at[i]
            self._gap_lost[i - 1] = self._gap_lost[i]
        self._gaps -= 1
        w = self.writer
        if w is not None and at >= self._start_index:
            w.add_gap(self._ms(at), rec.samples_ms(lost, self._mhz), lost)

    def start(self, auto=False, back_ms=0):
        """Open a session starting back_ms before now; raises StoreFull when there is no room."""
        self.before_write()
        self._mhz = self.rate_mhz
        start = self.tracker.index - back_ms * (self._mhz // 100) // 10000  # < 2**30
        self._start_index = start if start > 0 else 0
        self._last_ms = 0
        while self._gaps and self._gap_at[0] < self._start_index:
            self._log_gap()  # before the session: no writer yet, dropped
        self._auto_armed = False  # whatever happens, no auto-start until running stops
        header = self._header()
        self.before_write()  # building the header takes a share of a small FIFO on an ESP32
        self.writer = self.store.begin(header)
        self.auto = auto
        self.sessions += 1
        self._idle_ms = 0
        self.before_write()  # the header's erase is done: the FIFO again, then the ring
        self.drain()

    def _header(self):
        cfg = self.cfg
        start_s, clock_set = clock.start_s(self.now_ms() // 1000)
        return rec.Header(
            device_id=self.device_id,
            fw=self.fw,
            start_s=start_s,
            rate_hz=self.rate_hz,
            placement=cfg["placement"],
            clock_set=clock_set,
            rate_mhz=self._mhz,
            boot_id=clock.BOOT_ID,
            start_up_ms=(clock.uptime_ms() - self.now_ms()) & clock.UPTIME_MASK,
            **config.coach_fields(cfg),
            **self.header_extra,
        )

    def stop(self, reason=rec.END_STOPPED):
        """End of the run: the tracker's bout ends, its last steps are logged, file closed."""
        if self.writer is None:
            return
        self.before_write()
        self.tracker.flush()
        self.drain()
        while self._gaps:  # lost after the last step: still part of the session's time
            self._log_gap()
        self.writer.close(reason, self.now_ms())
        self.writer = None
        self._auto_armed = False

    def before_write(self):
        if self.poll_fn is not None:
            try:
                self.poll_fn()
            except OSError:
                pass  # the bus failed: the sampler's own poll reports it; the write goes on

    def cue(self, cadence_spm):
        if self.writer is not None:
            self.writer.add_event(rec.EV_CUE, cadence_spm, self.now_ms())

    def drain(self):
        """Move ringed steps into the open session (older than its start: discarded)."""
        w = self.writer
        while self._count and w is not None:
            i = self._head
            index = self._index[i]
            self._head = (i + 1) % RING
            self._count -= 1
            while self._gaps and index >= self._gap_at[0]:
                self._log_gap()
            if index < self._start_index:
                continue
            t_ms = self._ms(index)
            interval_ms = t_ms - self._last_ms
            self._last_ms = t_ms
            if w.add_step(interval_ms, self._peak[i], self._spm[i], self._state[i]):
                self.logged += 1

    def update_auto(self, dt_ms, cadence_spm, state):
        """Once per coach tick: returns "start", "stop" or None for the app to act on."""
        cfg = self.cfg
        running = state == RUNNING
        if self.writer is None:
            fast = running and cadence_spm >= cfg["start_spm"]
            self._auto_armed = self._auto_armed or not running
            self._run_ms = self._run_ms + dt_ms if fast and self._auto_armed else 0
            if cfg["auto_start"] and self._run_ms >= cfg["start_s"] * 1000:
                self._run_ms = 0
                return "start"
            return None
        self._idle_ms = 0 if running else self._idle_ms + dt_ms
        if self.auto and self._idle_ms >= cfg["stop_s"] * 1000:
            return "stop"
        return None

    async def run(self, overflows_fn):
        """The logger task: drain the ring and let the store flush, every LOG_MS."""
        while True:
            await asyncio.sleep_ms(LOG_MS)
            if self.writer is not None:
                self.before_write()
                self.drain()
                self.writer.tick(self.now_ms(), overflows_fn())
                if self.writer.stopped:  # the store filled: the file already ends END_FULL
                    self.writer.close(rec.END_FULL, self.now_ms())
                    self.writer = None
                    if self.on_full is not None:
                        self.on_full()
