"""A port that cannot load the viper front end runs the plain one instead (unix port).

Each case puts a copy of footfall_core first on the path whose front_viper fails the way
an older or smaller port fails: a native .mpy of another sub-version (what firmware older
than 1.23 says to mpy-cross 1.23's output), the decorator of a port built without the
native emitter, and a viper operation the compiler does not support (ViperTypeError).
"""

import ast
import shutil
import subprocess
from pathlib import Path

import pytest
from footfall.flash import run_command
from footfall.sim.board import MPY_ARCHS

from tests.conftest import MPY_SCRIPTS
from tests.unixport import FIRMWARE, micropython_binary, run_mpy, run_mpy_file

pytestmark = pytest.mark.e2e

REFUSED = {
    "no_native_emitter": "import micropython\n@micropython.viper_off\ndef front(a, b, c):\n"
    "    pass\n",
    "viper_type_error": "import micropython\n@micropython.viper\ndef front(a, b, c):\n"
    "    p = ptr16(a)\n    return -p\n",
}


def count_steps(first: Path | None = None) -> tuple[str, int]:
    """(front end, steps) of tests/mpy/front_count.py, with `first`'s footfall_core if given."""
    stdin = repr(None if first is None else str(first)).encode()
    out = run_mpy_file(MPY_SCRIPTS / "front_count.py", stdin=stdin).stdout.decode()
    return ast.literal_eval(out.strip().splitlines()[-1])


def core_copy(tmp_path: Path) -> Path:
    shutil.copytree(FIRMWARE / "footfall_core", tmp_path / "footfall_core")
    (tmp_path / "footfall_core" / "front_viper.py").unlink()
    return tmp_path


def first(path: Path, script: str) -> str:
    """script with path ahead of firmware/ on sys.path (its footfall_core is imported)."""
    return f"import sys\nsys.path.insert(0, {str(path)!r})\n" + script


def old_subversion_mpy(tmp_path: Path) -> None:
    """front_viper.mpy compiled for this port, its native sub-version set one lower."""
    proc = subprocess.run(
        [micropython_binary(), "-c", "import sys; print(sys.implementation._mpy >> 10)"],
        capture_output=True,
        check=True,
    )
    out = tmp_path / "footfall_core" / "front_viper.mpy"
    src = FIRMWARE / "footfall_core" / "front_viper.py"
    arch = MPY_ARCHS[int(proc.stdout)]
    done = run_command(["mpy-cross", f"-march={arch}", "-o", str(out), str(src)])
    assert done.returncode == 0, done.stderr
    data = bytearray(out.read_bytes())
    assert data[0] == ord("M") and data[2] & 3  # header: 'M', version, arch << 2 | sub
    data[2] -= 1
    out.write_bytes(bytes(data))


def test_the_unchanged_core_runs_the_viper_front_end() -> None:
    assert count_steps() == ("viper", 85)


def test_a_viper_mpy_of_another_subversion_falls_back_to_the_plain_front_end(
    tmp_path: Path,
) -> None:
    path = core_copy(tmp_path)
    old_subversion_mpy(path)
    check = run_mpy(first(path, "import footfall_core.front_viper"), check=False)
    assert b"incompatible .mpy file" in check.stdout + check.stderr  # unhandled
    assert count_steps(path) == ("python", 85)


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_viper_module_the_compiler_refuses_falls_back_to_the_plain_front_end(
    tmp_path: Path, case: str
) -> None:
    path = core_copy(tmp_path)
    (path / "footfall_core" / "front_viper.py").write_text(REFUSED[case])
    check = run_mpy(first(path, "import footfall_core.front_viper"), check=False)
    assert (
        b"SyntaxError" if case == "no_native_emitter" else b"ViperTypeError"
    ) in check.stdout + check.stderr
    assert count_steps(path) == ("python", 85)
