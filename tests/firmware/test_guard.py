"""Boot around the app, in the unix port over the virtual board's stand-ins: boot.py, the
error log, the config fall-back (footfall_fw/guard.py; the whole boot is in test_sim_boot)."""

from pathlib import Path

import pytest
from footfall.sim import MPY_DIR

from tests.conftest import MPY_SCRIPTS
from tests.unixport import FIRMWARE, run_mpy

pytestmark = pytest.mark.e2e

STANDINS = (str(MPY_DIR), str(MPY_DIR.parent), str(MPY_SCRIPTS))
RIG = "from guard_rig import *\n"


def run_in(folder: Path, script: str) -> str:
    """Run script with the flash folder `folder` as the working directory; its output."""
    prelude = f"import os\nos.chdir({str(folder)!r})\n"
    return run_mpy(prelude + script, extra_paths=STANDINS).stdout.decode()


def test_boot_py_holds_power_first_and_relaxes_the_watchdog_importing_nothing_heavy(
    tmp_path: Path,
) -> None:
    (tmp_path / "board.txt").write_text("m5stickc_plus2\n")
    out = run_in(
        tmp_path,
        f"import sys, _sim\nexec(open({str(FIRMWARE / 'boot.py')!r}).read())\n"
        "print([list(e[1:]) for e in _sim.events])\n"
        "print(sorted(m for m in sys.modules if m.startswith('footfall')))\n",
    )
    events, modules = out.splitlines()[-2:]
    assert events == "[['pin', 4, 1], ['wdt', 3600000]]"
    assert modules == "[]"


def test_boot_py_never_raises_without_a_board_file(tmp_path: Path) -> None:
    (tmp_path / "board.txt").write_text("no_such_board\n")
    out = run_in(
        tmp_path,
        f"import _sim\nexec(open({str(FIRMWARE / 'boot.py')!r}).read())\n"
        "print([list(e[1:]) for e in _sim.events])\n",
    )
    assert "boot.py: power hold:" in out
    assert out.splitlines()[-1] == "[['wdt', 3600000]]"


def test_error_log_keeps_the_newest_records_whole_within_its_bound(tmp_path: Path) -> None:
    run_in(tmp_path, RIG + "record_boot_failures(200)\n")
    text = (tmp_path / "error.log").read_text()
    assert len(text) <= 4096
    assert text.startswith("[") and "] boot failed #" in text.splitlines()[0]
    assert text.rstrip().endswith("OSError: 199") and "boot failed #199" in text
    assert "boot failed #0\n" not in text


def test_a_config_the_board_cannot_build_falls_back_to_the_defaults_and_says_why(
    tmp_path: Path,
) -> None:
    out = run_in(
        tmp_path,
        RIG + "cfg = config.defaults()\n"
        "cfg['rate_hz'] = 400\n"
        "print(guard.fall_back(make_at_100_hz_only, cfg) == config.defaults())\n",
    )
    assert out.splitlines()[-1] == "True"
    assert "cannot boot with config.json (ValueError('no such rate'" in out
    assert "using the defaults" in (tmp_path / "error.log").read_text()


def test_defaults_that_cannot_boot_are_a_boot_error_not_a_loop(tmp_path: Path) -> None:
    out = run_in(
        tmp_path,
        RIG + "try:\n"
        "    guard.fall_back(make_with_a_silent_imu, config.defaults())\n"
        "except OSError as exc:\n"
        "    print('raised', exc.errno)\n",
    )
    assert out.splitlines()[-1] == "raised 19"
    assert not (tmp_path / "error.log").exists()


def safe_mode(tmp_path: Path, low_polls: int, extra: str = "") -> list[str]:
    script = RIG + f"script_safe_button({low_polls})\n" + extra
    script += "print(guard.safe_mode(Board), Pin.ids[0])\n"
    return run_in(tmp_path, script).splitlines()[-1].split()


def test_safe_button_held_100_ms_early_in_the_boot_is_safe_mode(tmp_path: Path) -> None:
    assert safe_mode(tmp_path, 6) == ["True", "39"]  # read low from the first poll


def test_a_bounce_of_the_safe_button_is_not_safe_mode(tmp_path: Path) -> None:
    assert safe_mode(tmp_path, 3)[0] == "False"  # low for 60 ms, then released


def test_a_board_files_safe_pin_wins_over_button_b(tmp_path: Path) -> None:
    assert safe_mode(tmp_path, 0, "Board.SAFE_PIN = 14\n") == ["False", "14"]
