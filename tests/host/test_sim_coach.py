"""The coach on the virtual board: repeated cues for a runner who stays slow."""

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
from footfall import synth
from footfall.cli.sim import simulate
from footfall.csvio import read_recording
from footfall.sim.board import CUE_PATTERNS

from tests.host.test_sim import (
    SYNTHETIC_RUN,
    detect_json,
    running_recording,
    sim_args,
    stretch_second_half,
)

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


SLOW_S = 95  # the contract's slow stretch: about 95 s below target
STRETCH = 1.1  # 10 % slower


def steady_part_end_ms() -> int:
    """Where the bundled run's cadence first starts to fall (synth.demo_segments())."""
    t_s = 0.0
    for seg in synth.demo_segments():
        if seg.kind == "run" and seg.end_spm < seg.start_spm:
            return int(1000 * t_s)
        t_s += seg.duration_s
    raise AssertionError("the bundled run has no slowing segment")


def stretched_tail(src: Path, dst: Path, end_ms: int, slow_s: int, factor: float) -> int:
    """src up to end_ms, with its last slow_s / factor seconds stretched by factor (so they
    last slow_s); return the recording time where the stretch starts."""
    rec = read_recording(src)
    keep = rec.t_ms <= end_ms
    t = rec.t_ms[keep].astype(np.float64)
    start = end_ms - 1000 * slow_s / factor
    t = np.where(t > start, start + (t - start) * factor, t)
    table = np.column_stack([np.rint(t).astype(np.int64), rec.acc_mg[keep]])
    np.savetxt(dst, table, fmt="%d", delimiter=",", header="t_ms,ax,ay,az", comments="")
    return int(start)


def first_part_target(recording: Path, until_ms: int) -> int:
    """The runner's own cadence before the stretch: its median, as `footfall detect` reads it."""
    spm = [s for t, s in detect_json(recording, 100)["cadence_spm"] if 0 < t <= until_ms and s]
    return round(statistics.median(spm))


@pytest.fixture(scope="module")
def slowed_bundled_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, int]:
    tmp = tmp_path_factory.mktemp("slowed")
    rec = tmp / "slowed.csv"
    start = stretched_tail(SYNTHETIC_RUN, rec, steady_part_end_ms(), SLOW_S, STRETCH)
    target = first_part_target(rec, start)
    return simulate(sim_args(rec, tmp / "flash", target=target)), start


def test_a_runner_who_stays_slow_hears_at_least_three_cues(slowed_bundled_run) -> None:
    result, start = slowed_bundled_run
    assert len([t for t in result["cues_ms"] if t > start]) >= 3


def test_no_cue_before_the_runner_slows(slowed_bundled_run) -> None:
    result, start = slowed_bundled_run
    assert result["cues_ms"] and min(result["cues_ms"]) > start


def test_repeats_escalate_and_cues_ms_lists_every_cue(slowed_bundled_run) -> None:
    result, _ = slowed_bundled_run
    names = [name for _, name in result["plays"] if name in CUE_PATTERNS]
    assert names[0] == "quicken" and set(names[1:]) == {"quicken_more"}
    assert result["cues_ms"] == [t for t, name in result["plays"] if name in CUE_PATTERNS]


def test_repeats_keep_their_interval_and_the_minimum_gap(slowed_bundled_run) -> None:
    gaps_s = np.diff(slowed_bundled_run[0]["cues_ms"]) / 1000
    assert len(gaps_s) >= 2 and all(29 <= g <= 32 for g in gaps_s)


def test_a_real_run_slowed_in_its_second_half_gets_repeated_cues(tmp_path: Path) -> None:
    stretched = tmp_path / "slowing.csv"
    mid = stretch_second_half(running_recording(tmp_path), stretched, STRETCH)
    target = first_part_target(stretched, mid)
    result = simulate(sim_args(stretched, tmp_path / "flash", target=target))
    assert len(result["cues_ms"]) >= 3 and min(result["cues_ms"]) > mid


def test_repeat_s_on_the_command_line_reaches_the_board(tmp_path: Path) -> None:
    rec = tmp_path / "slowed.csv"
    start = stretched_tail(SYNTHETIC_RUN, rec, steady_part_end_ms(), SLOW_S, STRETCH)
    args = sim_args(rec, tmp_path / "flash", target=first_part_target(rec, start), repeat_s=45)
    result = simulate(args)
    assert json.loads((tmp_path / "flash" / "config.json").read_text())["repeat_s"] == 45
    assert len(result["cues_ms"]) == 2 and 44 <= np.diff(result["cues_ms"])[0] / 1000 <= 47


def test_without_target_the_board_learns_one_and_with_target_it_keeps_it(tmp_path: Path) -> None:
    learned = simulate(sim_args(SYNTHETIC_RUN, tmp_path / "a"))
    fixed = simulate(sim_args(SYNTHETIC_RUN, tmp_path / "b", target=150))
    assert "auto_target" not in json.loads((tmp_path / "a" / "config.json").read_text())
    assert json.loads((tmp_path / "b" / "config.json").read_text())["auto_target"] is False
    # the bundled runner's own cadence (about 171) + 7.5 % is a target it never reaches;
    # 150 it never falls below
    assert learned["cues_ms"] and fixed["cues_ms"] == []
