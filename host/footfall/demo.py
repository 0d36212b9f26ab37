"""Replay a run through the real core and coach, and explain it (`footfall demo`).

The recording is resampled exactly as `footfall detect` does it and fed to
footfall_core.replay.Replay, so the step count is the detector's. Once per second of
samples (Replay's cadence event) the coach gets the tracker's cadence and activity state,
as the firmware's coach task does on the board. Nothing here detects, measures cadence or
decides a cue: it only collects what the core reports and prints it for a runner.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from footfall_core import activity
from footfall_core.coach import CUE, R_CUE, Coach, CoachConfig
from footfall_core.replay import Replay

from footfall.csvio import Recording, read_recording
from footfall.errors import InputError
from footfall.paths import DEMO_RECORDING
from footfall.resample import continuous, grid_time_ms, resample

RATE_HZ = 100  # the reference board's rate
WINDOW_S = 30  # one timeline line per this many seconds
BAR_FROM_SPM, BAR_SPM_PER_CHAR, BAR_CHARS = 120, 2, 50


@dataclass(frozen=True)
class Tick:
    """One coach update: what the firmware's coach task would have seen and decided."""

    t_ms: int  # the recording's own time base
    cadence_spm: int
    state: int  # activity.IDLE / WALKING / RUNNING
    target_spm: int  # 0 while auto-target is still learning
    threshold_spm: int
    below_ms: int
    reason: int  # coach R_* code
    cue: int = 0  # what update() returned: 0, CUE or CUE_AGAIN (a repeat, escalated)


@dataclass(frozen=True)
class DemoRun:
    file: str
    placement: str
    duration_ms: int
    t0_ms: int
    step_times_ms: list[int]
    peak_impact_mg: list[int]
    ticks: list[Tick]
    config: CoachConfig

    @property
    def cues(self) -> list[Tick]:
        return [tick for tick in self.ticks if tick.reason == R_CUE]


def bundled_recording() -> Path:
    """The demo run: the checkout's, or the copy an installed wheel carries."""
    return DEMO_RECORDING


def load_recording(path: str | None) -> Recording:
    """The recording at `path`, or the bundled run for None; InputError when the bundled run
    is missing, or for a recording with a gap the coach cannot run across."""
    if path is None:
        bundled = bundled_recording()
        if not bundled.is_file():
            raise InputError(
                str(bundled),
                None,
                "the bundled demo recording is missing (it ships with "
                "footfall; pass --recording CSV)",
            )
        rec_path, name = bundled, bundled.name
    else:
        rec_path, name = Path(path), path
    rec = read_recording(rec_path, name)
    continuous(rec, RATE_HZ)  # one run through the coach
    return rec


def coach_config(target: str) -> CoachConfig:
    """`--target`: an integer target in spm, or "auto" (baseline + 7.5%)."""
    if target == "auto":
        return CoachConfig(auto_target=True)
    return CoachConfig(target_spm=int(target))


