"""The metronome on the virtual board: beats at the target, in time, for the whole session."""

import statistics
from pathlib import Path

import pytest
from footfall.cli.sim import simulate

from tests.host.test_sim import SYNTHETIC_RUN, sim_args
from tests.host.test_sim_coach import (
    SLOW_S,
    STRETCH,
    first_part_target,
    steady_part_end_ms,
    stretched_tail,
)

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


TARGET_SPM = 176


def beats(result: dict) -> list[int]:
    return [t for t, name in result["plays"] if name == "beat"]


def session_span(result: dict) -> tuple[int, int]:
    named = dict((name, t) for t, name in result["plays"] if name in ("started", "stopped"))
    return named["started"], named["stopped"]


@pytest.fixture(scope="module")
def every_step(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("flash")
    return simulate(sim_args(SYNTHETIC_RUN, out, target=TARGET_SPM, coach="metronome"))


@pytest.mark.parametrize("steps", [1, 2])
def test_beats_come_at_the_target_cadence_without_drift(
    steps: int, every_step: dict, tmp_path: Path
) -> None:
    result = every_step
    if steps == 2:
        kw = {"target": TARGET_SPM, "coach": "metronome", "beat_steps": 2}
        result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, **kw))
    period_ms = 60000 * steps / TARGET_SPM
    t = beats(result)
    gaps = [b - a for a, b in zip(t, t[1:], strict=False)]
    assert len(t) > 100
    assert abs(statistics.median(gaps) - period_ms) <= 0.01 * period_ms
    assert abs((t[-1] - t[0]) / (len(t) - 1) - period_ms) <= 0.01 * period_ms


def test_beats_last_as_long_as_the_session(every_step: dict) -> None:
    started, stopped = session_span(every_step)
    t = beats(every_step)
    period_ms = 60000 / TARGET_SPM
    assert started < t[0] < started + 2000  # after "started" and the coach's next tick
    assert stopped - 2 * period_ms < t[-1] < stopped
    assert every_step["cues_ms"] == []  # the beat replaces the cues


def test_cues_mode_plays_no_beat(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, target=TARGET_SPM))
    assert beats(result) == [] and result["cues_ms"]


def test_metronome_when_slow_beats_only_once_the_runner_is_slow(tmp_path: Path) -> None:
    rec = tmp_path / "slowed.csv"
    start = stretched_tail(SYNTHETIC_RUN, rec, steady_part_end_ms(), SLOW_S, STRETCH)
    target = first_part_target(rec, start)
    args = sim_args(rec, tmp_path / "flash", target=target, coach="metronome-when-slow")
    t = beats(simulate(args))
    assert len(t) > 100 and min(t) > start + 5000  # the window's below_s must pass first
