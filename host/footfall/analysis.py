"""Per-session analysis: what one run says about cadence, cues, fatigue and impact (numpy).

Input is a `SessionData`, the step arrays of one session plus the few header fields the
analysis needs; `summarise()` turns it into a `SessionSummary`. Everything is vectorised
over the steps. Conventions:
- Running steps are those logged in the RUNNING activity state. Times are weighted by each
  step's interval, capped at MAX_STEP_GAP_MS so a pause never counts as running.
- Cadence statistics are time-weighted over running steps with a cadence (> 0).
- The target zone is the coach's: cadence >= target - tolerance.
- Cues are the steps flagged "cue given"; recovery is the time from a cue to the first
  running step back in the zone.
- Peak impact is in g (the session stores milli-g in 100 mg steps).
- Impact vs cadence is a Theil-Sen slope through the mean impact of each 1 spm cadence bin
  that holds enough steps (the mean, because impacts are stored in 100 mg steps): robust to
  outlying bins and to uneven time spent at each cadence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from footfall_core import records as core
from footfall_core.activity import RUNNING

from footfall import records
from footfall.errors import AnalysisError

MAX_STEP_GAP_MS = 2000  # a longer interval is a stop, not running time
MIN_BIN_STEPS = 5  # a cadence bin needs this many steps to count in the impact fit
MIN_BIN_SHARE = 0.005  # ... and at least this share of the running steps
MIN_FIT_BINS = 3


@dataclass(frozen=True)
class SessionData:
    """One session's steps as arrays (one element per step) and its coaching settings."""

    session_id: str  # the store's id
    device: str
    start_s: int
    duration_ms: int
    target_spm: int  # 0: no target known (coaching off or auto-target never settled)
    tolerance_spm: int
    t_ms: np.ndarray
    interval_ms: np.ndarray
    peak_mg: np.ndarray
    cadence_spm: np.ndarray
    flags: np.ndarray
    clock_set: bool = True  # False: start_s is the device's unset clock (not re-based)
    device_session_id: int = 0  # the device's session number (its header's)
    # the coach's mode, where the header records it: in a metronome mode a cue is logged
    # but the metronome beats instead of the "quicken" buzz
    coach: str = "cues"

    @classmethod
    def from_session(cls, session: records.Session, session_id: str) -> SessionData:
        """From a decoded session file; an auto-target's settled value replaces a 0 target."""
        h = session.header
        target = h.target_spm
        for e in session.of_type(records.Event):
            if e.kind == core.EV_TARGET:
                target = e.value
        return cls(
            session_id=session_id,
            device=h.device_id.hex(),
            start_s=h.start_s,
            duration_ms=session.duration_ms,
            target_spm=target,
            tolerance_spm=h.tolerance_spm,
            t_ms=session.t_ms,
            interval_ms=session.interval_ms,
            peak_mg=session.peak_mg,
            cadence_spm=session.cadence_spm,
            flags=session.flags,
            clock_set=h.clock_set,
            device_session_id=h.session_id,
            coach=_coach(h),
        )

    @property
    def threshold_spm(self) -> int:
        return max(self.target_spm - self.tolerance_spm, 0)

    def running_mask(self) -> np.ndarray:
        return (self.flags & core.STATE_MASK) == RUNNING

    def running_dt_ms(self) -> np.ndarray:
        """Each step's running time: its interval if it is a running step, capped, else 0."""
        dt = np.minimum(self.interval_ms, MAX_STEP_GAP_MS)
        return np.where(self.running_mask(), dt, 0)


def _coach(header: records.Header) -> str:
    """The header's coach mode when it records one as a name, else "cues" (the default)."""
    coach = getattr(header, "coach", None)
    return coach if isinstance(coach, str) and coach else "cues"


