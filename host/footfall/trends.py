"""Training load across sessions: weekly running time, steps and impact load, with flags.

Weeks are ISO weeks (Monday 00:00 UTC). A session counts in the week it started. The load
of a week is the sum of its sessions' impact loads (every step's peak impact in g). Flags,
because training volume errors are the most common cause of runner's knee:
- load jump: a week's load rises more than LOAD_JUMP_PCT over the previous week's;
- acute:chronic: this week's load over the mean weekly load of the last CHRONIC_WEEKS
  weeks (this one included, the rolling-average form) outside ACWR_LOW..ACWR_HIGH. It needs
  CHRONIC_WEEKS weeks of history, so the first weeks have none.
Cadence per week is the running-time-weighted mean of the sessions' median cadences, set
against their targets; the trend is a least-squares slope in spm per week.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from footfall.analysis import SessionSummary
from footfall.errors import AnalysisError

WEEK_S = 7 * 86400
EPOCH_MONDAY_S = 4 * 86400  # 1970-01-05, the first Monday after the Unix epoch
LOAD_JUMP_PCT = 10.0
ACWR_LOW, ACWR_HIGH = 0.8, 1.3
CHRONIC_WEEKS = 4


@dataclass(frozen=True)
class Week:
    week: str  # ISO week, e.g. "2026-W47"
    start: str  # its Monday, YYYY-MM-DD
    sessions: int
    running_s: float
    steps: int
    impact_load_g: float
    load_change_pct: float | None  # vs the previous week; None when that week had no load
    load_jump: bool
    acwr: float | None
    acwr_flag: bool
    in_progress: bool  # the current week: its load is still growing
    cadence_spm: float | None
    target_spm: float | None
    cadence_gap_spm: float | None  # cadence - target


@dataclass(frozen=True)
class Trends:
    weeks: tuple[Week, ...]
    cadence_trend_spm_per_week: float | None
    sessions_without_running: int
    sessions_undated: int = 0  # clock unset on the device and not re-based: left out

    def flagged(self) -> list[Week]:
        return [w for w in self.weeks if w.load_jump or w.acwr_flag]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def week_index(start_s: np.ndarray) -> np.ndarray:
    return (np.asarray(start_s, dtype=np.int64) - EPOCH_MONDAY_S) // WEEK_S


def _week_label(index: int) -> tuple[str, str]:
    monday = datetime.fromtimestamp(EPOCH_MONDAY_S + index * WEEK_S, UTC)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", monday.strftime("%Y-%m-%d")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _opt(v: float) -> float | None:
    return None if np.isnan(v) else float(v)


def weekly(summaries: Sequence[SessionSummary], weeks: int | None = None,
           without_running: int = 0, now_s: float | None = None,
           undated: int = 0) -> Trends:  # fmt: skip
    """Weekly totals and flags over every week from the first session to the last; the last
    `weeks` of them are returned (flags still use the history before them).

    The week holding `now_s` (default: now) is still in progress: a low acute:chronic
    ratio is expected there and not flagged; a jump or a high ratio already is one."""
    current = int(week_index(np.array([time.time() if now_s is None else now_s]))[0])
    if not summaries:
        why = f" ({undated} with the device's clock unset)" if undated else ""
        raise AnalysisError(f"no running in any dated session{why}: nothing to trend")
    idx = week_index(np.array([s.start_s for s in summaries]))
    first = int(idx.min())
    pos = idx - first
    n = int(pos.max()) + 1
    run_s = np.array([s.running_s for s in summaries])
    target = np.array([s.target_spm for s in summaries], dtype=np.float64)
    has_target = target > 0

    def total(values: np.ndarray | list[float]) -> np.ndarray:
        return np.bincount(pos, weights=np.asarray(values, dtype=np.float64), minlength=n)

    count = np.bincount(pos, minlength=n)
    load = total([s.impact_load_g for s in summaries])
    prev = np.concatenate([[np.nan], load[:-1]])
    change = _ratio(load - prev, prev) * 100
    chronic = np.convolve(load, np.ones(CHRONIC_WEEKS) / CHRONIC_WEEKS)[:n]
    chronic[: CHRONIC_WEEKS - 1] = np.nan
    acwr = _ratio(load, np.nan_to_num(chronic, nan=0.0))
    cadence = _ratio(total(run_s * [s.cadence_median_spm for s in summaries]), total(run_s))
    tgt = _ratio(total(run_s * target * has_target), total(run_s * has_target))
    steps, running = total([s.steps for s in summaries]), total(run_s)
    rows = []
    for i in range(n):
        label, monday = _week_label(first + i)
        rows.append(
            Week(
                week=label,
                start=monday,
                sessions=int(count[i]),
                running_s=float(running[i]),
                steps=int(steps[i]),
                impact_load_g=float(load[i]),
                load_change_pct=_opt(change[i]),
                load_jump=bool(change[i] > LOAD_JUMP_PCT),
                acwr=_opt(acwr[i]),
                acwr_flag=bool(
                    acwr[i] > ACWR_HIGH or (acwr[i] < ACWR_LOW and first + i != current)
                ),
                in_progress=first + i == current,
                cadence_spm=_opt(cadence[i]),
                target_spm=_opt(tgt[i]),
                cadence_gap_spm=_opt(cadence[i] - tgt[i]),
            )
        )
    shown = rows[-weeks:] if weeks else rows
    trend = _trend([w.cadence_spm for w in shown])
    return Trends(tuple(shown), trend, without_running, undated)


def _trend(cadence: list[float | None]) -> float | None:
    x = np.array([i for i, c in enumerate(cadence) if c is not None], dtype=np.float64)
    if len(x) < 2:
        return None
    y = np.array([c for c in cadence if c is not None], dtype=np.float64)
    return float(np.polyfit(x, y, 1)[0])
