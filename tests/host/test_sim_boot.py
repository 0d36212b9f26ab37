"""The virtual board's boot, watchdog and REPL: Ctrl-C, mpremote's soft reset, safe mode,
boot errors and configs the board cannot build (docs/firmware.md, Boot, watchdog and safe
mode; docs/virtual-board.md)."""

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from footfall.cli.sim import simulate
from footfall.sim import board as cli

from tests.host.test_sim import REPO, SYNTHETIC_RUN, sim_args

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


# The firmware as it was before the watchdog could be handed back (no boot.py, no guard).
OLD_FIRMWARE_COMMIT = "52891ca"
CTRL_C_MS = 60_000  # sensor time of the Ctrl-C: a session is open by then


def ctrl_c(tmp_path: Path, repl: str = "idle:10000") -> dict:
    return simulate(sim_args(SYNTHETIC_RUN, tmp_path, interrupt_ms=CTRL_C_MS, repl=repl))


@pytest.fixture
def old_firmware(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """firmware/ as of OLD_FIRMWARE_COMMIT, put where the virtual board loads firmware from."""
    proc = subprocess.run(
        ["git", "-C", str(REPO), "archive", OLD_FIRMWARE_COMMIT, "firmware"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"no git history with {OLD_FIRMWARE_COMMIT}: {proc.stderr.decode()}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(tmp_path / "old", filter="data")
    monkeypatch.setattr(cli, "FIRMWARE", tmp_path / "old" / "firmware")
    return tmp_path / "flash"


def test_old_firmware_is_reset_by_the_watchdog_in_the_repl_after_ctrl_c(
    old_firmware: Path,
) -> None:
    # the virtual board reproduces the first-day failure: the WDT outlives the app
    result = ctrl_c(old_firmware)
    assert result["exit"] == "watchdog reset" and result["watchdog_resets"] == 1


def test_ctrl_c_leaves_an_idle_repl_alone_with_the_session_closed(tmp_path: Path) -> None:
    result = ctrl_c(tmp_path)
    assert result["exit"] == "repl" and result["watchdog_resets"] == 0
    assert result["sessions"] == 1 and result["steps_logged"] > 0
    assert "Ctrl-C: the REPL" in "\n".join(result["console"])
    text = subprocess.run(
        [str(Path(sys.executable).parent / "footfall"), "inspect"] + result["session_files"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "end: stopped" in text and "repair: none needed" in text


def test_mpremote_soft_reset_runs_boot_py_but_not_the_app_and_is_not_reset(
    tmp_path: Path,
) -> None:
    # mpremote: Ctrl-C, Ctrl-A, Ctrl-D (a soft reset in the raw REPL), then its commands
    result = ctrl_c(tmp_path, "raw-reset,idle:30000")
    assert result["exit"] == "repl" and result["watchdog_resets"] == 0
    after = "\n".join(result["console"]).split("MPY: soft reboot")[1]
    assert "footfall 0.1.0 on" not in after  # main.py did not run


def test_soft_reset_in_the_friendly_repl_runs_the_app_again(tmp_path: Path) -> None:
    result = ctrl_c(tmp_path, "idle:2000,soft-reset")
    assert result["exit"] == "end of recording" and result["watchdog_resets"] == 0
    console = "\n".join(result["console"])
    assert console.count("footfall 0.1.0 on") == 2


def test_a_stalled_app_after_a_soft_reset_is_still_reset_by_the_watchdog(
    tmp_path: Path,
) -> None:
    # the relaxed hour is boot.py's; the app shortens it to 8 s again when it takes over
    args = sim_args(
        SYNTHETIC_RUN,
        tmp_path,
        interrupt_ms=CTRL_C_MS,
        repl="idle:2000,soft-reset",
        bus_hang_ms=100_000,
    )
    result = simulate(args)
    assert result["exit"] == "watchdog reset" and result["watchdog_resets"] == 1


def test_safe_button_held_at_boot_starts_no_app_and_the_repl_is_not_reset(
    tmp_path: Path,
) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, "--press", "B@0:3000", repl="idle:20000"))
    assert result["safe_mode"] is True and "rate_hz" not in result
    assert result["exit"] == "repl" and result["watchdog_resets"] == 0
    assert result["session_files"] == []


def test_a_boot_error_is_logged_signalled_and_powers_off(tmp_path: Path) -> None:
    # the IMU's bus fails from the first access: the board cannot be built
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, bus_error_ms=0))
    assert result["exit"].startswith("crash: OSError") and result["watchdog_resets"] == 0
    assert [name for _, name in result["plays"]] == ["error"]
    log = (tmp_path / "error.log").read_text()
    assert "boot failed" in log and "Traceback" in log and "OSError" in log
    assert result["console"][-1] == "footfall: powering off"


def test_a_rate_the_board_cannot_run_still_boots_with_sync_reachable(tmp_path: Path) -> None:
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path, rate=400))
    assert result["exit"] == "end of recording" and "usb" in result


def test_a_bad_repl_script_is_bad_input(tmp_path: Path) -> None:
    from footfall.cli import main

    argv = ["sim", str(SYNTHETIC_RUN), "--out", str(tmp_path), "--repl", "nap:5"]
    assert main(argv) == 2