def run_demo(rec: Recording, placement: str, cfg: CoachConfig) -> DemoRun:
    """Run the core over `rec` at RATE_HZ and feed the coach once per second of samples."""
    grid = resample(rec.t_ms, rec.acc_mg, RATE_HZ)
    coach = Coach(cfg)
    steps: list[int] = []
    peaks: list[int] = []
    ticks: list[Tick] = []

    def on_step(index: int, peak_mg: int) -> None:
        steps.append(index)
        peaks.append(peak_mg)

    def on_cadence(index: int, spm: int) -> None:
        now_ms = index * 1000 // RATE_HZ  # the board's clock: ms since sampling started
        state = replay.tracker.state()
        cue = coach.update(now_ms, spm, state)
        t_ms = int(grid_time_ms(grid.t0_ms, index, RATE_HZ))
        ticks.append(
            Tick(
                t_ms=t_ms,
                cadence_spm=spm,
                state=state,
                target_spm=coach.target_spm,
                threshold_spm=coach.threshold_spm,
                below_ms=coach.below_ms,
                reason=coach.reason,
                cue=cue,
            )
        )

    replay = Replay(RATE_HZ, placement, on_step, on_cadence)
    flat = np.asarray(grid.acc_mg, dtype=np.int64).reshape(-1).tolist()  # plain ints
    replay.push_block(flat, len(flat) // 3)
    replay.flush()
    step_t = grid_time_ms(grid.t0_ms, np.array(steps, dtype=np.int64), RATE_HZ)
    return DemoRun(
        file=rec.file,
        placement=placement,
        duration_ms=rec.duration_ms,
        t0_ms=grid.t0_ms,
        step_times_ms=[int(t) for t in step_t],
        peak_impact_mg=peaks,
        ticks=ticks,
        config=cfg,
    )


def clock(ms: int) -> str:
    """m:ss for a duration in ms."""
    s = ms // 1000
    return f"{s // 60}:{s % 60:02d}"


def cue_reason(cue: Tick, cfg: CoachConfig) -> str:
    return (
        f"cadence {cue.cadence_spm} spm below {cue.threshold_spm} "
        f"(target {cue.target_spm} - {cfg.tolerance_spm}) for {cue.below_ms // 1000} of the "
        f"last {cfg.below_s * 3 // 2} s"
    )


def _bar(spm: float, threshold_spm: int) -> str:
    """A bar of `=` from BAR_FROM_SPM with `|` marking the threshold."""
    n = int(min(max(spm - BAR_FROM_SPM, 0) / BAR_SPM_PER_CHAR, BAR_CHARS))
    cells = ["="] * n + [" "] * (BAR_CHARS - n)
    if threshold_spm:
        at = (threshold_spm - BAR_FROM_SPM) // BAR_SPM_PER_CHAR
        if 0 <= at < BAR_CHARS:
            cells[at] = "|"
    return "".join(cells).rstrip()


def timeline(run: DemoRun) -> list[str]:
    """One line per WINDOW_S: mean moving cadence, the main activity and a bar."""
    lines = []
    for start in range(0, len(run.ticks), WINDOW_S):
        window = run.ticks[start : start + WINDOW_S]
        t_from = window[0].t_ms - 1000 - run.t0_ms  # a tick closes its second
        label = f"  {clock(t_from):>5}-{clock(window[-1].t_ms - run.t0_ms):<5}"
        moving = [tick.cadence_spm for tick in window if tick.cadence_spm > 0]
        states = [tick.state for tick in window]
        state = max(set(states), key=states.count)
        if not moving:
            lines.append(f"{label}   --- spm  {activity.NAMES[state]:<8}")
            continue
        mean = sum(moving) / len(moving)
        threshold = window[-1].threshold_spm
        slow = state == activity.RUNNING and 0 < threshold and round(mean) < threshold
        below = "  below target" if slow else ""
        cues = sum(tick.reason == R_CUE for tick in window)
        cued = f"  {cues} cue{'s' * (cues > 1)}" if cues else ""
        bar = _bar(mean, threshold)
        lines.append(f"{label}  {mean:4.0f} spm  {activity.NAMES[state]:<8} {bar}{below}{cued}")
    return lines


def summary(run: DemoRun) -> str:
    """The readable report: totals, cadence timeline, impacts, coach cues, time in zone."""
    cfg = run.config
    running = [t for t in run.ticks if t.state == activity.RUNNING and t.cadence_spm > 0]
    coached = [t for t in running if t.threshold_spm]
    in_zone = [t for t in coached if t.cadence_spm >= t.threshold_spm]
    lines = [
        f"footfall demo: {run.file} ({run.placement}, {RATE_HZ} Hz, the real core in CPython)",
        f"  steps: {len(run.step_times_ms)}   duration: {clock(run.duration_ms)}   "
        f"running: {clock(1000 * len(running))}",
    ]
    if running:
        spm = np.array([t.cadence_spm for t in running])
        lines.append(
            f"  running cadence: median {np.median(spm):.0f} spm, "
            f"range {spm.min()}-{spm.max()} spm"
        )
    if run.peak_impact_mg:
        g = np.array(run.peak_impact_mg) / 1000
        lines.append(
            f"  peak impact: median {np.median(g):.2f} g, p95 {np.percentile(g, 95):.2f} g, "
            f"max {g.max():.2f} g"
        )
    lines += ["", f"cadence every {WINDOW_S} s (bar from {BAR_FROM_SPM} spm, | = threshold):"]
    lines += timeline(run)
    lines += ["", "coach: " + _describe(cfg, run), "  " + _rules(cfg)]
    for cue in run.cues:
        at = clock(cue.t_ms - run.t0_ms)
        said = "'quicken your steps'" if cue.cue == CUE else "again, stronger (still slow)"
        lines.append(f"  {at}  buzz {said}: {cue_reason(cue, cfg)}")
    if not run.cues:
        lines.append("  no cues: the cadence was never below the threshold long enough")
    if coached:
        share = 100 * len(in_zone) / len(coached)
        lines.append(
            f"  time in target zone: {clock(1000 * len(in_zone))} of "
            f"{clock(1000 * len(coached))} coached running ({share:.0f}%)"
        )
    return "\n".join(lines)


def to_json(run: DemoRun) -> dict[str, Any]:
    """The --json object: the figures summary() prints, times in ms since the recording's
    start, impacts in mg; target_spm 0 while none is known, in_zone_pct null uncoached."""
    running = [t for t in run.ticks if t.state == activity.RUNNING and t.cadence_spm > 0]
    coached = [t for t in running if t.threshold_spm]
    spm = [t.cadence_spm for t in running]
    peaks = run.peak_impact_mg
    learned = next((t.target_spm for t in run.ticks if t.target_spm), 0)
    return {
        "file": run.file,
        "placement": run.placement,
        "rate_hz": RATE_HZ,
        "duration_ms": run.duration_ms,
        "steps": len(run.step_times_ms),
        "running_s": len(running),  # one coach tick per second
        "cadence_median_spm": float(np.median(spm)) if spm else None,
        "impact_median_mg": float(np.median(peaks)) if peaks else None,
        "impact_p95_mg": float(np.percentile(peaks, 95)) if peaks else None,
        "impact_max_mg": max(peaks) if peaks else None,
        "auto_target": bool(run.config.auto_target),
        "target_spm": learned if run.config.auto_target else run.config.target_spm,
        "in_zone_pct": 100 * sum(t.cadence_spm >= t.threshold_spm for t in coached)
        / len(coached) if coached else None,
        "cues": [{"t_ms": c.t_ms - run.t0_ms, "cadence_spm": c.cadence_spm,
                  "threshold_spm": c.threshold_spm, "again": c.cue != CUE} for c in run.cues],
    }  # fmt: skip


def _rules(cfg: CoachConfig) -> str:
    return (
        f"cue when {cfg.below_s} of the last {cfg.below_s * 3 // 2} s were below target - "
        f"{cfg.tolerance_spm} spm while running, again every {cfg.repeat_s} s while slow, "
        f"at most one per {cfg.min_gap_s} s; a new spell after {cfg.rearm_s} s in the zone"
    )


def _describe(cfg: CoachConfig, run: DemoRun) -> str:
    if not cfg.auto_target:
        return f"target {cfg.target_spm} spm"
    learned = next((t for t in run.ticks if t.target_spm), None)
    if learned is None:
        return f"auto-target: not enough running to learn a baseline ({cfg.baseline_s} s)"
    return (
        f"auto-target {learned.target_spm} spm (baseline over the first {cfg.baseline_s} s "
        f"of running + {cfg.auto_raise_pct10 / 10:g}%), known at "
        f"{clock(learned.t_ms - run.t0_ms)}"
    )
