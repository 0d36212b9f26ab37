"""The coach: the pure decision of when to play the "quicken your steps" cue.

Rules (all times in ms from the caller's clock, all cadences in steps/min):
- The zone is cadence >= target - tolerance ("threshold"). Below it the runner is slow.
- Cue when the cadence has stayed below the threshold continuously for `below_s` while
  running (state RUNNING, not paused, cadence > 0).
- At most one cue per `min_gap_s`.
- After a cue the coach is disarmed; it re-arms only after `rearm_s` continuously back in
  the zone, so one slow spell gives one cue, however long it lasts.
- Walking, idle, paused or a cadence of 0 keep it silent and reset the below-target timer
  (and the back-in-zone timer).
- Auto-target: the runner's baseline is the time-weighted median of running cadence over
  the first `baseline_s` seconds of running; target = baseline * (1 + auto_raise_pct10 /
  1000), rounded. No cue before the target is known.

`coach.reason` says why the last update did or did not cue (one of the R_* codes, names in
REASON_NAMES), with `coach.threshold_spm`, `coach.below_ms` and `coach.cadence_spm` to
explain it ("cadence 158 < 167 for 10 s"). Integer-only; update() allocates nothing.
`now_ms` may be `time.ticks_ms()`: differences are taken modulo 2**30, so it must be
called at least once every 12 days.
"""

from footfall_core.activity import RUNNING

R_NONE = 0  # no update yet
R_NO_TARGET = 1  # target 0 and auto-target off: coaching is off
R_LEARNING = 2  # auto-target still measuring the baseline
R_NOT_RUNNING = 3  # idle or walking
R_PAUSED = 4
R_STOPPED = 5  # cadence 0
R_IN_ZONE = 6  # cadence >= threshold
R_BELOW = 7  # below the threshold, not yet for below_s
R_DISARMED = 8  # below, but already cued this slow spell: waiting to re-arm
R_GAP = 9  # below long enough, but the last cue was less than min_gap_s ago
R_CUE = 10  # cue now

REASON_NAMES = (
    "no update yet",
    "no target set",
    "learning baseline",
    "not running",
    "paused",
    "stopped",
    "in zone",
    "below target",
    "already cued: waiting to re-arm",
    "too soon after last cue",
    "cue",
)

_MASK = 0x3FFFFFFF  # ticks_ms() wraps at 2**30 on the ports we run on
_MAX_DT_MS = 5000  # longest gap between updates credited to the baseline
_BINS = 256  # baseline histogram: one bin per spm, 0..255


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
        self.target_spm = target_spm
        self.tolerance_spm = tolerance_spm
        self.below_s = below_s
        self.min_gap_s = min_gap_s
        self.rearm_s = rearm_s
        self.auto_target = bool(auto_target)
        self.baseline_s = baseline_s
        self.auto_raise_pct10 = auto_raise_pct10


class Coach:
    """Feed update() with the rolling cadence (e.g. once a second); True means cue now."""

    def __init__(self, cfg):
        self.cfg = cfg
        self._below_ms = cfg.below_s * 1000
        self._gap_ms = cfg.min_gap_s * 1000
        self._rearm_ms = cfg.rearm_s * 1000
        self._baseline_ms = cfg.baseline_s * 1000
        self.target_spm = 0 if cfg.auto_target else cfg.target_spm
        self.baseline_spm = 0
        self.reason = R_NONE
        self.cadence_spm = 0
        self.below_ms = 0  # how long the cadence has been below the threshold
        self.cues = 0
        self._below_since = -1
        self._zone_since = -1
        self._last_cue = -1
        self._armed = True
        self._last_update = -1
        self._learned_ms = 0
        self._hist = [0] * _BINS if cfg.auto_target else None

    @property
    def threshold_spm(self):
        """Cadence below which the runner counts as slow (0 while there is no target)."""
        if self.target_spm == 0:
            return 0
        return self.target_spm - self.cfg.tolerance_spm

    def update(self, now_ms, cadence_spm, state, paused=False):
        """One cadence reading; returns True when the "quicken your steps" cue should play."""
        dt = 0 if self._last_update < 0 else (now_ms - self._last_update) & _MASK
        self._last_update = now_ms
        self.cadence_spm = cadence_spm
        running = state == RUNNING and not paused and cadence_spm > 0
        if not running:
            self._below_since = -1
            self._zone_since = -1
            self.below_ms = 0
            if paused:
                self.reason = R_PAUSED
            else:
                self.reason = R_NOT_RUNNING if state != RUNNING else R_STOPPED
            return False
        if self.target_spm == 0:
            if self._hist is None:
                self.reason = R_NO_TARGET
            else:
                self._learn(cadence_spm, dt)
            return False
        if cadence_spm >= self.target_spm - self.cfg.tolerance_spm:
            return self._in_zone(now_ms)
        return self._below(now_ms)

    def _in_zone(self, now_ms):
        self._below_since = -1
        self.below_ms = 0
        if self._zone_since < 0:
            self._zone_since = now_ms
        if not self._armed and (now_ms - self._zone_since) & _MASK >= self._rearm_ms:
            self._armed = True
        self.reason = R_IN_ZONE
        return False

    def _below(self, now_ms):
        self._zone_since = -1
        if self._below_since < 0:
            self._below_since = now_ms
        self.below_ms = (now_ms - self._below_since) & _MASK
        if not self._armed:
            self.reason = R_DISARMED
        elif self.below_ms < self._below_ms:
            self.reason = R_BELOW
        elif self._last_cue >= 0 and (now_ms - self._last_cue) & _MASK < self._gap_ms:
            self.reason = R_GAP
        else:
            self._armed = False
            self._last_cue = now_ms
            self.cues += 1
            self.reason = R_CUE
            return True
        return False

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
        self.baseline_spm = i - 1
        self.target_spm = (self.baseline_spm * (1000 + self.cfg.auto_raise_pct10) + 500) // 1000
