"""The coach: the pure decision of when to play the "quicken your steps" cue.

Rules (all times in ms from the caller's clock, all cadences in steps/min):
- The zone is cadence >= target - tolerance ("threshold"). Below it the runner is slow.
- The window: the last `below_s * 3 / 2` seconds of running (15 s at the default 10 s).
  Each update's interval counts for the reading that began it: below or in the zone.
- Cue when at least `below_s` seconds of the window were below the threshold and the
  current reading is below it, while running (state RUNNING, not paused, cadence > 0).
  Dips back into the zone inside the window delay a cue but do not restart the count.
- The first cue of a slow spell is CUE ("quicken"). While the runner stays slow the cue
  repeats every `repeat_s` seconds, escalated (CUE_AGAIN, "quicken_more"): the earlier cue
  was ignored. `repeat_s` 0: one cue per slow spell.
- A slow spell ends after `rearm_s` continuously back in the zone; the next cue is then a
  first cue again, as soon as the window rule holds.
- Never two cues within `min_gap_s`. A reading in the zone never cues.
- Walking, idle, paused or a cadence of 0 keep it silent and empty the window.
- Auto-target: the runner's baseline is the time-weighted median of running cadence over
  the first `baseline_s` seconds of running; target = baseline * (1 + auto_raise_pct10 /
  1000), rounded. No cue before the target is known. A baseline already known (`baseline_spm`,
  kept by a programme between sessions) gives the target at once.
- `mute` (set by the caller: a faded programme's quiet stretch) holds a due cue back
  (R_MUTED); the window and the spell go on as if the runner had not been cued.

`coach.reason` says why the last update did or did not cue (one of the R_* codes, names in
REASON_NAMES), with `coach.threshold_spm`, `coach.below_ms` (time below the threshold in
the window) and `coach.cadence_spm` to explain it ("cadence 158 < 167 for 12 of the last
15 s"); `coach.slow` is whether the window rule holds now (metronome-when-slow follows it).
Integer-only; update() allocates nothing (the window's ring is made in __init__; an entry
holds at least 1 s unless the readings flip between slow and in the zone faster than that).
`now_ms` may be `time.ticks_ms()`: differences are taken modulo 2**30, so it must be called
at least once every 12 days.
"""

from footfall_core.activity import RUNNING

R_NONE = 0  # no update yet
R_NO_TARGET = 1  # target 0 and auto-target off: coaching is off
R_LEARNING = 2  # auto-target still measuring the baseline
R_NOT_RUNNING = 3  # idle or walking
R_PAUSED = 4
R_STOPPED = 5  # cadence 0
R_IN_ZONE = 6  # cadence >= threshold
R_BELOW = 7  # below the threshold, not yet for below_s of the window
R_WAIT = 8  # slow, already cued this spell: the next cue comes repeat_s after the last
R_GAP = 9  # below long enough, but the last cue was less than min_gap_s ago
R_CUE = 10  # cue now
R_MUTED = 11  # a cue was due, but feedback is faded out for now (coach.mute)

_MASK = 0x3FFFFFFF  # ticks_ms() wraps at 2**30 on the ports we run on
_MAX_DT_MS = 5000  # longest gap between updates credited to the baseline
_BINS = 256  # baseline histogram: one bin per spm, 0..255

_ENTRY_MS = 1000  # updates closer than this share a window entry

CUE = 1  # update(): the first cue of a slow spell
CUE_AGAIN = 2  # update(): a repeat while the runner stays slow (the escalated pattern)


def _check(name, value, lo, hi):
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be {lo}..{hi}, got {value!r}")