@dataclass(frozen=True)
class Cue:
    t_ms: int
    cadence_spm: int
    recovery_s: float | None  # None: never back in the zone before the session ended


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    device: str
    start_s: int
    duration_s: float
    running_s: float
    steps: int
    running_steps: int
    target_spm: int
    threshold_spm: int
    cadence_mean_spm: float
    cadence_median_spm: float
    cadence_p10_spm: float
    cadence_p90_spm: float
    in_zone_pct: float | None
    cues: tuple[Cue, ...]
    cadence_first_third_spm: float
    cadence_last_third_spm: float
    cadence_drift_spm: float
    impact_median_g: float
    impact_p95_g: float
    impact_max_g: float
    impact_load_g: float  # sum of every step's peak impact: the session's impact load
    impact_slope_g_per_spm: float | None  # None: too little cadence spread to fit
    impact_fit_bins: int
    clock_set: bool = True  # False: start_s is the device's unset clock, not a date
    device_session_id: int = 0  # the device's session number

    def to_json(self) -> dict[str, Any]:
        """The fields, with the store's id as `id`, the device's session number as
        `session_id`, and `start` (ISO 8601 UTC); both starts null when the clock was unset."""
        d = asdict(self)
        sid, d["session_id"] = d.pop("session_id"), d.pop("device_session_id")
        dated = d.pop("clock_set")
        d["start_s"] = self.start_s if dated else None
        start = datetime.fromtimestamp(self.start_s, UTC).isoformat() if dated else None
        return {"id": sid, "start": start, **d}


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of values where each counts for its weight (lower value at ties)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w, dtype=np.float64)
    idx = np.searchsorted(cum, np.asarray(qs) * cum[-1], side="left")
    return v[np.minimum(idx, len(v) - 1)].astype(np.float64)


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Median of the pairwise slopes (x distinct): robust to a third of outliers."""
    dx = np.subtract.outer(x, x)
    dy = np.subtract.outer(y, y)
    upper = np.triu_indices(len(x), k=1)
    return float(np.median(dy[upper] / dx[upper]))


def impact_by_cadence(cadence_spm: np.ndarray, impact_g: np.ndarray) -> tuple[np.ndarray, ...]:
    """(cadence bins in spm, mean impact in g) of the 1 spm bins with enough steps."""
    cad = cadence_spm.astype(np.int64)
    order = np.argsort(cad, kind="stable")
    bins, starts, counts = np.unique(cad[order], return_index=True, return_counts=True)
    if len(bins) == 0:
        return bins.astype(np.float64), bins.astype(np.float64)
    keep = counts >= max(MIN_BIN_STEPS, MIN_BIN_SHARE * len(cad))
    means = np.add.reduceat(impact_g[order], starts)[keep] / counts[keep]
    return bins[keep].astype(np.float64), means


def impact_fit(bins: np.ndarray, means: np.ndarray) -> tuple[float, float] | None:
    """(slope in g per +1 spm, intercept in g) through the bin means; None under 3 bins."""
    if len(bins) < MIN_FIT_BINS:
        return None
    slope = theil_sen_slope(bins, means)
    return slope, float(np.median(means - slope * bins))


def _cues(data: SessionData) -> tuple[Cue, ...]:
    cue_idx = np.flatnonzero(data.flags & core.FLAG_CUE)
    if len(cue_idx) == 0:
        return ()
    back = data.running_mask() & (data.cadence_spm >= data.threshold_spm)
    back_t = data.t_ms[back]
    cue_t = data.t_ms[cue_idx]
    nxt = np.searchsorted(back_t, cue_t, side="right")
    back_t = np.append(back_t, -1)  # where nxt points past the end: never back
    rec_s = np.where(back_t[nxt] >= 0, (back_t[nxt] - cue_t) / 1000, np.nan)
    return tuple(
        Cue(int(t), int(c), None if np.isnan(r) else float(r))
        for t, c, r in zip(cue_t, data.cadence_spm[cue_idx], rec_s, strict=True)
    )


def summarise(data: SessionData) -> SessionSummary:
    """The session's summary; AnalysisError when it holds no running with a cadence."""
    dt = data.running_dt_ms()
    use = (dt > 0) & (data.cadence_spm > 0)
    if not use.any():
        raise AnalysisError(
            f"session {data.session_id} has no running "
            f"({len(data.t_ms)} steps, none in the running state with a cadence)"
        )
    cad, w = data.cadence_spm[use], dt[use]
    running_ms = float(dt.sum())
    p10, median, p90 = weighted_quantiles(cad, w, [0.1, 0.5, 0.9])
    in_zone = None
    if data.target_spm > 0:
        in_zone = float(100 * w[cad >= data.threshold_spm].sum() / w.sum())
    # Fatigue: first vs last third of the running time.
    elapsed = np.cumsum(w) - w / 2  # each step's midpoint in running time
    span = float(w.sum())
    first = elapsed < span / 3
    last = elapsed >= 2 * span / 3
    first_spm = weighted_quantiles(cad[first], w[first], [0.5])[0] if first.any() else median
    last_spm = weighted_quantiles(cad[last], w[last], [0.5])[0] if last.any() else median
    impact_g = data.peak_mg[use] / 1000
    q50, q95 = np.quantile(impact_g, [0.5, 0.95])
    bins, means = impact_by_cadence(cad, impact_g)
    fit = impact_fit(bins, means)
    return SessionSummary(
        session_id=data.session_id,
        device=data.device,
        start_s=data.start_s,
        duration_s=data.duration_ms / 1000,
        running_s=running_ms / 1000,
        steps=len(data.t_ms),
        running_steps=int(data.running_mask().sum()),
        target_spm=data.target_spm,
        threshold_spm=data.threshold_spm,
        cadence_mean_spm=float(np.average(cad, weights=w)),
        cadence_median_spm=float(median),
        cadence_p10_spm=float(p10),
        cadence_p90_spm=float(p90),
        in_zone_pct=in_zone,
        cues=_cues(data),
        cadence_first_third_spm=float(first_spm),
        cadence_last_third_spm=float(last_spm),
        cadence_drift_spm=float(last_spm - first_spm),
        impact_median_g=float(q50),
        impact_p95_g=float(q95),
        impact_max_g=float(impact_g.max()),
        impact_load_g=float(data.peak_mg.sum() / 1000),
        impact_slope_g_per_spm=None if fit is None else fit[0],
        impact_fit_bins=len(bins),
        clock_set=data.clock_set,
        device_session_id=data.device_session_id,
    )


