"""The sampler's robustness on the virtual board: bus glitches, loop stalls and FIFO
overflows, an IMU clock off nominal, and an IMU reset into sleep."""

from pathlib import Path

import numpy as np
import pytest
from footfall.cli import main
from footfall.cli.sim import simulate
from footfall.records import Session

from tests.host.test_sim import SYNTHETIC_RUN, detect_as_sim, sim_args

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The bundled run with nothing going wrong."""
    return simulate(sim_args(SYNTHETIC_RUN, tmp_path_factory.mktemp("ref"), target=170))


def steps_ms(result: dict) -> np.ndarray:
    (path,) = result["session_files"]
    return Session.from_file(path).t_ms


def nearest_ms(t: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """For each time in t, its distance to the nearest time in ref (sorted)."""
    i = np.clip(np.searchsorted(ref, t), 1, len(ref) - 1)
    return np.minimum(np.abs(t - ref[i - 1]), np.abs(t - ref[i]))


def aligned_share_after(result: dict, reference: dict, after_ms: int) -> float:
    """Share of the session's steps after after_ms within 20 ms of a reference step, the
    two sessions first aligned on their steps before 90 s (their starts may differ)."""
    t, ref = steps_ms(result), steps_ms(reference)
    early = t[t < 90_000]
    offsets = np.arange(-2000, 2001, 10)
    scores = [np.sum(nearest_ms(early - o, ref) <= 10) for o in offsets]
    offset = offsets[int(np.argmax(scores))]
    late = t[t > after_ms + offset] - offset
    return float(np.mean(nearest_ms(late, ref) <= 20))


def test_one_failed_transfer_neither_resets_nor_loses_a_step(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, target=170, bus_glitch_ms=100_000))
    assert result["exit"] == "end of recording" and result["failures"] == 0
    assert result["sampler"]["bus_errors"] == 1 and result["sampler"]["gaps"] == 0
    assert result["steps"] == detect_as_sim(SYNTHETIC_RUN, 100)["steps"]


def test_a_loop_held_before_the_first_poll_does_not_overflow_the_fifo(tmp_path: Path) -> None:
    # 2 s between the IMU's configuration at boot and the first poll: more than the
    # MPU6886's 1.28 s FIFO. The sampler restarts the FIFO when it starts.
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, stall_ms=0, stall_len_ms=2000))
    assert result["overflows"] == 0 and result["sampler"]["gaps"] == 0
    assert result["steps"] == detect_as_sim(SYNTHETIC_RUN, 100)["steps"]


def test_an_overflow_mid_run_keeps_the_session_timeline_true(
    tmp_path: Path, reference: dict
) -> None:
    result = simulate(
        sim_args(SYNTHETIC_RUN, tmp_path, target=170, stall_ms=100_000, stall_len_ms=2000)
    )
    assert result["overflows"] == 1 and result["sampler"]["gaps"] == 1
    # 2 s (200 samples at 100 Hz) plus up to a poll period (320 ms, a quarter of the
    # FIFO: the stall may start anywhere between two polls), less the 128 samples the FIFO
    # held, within 3
    assert 200 - 128 - 3 <= result["sampler"]["lost_samples"] <= 232 - 128 + 3
    assert aligned_share_after(result, reference, 110_000) >= 0.95
    spm = Session.from_file(result["session_files"][0]).cadence_spm
    assert spm.max() <= Session.from_file(reference["session_files"][0]).cadence_spm.max()
    assert result["cues_ms"] and abs(result["cues_ms"][0] - reference["cues_ms"][0]) < 1000


def test_cadence_is_true_with_an_imu_clock_3_percent_slow(tmp_path: Path, reference: dict) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, target=170, imu_clock_pct=-3))
    assert abs(result["sampler"]["rate_mhz"] - 97_000) <= 100

    def median_spm(run: dict) -> float:
        t = steps_ms(run)
        spm = Session.from_file(run["session_files"][0]).cadence_spm
        return float(np.median(spm[(t > 60_000) & (t < 150_000)]))

    assert abs(median_spm(result) - median_spm(reference)) <= 0.5


def test_an_imu_reset_into_sleep_is_configured_again_and_counting_resumes(
    tmp_path: Path, reference: dict
) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, target=170, imu_reset_ms=100_000))
    assert result["sampler"]["reinits"] == 1 and result["exit"] == "end of recording"
    assert any("configured again" in line for line in result["console"])
    # about half a second unmeasured (STALL_MIN_MS): a step or two of 1093
    assert reference["steps"] - 4 <= result["steps"] <= reference["steps"]


@pytest.mark.parametrize("pct", ["-11", "x"])
def test_an_imu_clock_outside_10_percent_is_refused(tmp_path: Path, pct: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sim", str(SYNTHETIC_RUN), "--out", str(tmp_path), "--imu-clock-pct", pct])
    assert exc.value.code == 2
    assert "--imu-clock-pct" in capsys.readouterr().err
