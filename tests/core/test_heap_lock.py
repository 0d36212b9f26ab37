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

from tests.unixport import run_mpy

DATA = Path(__file__).resolve().parents[1] / "data"
OXFORD = DATA / "oxford__Samsung_Dario_Hard_BackPocket_1.csv"

SCRIPT = """
import micropython
from array import array
from footfall_core.tracker import Tracker
from footfall_core.coach import Coach, CoachConfig

RATE, PLACEMENT, PATH, BLOCK = {rate}, {placement!r}, {path!r}, {block}

class Sink:
    def __init__(self, cap):
        self.index = array("i", bytes(4 * cap))
        self.n = 0

    def on_step(self, index, peak_mg, spm):
        if self.n < len(self.index):
            self.index[self.n] = index
        self.n += 1

def feed(tracker, coach, buf, n, blk):
    # BLOCK > 0: as the firmware does, copy FIFO-sized bursts into one buffer and push_block.
    cues = 0
    k = 0
    while k < n:
        if BLOCK:
            m = n - k if n - k < BLOCK else BLOCK
            for j in range(3 * m):
                blk[j] = buf[3 * k + j]
            tracker.push_block(blk, m)
        else:
            m = 1
            j = 3 * k
            tracker.push(buf[j], buf[j + 1], buf[j + 2])
        for _ in range(m):
            k += 1
            if k % RATE == 0:
                t_ms = k * 1000 // RATE
                cues += coach.update(t_ms, tracker.cadence_spm(), tracker.state())
    tracker.flush()
    return cues

with open(PATH, "rb") as f:
    raw = f.read()
buf = array("h", raw)
n = len(buf) // 3
sink = Sink(4096)
blk = array("h", bytes(6 * BLOCK))
tracker = Tracker(RATE, PLACEMENT, sink.on_step)
coach = Coach(CoachConfig(target_spm=200))
micropython.heap_lock()
cues = feed(tracker, coach, buf, n, blk)
micropython.heap_unlock()
print(n, sink.n, cues)
"""


def samples_file(tmp_path: Path, t_ms: np.ndarray, acc_mg: np.ndarray, rate_hz: int) -> Path:
    grid = resample(t_ms, acc_mg, rate_hz).acc_mg
    path = tmp_path / f"samples_{rate_hz}.bin"
    path.write_bytes(grid.astype("<i2").tobytes())
    return path


def run_locked(path: Path, rate_hz: int, placement: str, block: int = 0) -> tuple[int, int, int]:
    script = SCRIPT.format(rate=rate_hz, placement=placement, path=str(path), block=block)
    n, steps, cues = map(int, run_mpy(script).stdout.split())
    return n, steps, cues


@pytest.mark.parametrize("rate_hz", [25, 100, 400])
def test_tracker_allocates_nothing_on_a_real_pocket_recording(tmp_path, rate_hz):
    rec = read_recording(OXFORD)
    n, steps, _ = run_locked(
        samples_file(tmp_path, rec.t_ms, rec.acc_mg, rate_hz), rate_hz, "waist"
    )
    assert n > 50 * rate_hz
    assert steps > 100  # the step, bout and cadence paths ran under the lock


def test_tracker_and_coach_allocate_nothing_on_the_bundled_run(tmp_path):
    rec = read_recording(DATA / "synthetic_run.csv")
    _, steps, cues = run_locked(samples_file(tmp_path, rec.t_ms, rec.acc_mg, 100), 100, "waist")
    assert steps > 1000
    assert cues >= 1  # target 200: the coach's cue path ran under the lock too


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
