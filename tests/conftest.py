"""Shared test support: the `interpreter` fixture that runs a device-side script under CPython
and under the MicroPython unix port, and `run_script`, which runs one and returns its result.

Device-side scripts live in tests/mpy/ as real .py files. Each reads one Python literal (its
parameters) from stdin and prints one literal (its result) as its last line, so the same file
runs unchanged in both interpreters.

The e2e mark. A test is e2e when it crosses a process, pty or radio boundary or renders
figures: it starts a subprocess (`python -m footfall.cli`, the unix port running firmware
modules, `unshare`, a helper holding a lock), opens a pty, brings up Bumble's virtual radio,
or draws a report's figures. Everything else is the fast loop (`pytest -m "not e2e"`), which
stays in this process: the core and the host in CPython, the CLI through
`footfall.cli.main([...])`, SQLite stores in tmp dirs. Exhaustive sweeps and long
property-based fuzzers are e2e as well, for their length. (`footfall eval --jobs 1` runs its
worker pool as part of the command under test and stays in the fast loop; a pool of two is
e2e.) A module that is all e2e says so in its `pytestmark`; other tests carry
`@pytest.mark.e2e`, or `pytest.param(..., marks=pytest.mark.e2e)` for one case.

A few quick cross-boundary tests stay unmarked so that the fast loop still touches each
area:
- the unix port's heap lock on the core: core/test_heap_lock.py
  test_push_block_allocates_nothing_per_burst
- a firmware module in the unix port: firmware/test_usb_link.py
  test_the_handshake_turns_ctrl_c_off_and_frames_after_it_are_answered
- the micropython engine: host/test_engines.py test_engines_agree_on_a_synthetic_run[25]
- a pty: host/test_serial_transport.py test_open_enters_sync_mode_and_reads_hello
- `python -m footfall.cli`: host/test_cli_errors.py
  test_a_folder_of_non_files_named_ffs_is_synced_without_reading_them (a subprocess so
  that a fifo opened by mistake cannot hang the run)
- Bumble's virtual radio: host/test_sync.py test_sync_sets_the_device_clock
"""

from __future__ import annotations

import ast
import contextlib
import io
import runpy
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unixport import FIRMWARE, run_mpy_file

MPY_SCRIPTS = Path(__file__).resolve().parent / "mpy"
# The unix-port half of each test starts a process, so it is e2e; the fast loop keeps the
# CPython half.
INTERPRETERS = ("cpython", pytest.param("micropython", marks=pytest.mark.e2e))


@pytest.fixture(params=INTERPRETERS)
def interpreter(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs twice: once in CPython, once in the unix port (e2e)."""
    return request.param


def run_script(interpreter: str, name: str, params: Any = None, heap: str = "4M") -> Any:
    """Run tests/mpy/`name` in `interpreter` with `params` on stdin; return its last line."""
    path = MPY_SCRIPTS / name
    stdin = repr(params)
    if interpreter == "micropython":
        out = run_mpy_file(path, stdin=stdin.encode(), heap=heap).stdout.decode()
    else:
        out = _run_in_cpython(path, stdin)
    return ast.literal_eval(out.strip().splitlines()[-1])


def _run_in_cpython(path: Path, stdin: str) -> str:
    """Run the script as __main__ in this process (fast), with its folder and firmware/ on
    sys.path as the unix port has them."""
    saved_path, saved_stdin = list(sys.path), sys.stdin
    sys.path[:0] = [str(path.parent), str(FIRMWARE)]
    sys.stdin = io.StringIO(stdin)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.path[:], sys.stdin = saved_path, saved_stdin
    return buf.getvalue()


def run_body(interpreter: str, rig: str, body: str, heap: str = "4M") -> Any:
    """Run `body` after `from <rig> import *` (a tests/mpy/ module) in `interpreter`; return
    the literal the body leaves in `result`."""
    return run_script(interpreter, "run_body.py", (rig, body), heap=heap)