class CoachConfig:
    """Coach settings; raises ValueError naming the field when a value is out of range."""

    def __init__(
        self,
        target_spm=0,
        tolerance_spm=3,
        below_s=10,
        min_gap_s=10,
        rearm_s=5,
        auto_target=False,
        baseline_s=120,
        auto_raise_pct10=75,
        repeat_s=30,
        baseline_spm=0,
        impact_limit_mg=0,
        impact_drop_pct=20,
    ):
        if target_spm != 0:
            _check("target_spm", target_spm, 60, 240)
        _check("tolerance_spm", tolerance_spm, 0, 30)
        _check("below_s", below_s, 1, 600)
        _check("min_gap_s", min_gap_s, 0, 3600)
        _check("rearm_s", rearm_s, 0, 600)
        if auto_target not in (True, False):
            raise ValueError(f"auto_target must be True or False, got {auto_target!r}")
        _check("baseline_s", baseline_s, 10, 1800)
        _check("auto_raise_pct10", auto_raise_pct10, 0, 300)
        _check("repeat_s", repeat_s, 0, 600)
        if baseline_spm != 0:
            _check("baseline_spm", baseline_spm, 60, 240)
        if impact_limit_mg != 0:
            _check("impact_limit_mg", impact_limit_mg, 1000, 16000)
        _check("impact_drop_pct", impact_drop_pct, 5, 50)
        self.target_spm = target_spm
        self.tolerance_spm = tolerance_spm
        self.below_s = below_s
        self.min_gap_s = min_gap_s
        self.rearm_s = rearm_s
        self.auto_target = bool(auto_target)
        self.baseline_s = baseline_s
        self.auto_raise_pct10 = auto_raise_pct10
        self.repeat_s = repeat_s
        self.baseline_spm = baseline_spm
        self.impact_limit_mg = impact_limit_mg  # impact mode (footfall_core/impact.py)
        self.impact_drop_pct = impact_drop_pct


