"""Impact feedback: the pure decision of when to play the "soften" cue (coach mode "impact").

The rules are the cadence coach's (footfall_core/coach.py) with the rolling peak impact in
place of the cadence, and "over the limit" in place of "below the threshold":
- The reading: the mean peak impact (milli-g) of the steps given to on_step() since the
  last update; an update with no new step keeps the last reading.
- Cue ("soften") when at least `below_s` seconds of the last `below_s * 3 / 2` seconds of
  running were over the limit and the current reading is over it; repeat every `repeat_s`
  escalated ("soften_more") while it stays over; the spell ends after `rearm_s` back under
  the limit; never two cues within `min_gap_s`; silent when walking, idle, paused or
  stopped, and while `mute` (a faded programme) holds. `below_ms` is the time over the
  limit in the window, `slow` whether the window rule holds.
- The limit: `impact_limit_mg` when set (1000-16000); else (0) `impact_drop_pct` below the
  runner's baseline: the time-weighted median reading over the first `baseline_s` seconds
  of running (100 mg bins). No cue before the limit is known.
Integer-only; on_step() and update() allocate nothing (the histogram is made in __init__).
"""

from footfall_core.coach import _MAX_DT_MS, R_LEARNING, Coach

BIN_MG = 100  # baseline histogram: one bin per 100 mg
_BINS = 160  # 0 .. 15.9 g; a higher reading counts in the last bin
_MAX_MG = 32767  # one step's peak, as the tracker reports it at most
_MAX_STEPS = 1024  # steps summed between updates at most (the sum stays below 2**30)


class ImpactCoach(Coach):
    """on_step(peak_mg) for each step; update() once a second returns 0, CUE or CUE_AGAIN."""

    def __init__(self, cfg):
        Coach.__init__(self, cfg)
        self._hist = None  # no cadence baseline is learned in this mode
        self.limit_mg = cfg.impact_limit_mg
        self.baseline_mg = 0
        self.impact_mg = 0  # the last reading
        self._sum = 0
        self._n = 0
        self._ihist = [0] * _BINS if self.limit_mg == 0 else None

    def on_step(self, peak_mg):
        if self._n < _MAX_STEPS:
            self._sum += peak_mg if peak_mg < _MAX_MG else _MAX_MG
            self._n += 1

    def update(self, now_ms, cadence_spm, state, paused=False):
        """One coach tick: the steps since the last one make the reading."""
        if self._n:
            self.impact_mg = self._sum // self._n
            self._sum = 0
            self._n = 0
        self.cadence_spm = cadence_spm
        reading = self.impact_mg if cadence_spm > 0 else 0
        dt = self._running(now_ms, reading, state, paused)
        if dt < 0:
            return 0
        if self.limit_mg == 0:
            self._learn_mg(dt)
            return 0
        return self._judge(now_ms, dt, reading > self.limit_mg)

    def _learn_mg(self, dt):
        self.reason = R_LEARNING
        hist = self._ihist
        if hist is None:
            return
        if dt > _MAX_DT_MS:
            dt = _MAX_DT_MS
        b = self.impact_mg // BIN_MG
        hist[b if b < _BINS else _BINS - 1] += dt
        self._learned_ms += dt
        if self._learned_ms < self._baseline_ms:
            return
        acc = 0
        i = 0
        while 2 * acc < self._learned_ms:
            acc += hist[i]
            i += 1
        self.baseline_mg = (i - 1) * BIN_MG + BIN_MG // 2
        self.limit_mg = self.baseline_mg * (100 - self.cfg.impact_drop_pct) // 100
