"""The per-sample path allocates nothing: the Tracker runs real recordings under heap_lock().

Inside the MicroPython unix port any heap allocation while `micropython.heap_lock()` is in
force raises MemoryError, which fails the script and so the test. Samples are resampled on
the host and read into an array('h') before the lock; the callbacks store into arrays made
beforehand; the coach is consulted once a second as the firmware does.
"""

from pathlib import Path

import numpy as np
import pytest
from footfall.csvio import read_recording
from footfall.resample import resample
from footfall.synth import Segment, synthesize

from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy_file

DATA = Path(__file__).resolve().parents[1] / "data"
OXFORD = DATA / "oxford__Samsung_Dario_Hard_BackPocket_1.csv"


def samples_file(tmp_path: Path, t_ms: np.ndarray, acc_mg: np.ndarray, rate_hz: int) -> Path:
    grid = resample(t_ms, acc_mg, rate_hz).acc_mg
    path = tmp_path / f"samples_{rate_hz}.bin"
    path.write_bytes(grid.astype("<i2").tobytes())
    return path


def run_locked(path: Path, rate_hz: int, placement: str, block: int = 0) -> tuple[int, int, int]:
    params = repr((rate_hz, placement, str(path), block)).encode()
    out = run_mpy_file(MPY_SCRIPTS / "tracker_heap_lock.py", stdin=params).stdout
    n, steps, cues = map(int, out.split())
    return n, steps, cues


@pytest.mark.e2e
@pytest.mark.parametrize("rate_hz", [25, 100, 400])
def test_tracker_allocates_nothing_on_a_real_pocket_recording(tmp_path, rate_hz):
    rec = read_recording(OXFORD)
    n, steps, _ = run_locked(
        samples_file(tmp_path, rec.t_ms, rec.acc_mg, rate_hz), rate_hz, "waist"
    )
    assert n > 50 * rate_hz
    assert steps > 100  # the step, bout and cadence paths ran under the lock


@pytest.mark.e2e
def test_tracker_and_coach_allocate_nothing_on_the_bundled_run(tmp_path):
    rec = read_recording(DATA / "synthetic_run.csv")
    _, steps, cues = run_locked(samples_file(tmp_path, rec.t_ms, rec.acc_mg, 100), 100, "waist")
    assert steps > 1000
    assert cues >= 1  # target 200: the coach's cue path ran under the lock too


@pytest.mark.e2e
@pytest.mark.parametrize("rate_hz", [100, 400])
def test_tracker_allocates_nothing_on_a_shoe(tmp_path, rate_hz):
    rec = synthesize([Segment("walk", 30, 110), Segment("run", 60, 170)], placement="shoe")
    acc = np.column_stack([rec.ax, rec.ay, rec.az])
    _, steps, _ = run_locked(samples_file(tmp_path, rec.t_ms, acc, rate_hz), rate_hz, "shoe")
    assert steps > 100


def test_push_block_allocates_nothing_per_burst(tmp_path):
    # The firmware feeds FIFO bursts (e.g. 32 samples) through push_block, not push.
    rec = read_recording(OXFORD)
    path = samples_file(tmp_path, rec.t_ms, rec.acc_mg, 100)
    _, steps, _ = run_locked(path, 100, "waist", block=32)
    assert steps > 100