class Coach:
    """Feed update() with the rolling cadence (e.g. once a second); it returns 0, CUE or
    CUE_AGAIN (the pattern to play)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self._below_ms = cfg.below_s * 1000
        self._window_ms = cfg.below_s * 1500
        self._gap_ms = cfg.min_gap_s * 1000
        self._rearm_ms = cfg.rearm_s * 1000
        self._repeat_ms = cfg.repeat_s * 1000
        self._baseline_ms = cfg.baseline_s * 1000
        self.target_spm = 0 if cfg.auto_target else cfg.target_spm
        self.baseline_spm = 0
        self.reason = R_NONE
        self.cadence_spm = 0
        self.below_ms = 0  # time below the threshold within the window
        self.slow = False  # the window rule holds and the reading is below
        self.cues = 0
        # The window: one entry per update, +ms below the threshold or -ms in the zone.
        self._ring = [0] * (cfg.below_s * 3 // 2 + 4)
        self._head = 0
        self._count = 0
        self._sum_ms = 0
        self._was_below = -1  # the last running reading: 1 below, 0 in zone, -1 none
        self._zone_since = -1
        self._last_cue = -1
        self.spell = False  # a slow spell: cued, and not yet back in the zone for rearm_s
        self._last_update = -1
        self._learned_ms = 0
        self._hist = [0] * _BINS if cfg.auto_target else None
        self.mute = False
        if cfg.auto_target and cfg.baseline_spm:
            self._set_baseline(cfg.baseline_spm)

    def on_step(self, peak_mg):
        """Each step's peak impact: the cadence coach does not use it (impact.py does)."""

    @property
    def threshold_spm(self):
        """Cadence below which the runner counts as slow (0 while there is no target)."""
        if self.target_spm == 0:
            return 0
        return self.target_spm - self.cfg.tolerance_spm

    def update(self, now_ms, cadence_spm, state, paused=False):
        """One cadence reading; returns CUE or CUE_AGAIN when a cue should play, else 0."""
        self.cadence_spm = cadence_spm
        dt = self._running(now_ms, cadence_spm, state, paused)
        if dt < 0:
            return 0
        if self.target_spm == 0:
            if self._hist is None:
                self.reason = R_NO_TARGET
            else:
                self._learn(cadence_spm, dt)
            return 0
        return self._judge(now_ms, dt, cadence_spm < self.target_spm - self.cfg.tolerance_spm)

    def _running(self, now_ms, value, state, paused):
        # ms since the last update while running with a reading; -1 (and silence) otherwise
        dt = 0 if self._last_update < 0 else (now_ms - self._last_update) & _MASK
        self._last_update = now_ms
        self.slow = False
        if state == RUNNING and not paused and value > 0:
            return dt
        self._clear()
        if paused:
            self.reason = R_PAUSED
        else:
            self.reason = R_NOT_RUNNING if state != RUNNING else R_STOPPED
        return -1

    def _judge(self, now_ms, dt, below):
        # The windowed rule on one reading, below (slow, or over the impact limit) or not.
        if self._was_below >= 0:
            self._add(dt, self._was_below)
        self._was_below = 1 if below else 0
        self.below_ms = self._below_sum()
        if not below:
            return self._in_zone(now_ms)
        return self._below(now_ms)

    def _clear(self):
        self._count = 0
        self._sum_ms = 0
        self._was_below = -1
        self._zone_since = -1
        self.below_ms = 0

    def _add(self, dt, below):
        # Append one interval; drop the oldest while the rest still cover the window.
        if dt > _MAX_DT_MS:
            dt = _MAX_DT_MS
        ring = self._ring
        n = len(ring)
        self._sum_ms += dt
        last = (self._head + self._count - 1) % n
        if self._count and (ring[last] > 0) == (below == 1) and abs(ring[last]) < _ENTRY_MS:
            ring[last] += dt if below else -dt  # short updates share an entry
        else:
            if self._count == n:
                self._drop()
            ring[(self._head + self._count) % n] = dt if below else -dt
            self._count += 1
        while self._count > 1 and self._sum_ms - abs(ring[self._head]) >= self._window_ms:
            self._drop()

    def _drop(self):
        self._sum_ms -= abs(self._ring[self._head])
        self._head = (self._head + 1) % len(self._ring)
        self._count -= 1

    def _below_sum(self):
        ring = self._ring
        n = len(ring)
        total = 0
        for i in range(self._count):
            v = ring[(self._head + i) % n]
            if v > 0:
                total += v
        return total

    def _in_zone(self, now_ms):
        if self._zone_since < 0:
            self._zone_since = now_ms
        if self.spell and (now_ms - self._zone_since) & _MASK >= self._rearm_ms:
            self.spell = False
        self.reason = R_IN_ZONE
        return 0

    def _below(self, now_ms):
        self._zone_since = -1
        if self.below_ms < self._below_ms:
            self.reason = R_BELOW
            return 0
        self.slow = True
        since = _MASK if self._last_cue < 0 else (now_ms - self._last_cue) & _MASK
        if since < self._gap_ms:
            self.reason = R_GAP
            return 0
        if self.spell and (self._repeat_ms == 0 or since < self._repeat_ms):
            self.reason = R_WAIT
            return 0
        if self.mute:
            self.reason = R_MUTED
            return 0
        level = CUE_AGAIN if self.spell else CUE
        self.spell = True
        self._last_cue = now_ms
        self.cues += 1
        self.reason = R_CUE
        return level

    def _learn(self, cadence_spm, dt):
        # Time-weighted histogram of running cadence; its median is the baseline.
        self.reason = R_LEARNING
        if dt > _MAX_DT_MS:
            dt = _MAX_DT_MS
        hist = self._hist
        if hist is None:  # auto-target off: nothing to learn
            return
        hist[cadence_spm if cadence_spm < _BINS else _BINS - 1] += dt
        self._learned_ms += dt
        if self._learned_ms < self._baseline_ms:
            return
        half = self._learned_ms
        acc = 0
        i = 0
        while 2 * acc < half:
            acc += hist[i]
            i += 1
        self._set_baseline(i - 1)

    def _set_baseline(self, spm):
        self.baseline_spm = spm
        self.target_spm = (spm * (1000 + self.cfg.auto_raise_pct10) + 500) // 1000
