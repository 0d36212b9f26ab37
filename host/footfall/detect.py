"""Run the step core over a recording and map its steps and cadence back to the file's time.

`footfall detect` (footfall.cli.detect) prints what detect_recording() returns; Detection's
to_json() is its --json line.
"""

from dataclasses import dataclass

import numpy as np

from footfall import engine
from footfall.csvio import Recording
from footfall.resample import grid_time_ms, resample, segments

MIN_RATE_HZ, MAX_RATE_HZ = 25, 400


@dataclass(frozen=True)
class Detection:
    """The detector's result for one recording, times in the recording's own t_ms base."""

    file: str
    placement: str
    rate_hz: int
    engine: str
    duration_s: float
    step_times_ms: list[int]
    peak_impact_mg: list[int]
    cadence_spm: list[list[int]]  # [t_ms, spm], once per second

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "steps": len(self.step_times_ms),
            "step_times_ms": self.step_times_ms,
            "peak_impact_mg": self.peak_impact_mg,
            "cadence_spm": self.cadence_spm,
            "engine": self.engine,
            "rate_hz": self.rate_hz,
            "placement": self.placement,
            "duration_s": self.duration_s,
        }


def detect_recording(rec: Recording, rate_hz: int, placement: str, engine_name: str) -> Detection:
    """Resample `rec` to rate_hz, run the core on `engine_name`, map events back to t_ms.
    A gap over MAX_GAP_MS splits the recording: the core starts afresh after it, and no
    cadence is reported inside it."""
    grids = [resample(rec.t_ms[p], rec.acc_mg[p], rate_hz) for p in segments(rec, rate_hz)]
    starts = np.cumsum([0] + [len(g.acc_mg) for g in grids[:-1]])
    acc = grids[0].acc_mg if len(grids) == 1 else np.concatenate([g.acc_mg for g in grids])
    events = engine.run(acc, rate_hz, placement, engine_name, starts.tolist())

    def times_ms(index: np.ndarray) -> np.ndarray:
        piece = np.searchsorted(starts, index, side="right") - 1
        t0 = np.array([g.t0_ms for g in grids], dtype=np.int64)[piece]
        return np.asarray(grid_time_ms(t0, index - starts[piece], rate_hz))

    step_t = times_ms(events.step_index)
    cad_t = times_ms(events.cadence_index)
    return Detection(
        file=rec.file,
        placement=placement,
        rate_hz=rate_hz,
        engine=engine_name,
        duration_s=rec.duration_ms / 1000,
        step_times_ms=[int(t) for t in step_t],
        peak_impact_mg=[int(p) for p in events.peak_mg],
        cadence_spm=[[int(t), int(s)] for t, s in zip(cad_t, events.cadence_spm, strict=True)],
    )


def summary(d: Detection) -> str:
    """A few readable lines about one detection."""
    lines = [
        f"{d.file}: {len(d.step_times_ms)} steps in {d.duration_s:.1f} s "
        f"({d.placement}, {d.rate_hz} Hz, {d.engine})"
    ]
    moving = np.array([spm for _, spm in d.cadence_spm if spm > 0])
    if moving.size:
        p10, p50, p90 = np.percentile(moving, [10, 50, 90])
        lines.append(
            f"  cadence: median {p50:.0f} spm (p10 {p10:.0f}, p90 {p90:.0f}) "
            f"over {moving.size} s moving"
        )
    if d.peak_impact_mg:
        peaks = np.array(d.peak_impact_mg)
        lines.append(f"  peak impact: median {np.median(peaks):.0f} mg, max {peaks.max()} mg")
    return "\n".join(lines)
