"""Shared test support: the `interpreter` fixture that runs a device-side script under CPython
and under the MicroPython unix port, and `run_script`, which runs one and returns its result.

Device-side scripts live in tests/mpy/ as real .py files. Each reads one Python literal (its
parameters) from stdin and prints one literal (its result) as its last line, so the same file
runs unchanged in both interpreters.
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
# The unix-port half of each test starts a process (about 0.3 s), so it runs in the full
# suite only; the fast loop keeps the CPython half and the heap-lock runs in the unix port.
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
