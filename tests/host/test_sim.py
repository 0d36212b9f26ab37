"""The virtual board: the real firmware over recordings, compared with `footfall detect`."""

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import pytest
from footfall import detect
from footfall.cli.sim import register, simulate
from footfall.csvio import read_recording

from tests.unixport import DATASETS, datasets_or_skip

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


REPO = Path(__file__).resolve().parents[2]
SYNTHETIC_RUN = REPO / "tests" / "data" / "synthetic_run.csv"
ADEPT_HIP = DATASETS / "adept__run_bout01_hip.csv"


def sim_args(recording: Path, out: Path, *extra: str, **kw: object) -> argparse.Namespace:
    """Arguments as `footfall sim RECORDING --out OUT --json [--key value ...]` parses them."""
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    argv = ["sim", str(recording), "--out", str(out), "--json", *extra]
    for key, value in kw.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return parser.parse_args(argv)


def detect_json(recording: Path, rate_hz: int, placement: str = "waist") -> dict:
    rec = read_recording(recording)
    return detect.detect_recording(rec, rate_hz, placement, "cpython").to_json()


TAIL_MS = 5000  # the virtual board runs on this long after the recording (_sim.py tail_ms)


def detect_as_sim(recording: Path, rate_hz: int, placement: str = "waist") -> dict:
    """detect over what the virtual IMU measures: the recording, then its last sample held
    for the tail (a real IMU keeps measuring when the wearer stops; a bout cut mid-run
    then ends with its trailing step, as it would on a board)."""
    rec = read_recording(recording)
    step_ms = int(np.median(np.diff(rec.t_ms)))
    extra = np.arange(1, TAIL_MS // step_ms + 1) * step_ms + rec.t_ms[-1]
    t = np.concatenate([rec.t_ms, extra])
    acc = np.vstack([rec.acc_mg, np.repeat(rec.acc_mg[-1:], len(extra), axis=0)])
    held = type(rec)(rec.file, t, acc)
    return detect.detect_recording(held, rate_hz, placement, "cpython").to_json()


def running_recording(tmp_path: Path) -> Path:
    """ADEPT hip running (real) when the shared datasets are here, else a steady synthetic run."""
    if ADEPT_HIP.exists():
        return ADEPT_HIP
    from footfall import synth

    rec = synth.synthesize([synth.Segment("run", 240, 168, 170)], seed=7)
    return synth.write_csv(rec, tmp_path / "steady_run.csv").with_name("steady_run.csv")


def stretch_second_half(src: Path, dst: Path, factor: float = 1.1) -> int:
    """Write src with every time after its midpoint stretched by factor; return the mid ms."""
    rec = read_recording(src)
    mid = int(rec.t_ms[0] + (rec.t_ms[-1] - rec.t_ms[0]) // 2)
    t = rec.t_ms.astype(np.float64)
    t = np.where(t > mid, mid + (t - mid) * factor, t)
    table = np.column_stack([np.rint(t).astype(np.int64), rec.acc_mg])
    np.savetxt(dst, table, fmt="%d", delimiter=",", header="t_ms,ax,ay,az", comments="")
    return mid


@pytest.fixture(scope="module")
def synthetic_sim(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("flash")
    return simulate(sim_args(SYNTHETIC_RUN, out, target=170))


@pytest.fixture(scope="module")
def slowing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, int]:
    tmp = tmp_path_factory.mktemp("slowing")
    stretched = tmp / "slowing.csv"
    mid = stretch_second_half(running_recording(tmp), stretched)
    first = [s for t, s in detect_json(stretched, 100)["cadence_spm"] if 0 < t <= mid and s]
    target = round(statistics.median(first))
    return simulate(sim_args(stretched, tmp / "flash", target=target)), mid


def test_sim_step_count_equals_detect_on_the_bundled_run(synthetic_sim: dict) -> None:
    assert synthetic_sim["steps"] == detect_as_sim(SYNTHETIC_RUN, 100)["steps"]


def test_sim_writes_a_session_file_into_out(synthetic_sim: dict) -> None:
    files = synthetic_sim["session_files"]
    assert len(files) == 1 and Path(files[0]).stat().st_size > 34
    assert synthetic_sim["sessions"] == 1


def test_bundled_run_cues_during_its_sag(synthetic_sim: dict) -> None:
    # The README of tests/data: running below 167 spm from about 3 to 4.5 min of running.
    assert synthetic_sim["cues_ms"]
    assert all(170_000 <= t <= 320_000 for t in synthetic_sim["cues_ms"])


def test_json_has_the_contract_fields(synthetic_sim: dict) -> None:
    assert {"session_files", "steps", "cues_ms", "board"} <= set(synthetic_sim)
    json.dumps(synthetic_sim)


def test_board_ran_the_recording_to_its_end(synthetic_sim: dict) -> None:
    assert synthetic_sim["exit"] == "end of recording"
    assert synthetic_sim["failures"] == 0 and synthetic_sim["overflows"] == 0


def test_cues_fire_in_the_slower_half_and_never_in_the_first(slowing_run: tuple) -> None:
    result, mid = slowing_run
    assert result["cues_ms"], "no cue although the cadence fell ~9% below the target"
    assert min(result["cues_ms"]) > mid


def test_sim_step_count_equals_detect_on_the_slowing_run(
    slowing_run: tuple, tmp_path: Path
) -> None:
    result, _ = slowing_run
    stretched = stretch_second_half(running_recording(tmp_path), tmp_path / "s.csv")
    assert stretched and result["steps"] == detect_as_sim(tmp_path / "s.csv", 100)["steps"]


@pytest.mark.parametrize("board", ["xiao_esp32s3_lsm6dso", "esp32_lis3dh"])
def test_every_board_counts_what_detect_counts_at_its_rate(board: str, tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, board=board, target=170))
    assert result["overflows"] == 0
    assert result["steps"] == detect_as_sim(SYNTHETIC_RUN, result["rate_hz"])["steps"]


def test_a_failing_task_closes_the_session_plays_error_and_resets(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, bus_error_ms=100_000))
    assert result["exit"] == "reset" and result["failures"] == 1
    assert [name for _, name in result["plays"]][-2:] == ["stopped", "error"]
    assert any("task failed" in line for line in result["console"])