def below_spans(data: SessionData) -> list[tuple[int, int]]:
    """(start_ms, end_ms) of each stretch of running below the zone (cadence < target -
    tolerance), each step covering its own capped interval up to its time; [] without a
    target. Touching steps join into one stretch."""
    if data.target_spm <= 0:
        return []
    dt = data.running_dt_ms()
    below = (dt > 0) & (data.cadence_spm > 0) & (data.cadence_spm < data.threshold_spm)
    end = data.t_ms[below]
    start = end - dt[below]
    if len(end) == 0:
        return []
    # a new stretch wherever a step starts after the previous below step ended
    new = np.flatnonzero(start[1:] > end[:-1]) + 1
    firsts = np.concatenate([[0], new])
    lasts = np.concatenate([new - 1, [len(end) - 1]])
    return [(int(start[a]), int(end[b])) for a, b in zip(firsts, lasts, strict=True)]


ACTIVITY_NAMES = ("idle", "walking", "running", "state 3")


def step_table(data: SessionData) -> dict[str, np.ndarray]:
    """One row per step, unit-named columns: the open exports' table (CSV, Parquet)."""
    n = len(data.t_ms)
    return {
        "session_id": np.full(n, data.session_id, dtype=object),
        "device": np.full(n, data.device, dtype=object),
        "time_ms": data.start_s * 1000 + data.t_ms,  # Unix time of the step, ms
        "t_ms": data.t_ms,  # since the session began
        "interval_ms": data.interval_ms,
        "cadence_spm": data.cadence_spm,
        "peak_impact_g": data.peak_mg / 1000,
        "activity": np.array(ACTIVITY_NAMES, dtype=object)[data.flags & core.STATE_MASK],
        "cue": (data.flags & core.FLAG_CUE) > 0,
        "target_spm": np.full(n, data.target_spm),
    }
