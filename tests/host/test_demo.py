"""`footfall demo`: the bundled run through the real core and coach, checked against its truth."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from footfall import demo
from footfall.cli import main
from footfall.csvio import read_recording
from footfall.synth import demo_segments

DATA = Path(__file__).resolve().parents[1] / "data"
RUN = DATA / "synthetic_run.csv"


@pytest.fixture(scope="module")
def run() -> demo.DemoRun:
    return demo.run_demo(read_recording(RUN), "waist", demo.coach_config("170"))


@pytest.fixture(scope="module")
def truth_ms() -> np.ndarray:
    return np.loadtxt(DATA / "synthetic_run.steps.csv", skiprows=1, dtype=np.int64, ndmin=1)


def true_spm(truth_ms: np.ndarray, start_ms: int, end_ms: int) -> float:
    """True cadence from the median step interval inside [start_ms, end_ms].

    The median, because the synthetic run has one long interval where two segments meet.
    """
    inside = truth_ms[(truth_ms >= start_ms) & (truth_ms <= end_ms)]
    return 60_000 / float(np.median(np.diff(inside)))


def test_default_demo_prints_steps_timeline_impacts_and_cues(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for part in ("steps: ", "cadence every 30 s", "peak impact: median", "buzz", "target zone"):
        assert part in out


def test_step_count_equals_footfall_detect(capsys):
    assert main(["detect", "--json", str(RUN)]) == 0
    detected = json.loads(capsys.readouterr().out)["steps"]
    assert main(["demo", "--recording", str(RUN)]) == 0
    shown = re.search(r"steps: (\d+)", capsys.readouterr().out)
    assert shown is not None and int(shown.group(1)) == detected


def test_cues_come_only_after_ten_seconds_of_true_cadence_below_threshold(run, truth_ms):
    assert run.cues
    for cue in run.cues:
        assert true_spm(truth_ms, cue.t_ms - 10_000, cue.t_ms) < cue.threshold_spm


def test_no_cue_in_the_run_before_its_true_cadence_sags_below_threshold(run, truth_ms):
    segments = demo_segments()
    run_from_ms = 1000 * sum(
        s.duration_s for s in segments[: [s.kind for s in segments].index("run")]
    )
    first_slow = next(
        t
        for t in range(int(run_from_ms) + 10_000, int(truth_ms[-1]), 1000)
        if true_spm(truth_ms, t - 10_000, t) < 167
    )
    assert first_slow > run_from_ms + 150_000  # the recording's first 2.5 min of running are fast
    assert min(cue.t_ms for cue in run.cues) > first_slow


def test_a_target_the_runner_never_falls_below_gives_no_cue():
    quiet = demo.run_demo(read_recording(RUN), "waist", demo.coach_config("150"))
    assert quiet.cues == []


def test_cue_line_says_when_and_why(capsys):
    assert main(["demo", "--target", "170"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"\d:\d\d  buzz .*: cadence 1[56]\d spm below 167 \(target 170 - 3\) "
        r"for 1\d of the last 15 s",
        out,
    )


def seconds(clock: str) -> int:
    minutes, secs = clock.split(":")
    return 60 * int(minutes) + int(secs)


def test_timeline_marks_running_windows_by_their_true_cadence(run, truth_ms):
    lines = [line for line in demo.timeline(run) if " running " in line]
    checked = 0
    for line in lines:
        start, end = (1000 * seconds(c) for c in line.split()[0].split("-"))
        spm = true_spm(truth_ms, start, end)
        if abs(spm - 167) > 3:  # clear of the threshold: the mark must follow the truth
            assert ("below target" in line) == (spm < 167), line
            checked += 1
    assert checked >= 10


def test_demo_learns_the_target_by_default(capsys):
    assert main(["demo"]) == 0
    assert re.search(r"coach: auto-target \d+ spm", capsys.readouterr().out)


def test_auto_target_is_learned_from_the_runners_own_baseline(capsys):
    assert main(["demo", "--target", "auto"]) == 0
    learned = re.search(r"auto-target (\d+) spm", capsys.readouterr().out)
    assert learned is not None and 180 <= int(learned.group(1)) <= 187  # 170-173 spm + 7.5%


def test_missing_recording_exits_2_naming_the_file(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["demo", "--recording", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footfall: ") and str(missing) in err and "cannot read" in err


def test_missing_bundled_recording_exits_2_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(demo, "bundled_recording", lambda: tmp_path / "gone.csv")
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert "bundled demo recording is missing" in err and "--recording" in err


def test_bundled_recording_resolves_beside_the_installed_package():
    assert demo.bundled_recording() == RUN