def test_buttons_start_stop_and_long_press_sets_the_target(tmp_path: Path) -> None:
    presses = ["--press", "A@2000", "--press", "A@60000", "--press", "A@100000:2000"]
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, *presses))
    names = [name for _, name in result["plays"]]
    assert names[:3] == ["started", "stopped", "target_set"]
    saved = json.loads((tmp_path / "config.json").read_text())
    assert 160 <= saved["target_spm"] <= 180


def test_manual_stop_while_running_does_not_auto_restart(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, "--press", "A@60000"))
    assert [name for _, name in result["plays"]][:2] == ["started", "stopped"]
    assert result["sessions"] == 1


def test_button_b_captures_raw_samples_as_a_recording(tmp_path: Path) -> None:
    simulate(sim_args(SYNTHETIC_RUN, tmp_path, "--press", "B@30000"))
    capture = read_recording(tmp_path / "raw" / "001.csv")
    assert len(capture.t_ms) == 60 * 100 and capture.t_ms[-1] == 59_990


def test_store_filling_mid_run_ends_the_session_cleanly_and_says_so(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, flash_kib=24))  # index: 1 block
    assert [name for _, name in result["plays"]] == ["started", "storage_full"]
    assert 0 < result["steps_logged"] < result["steps"] and len(result["session_files"]) == 1


def test_full_store_refuses_a_session_with_one_cue_not_one_per_retry(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, flash_kib=16))
    assert [name for _, name in result["plays"]] == ["storage_full"]
    assert result["session_files"] == [] and result["steps"] > 1000


def test_shoe_placement_counts_what_detect_counts(tmp_path: Path) -> None:
    ankle = datasets_or_skip() / "adept__run_bout01_ankle.csv"
    result = simulate(sim_args(ankle, tmp_path, placement="shoe"))
    assert result["steps"] == detect_as_sim(ankle, 100, "shoe")["steps"]


def test_200_hz_counts_what_detect_counts_at_200_hz(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, rate=200))
    assert result["rate_hz"] == 200 and result["overflows"] == 0
    assert result["steps"] == detect_as_sim(SYNTHETIC_RUN, 200)["steps"]


def test_a_locked_up_bus_is_ended_by_the_watchdog(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, bus_hang_ms=100_000))
    assert result["exit"] == "watchdog reset"


def test_firmware_that_cannot_start_says_why_and_fails(tmp_path: Path, capsys) -> None:
    # far too small a heap for the firmware compiled from source (it needs about 215 KiB):
    # the boot imports run out of memory before the app exists
    from footfall.cli import main

    argv = ["sim", str(SYNTHETIC_RUN), "--out", str(tmp_path), "--heap", "96k"]
    assert main(argv) == 1
    printed = capsys.readouterr().out
    assert "the firmware did not start: crash: MemoryError" in printed
    assert "| MemoryError" in printed  # the board's own traceback, last lines
