"""The firmware type-checks against the ESP32 MicroPython stubs (mypy, offline).

micropython-esp32-stubs installs loose `machine.pyi`, `micropython.pyi` ... files into
site-packages, and micropython-stdlib-stubs a typeshed-shaped `stdlib/` beside them. mypy
ignores loose stubs in site-packages, so the test links the ESP32 stub files into a
folder on MYPYPATH (with their own errors silenced: they are not ours) and points
--custom-typeshed-dir at the MicroPython stdlib, so `dataclasses` or `struct.iter_unpack`
in firmware are errors, as they would be on the board.
"""

import importlib.metadata as md
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unixport import FIRMWARE, REPO

CHECKED = [
    "firmware/drivers",
    "firmware/boards",
    "firmware/footfall_core",
    "firmware/footfall_fw",
    "firmware/main.py",
]


def _dist_or_skip(name: str) -> md.Distribution:
    try:
        return md.distribution(name)
    except md.PackageNotFoundError:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")


def _stub_dir(tmp: Path) -> tuple[Path, Path, list[str]]:
    """Link the ESP32 stubs into tmp/stubs; return it, the typeshed root and module names."""
    esp32 = _dist_or_skip("micropython-esp32-stubs")
    stdlib = _dist_or_skip("micropython-stdlib-stubs")
    stubs = tmp / "stubs"
    stubs.mkdir()
    tops = {}
    for dist in (esp32, stdlib):
        for f in dist.files or ():
            top = f.parts[0]
            if top.endswith(".dist-info") or top == "stdlib" or top == "stubs":
                continue
            if len(f.parts) > 1 or f.suffix == ".pyi":
                tops[top] = dist.locate_file(top)
    for top, path in tops.items():
        os.symlink(path, stubs / top)
    typeshed = Path(stdlib.locate_file("stdlib")).parent
    return stubs, typeshed, sorted(t.removesuffix(".pyi") for t in tops)


@pytest.mark.e2e
def test_firmware_typechecks_against_esp32_stubs(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")
    stubs, typeshed, modules = _stub_dir(tmp_path)
    silenced = ",".join(p for m in modules for p in (m, m + ".*"))
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\ncheck_untyped_defs = True\npython_version = 3.11\n"
        # firmware/ is the import root on the board: drivers/x.py is `drivers.x`
        "explicit_package_bases = True\n"
        f"[mypy-{silenced}]\nignore_errors = True\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config)]
        + ["--custom-typeshed-dir", str(typeshed), "--cache-dir", str(tmp_path / "cache")]
        + CHECKED,
        cwd=REPO,
        env={**os.environ, "MYPYPATH": os.pathsep.join((str(stubs), str(FIRMWARE)))},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
