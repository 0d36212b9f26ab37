"""`footfall flash`: the mpremote/mpy-cross commands, run through a fake runner (no device)."""

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from footfall import flash


class FakeRunner:
    """Records each command; answers the version check like a freshly flashed board."""

    def __init__(self, fail: str | None = None, version: str | None = None) -> None:
        self.cmds: list[list[str]] = []
        self.fail = fail
        self.version = version or flash.package_json()["version"]

    def __call__(self, cmd: Sequence[str]) -> subprocess.CompletedProcess:
        self.cmds.append(list(cmd))
        if self.fail is not None and self.fail in cmd:
            return subprocess.CompletedProcess(cmd, 1, "", f"{self.fail}: failed")
        out = self.version + "\n" if "exec" in cmd else ""
        return subprocess.CompletedProcess(cmd, 0, out, "")


def run_flash(tmp_path: Path, runner: FakeRunner, board: str = "m5stickc_plus2") -> list:
    return flash.flash("/dev/ttyACM0", board, runner, tmp_path)


def test_every_module_but_main_and_boot_is_precompiled_for_xtensawin(tmp_path: Path) -> None:
    runner = FakeRunner()
    run_flash(tmp_path, runner)
    compiled = [c[-1] for c in runner.cmds if c[0] == "mpy-cross"]
    assert all("-march=xtensawin" in c for c in runner.cmds if c[0] == "mpy-cross")
    expected = [m for m in flash.firmware_modules() if m not in ("main.py", "boot.py")]
    assert [str(Path(c).relative_to(flash.FIRMWARE)) for c in compiled] == expected


def test_device_steps_run_in_order_on_the_given_port(tmp_path: Path) -> None:
    runner = FakeRunner()
    run_flash(tmp_path, runner)
    device = [c for c in runner.cmds if c[0] == "mpremote"]
    assert all(c[1:3] == ["connect", "/dev/ttyACM0"] for c in device)
    steps = [" ".join(c[3:5]) for c in device]
    assert steps[:6] + steps[7:] == ["fs cp", "fs rm", "fs cp", "fs cp", "fs cp", "mip install",
                                     "exec " + flash.CHECK]  # fmt: skip
    assert steps[6].startswith("exec import footfall_fw.setclock as c; c.set_clock(")
    assert device[5][-1] == "aioble"


def test_boot_py_goes_first_as_source_so_later_steps_find_the_watchdog_relaxed(
    tmp_path: Path,
) -> None:
    # each mpremote command soft-resets the board in the raw REPL: boot.py runs, main.py not
    runner = FakeRunner()
    run_flash(tmp_path, runner)
    device = [c for c in runner.cmds if c[0] == "mpremote"]
    assert device[0][3:] == ["fs", "cp", str(flash.FIRMWARE / "boot.py"), ":boot.py"]
    assert ["boot.py", "boot.py"] in flash.package_json()["urls"]


def test_no_ble_skips_the_aioble_install(tmp_path: Path) -> None:
    runner = FakeRunner()
    flash.flash("/dev/ttyACM0", "m5stickc_plus2", runner, tmp_path, ble=False)
    assert not any("mip" in c for c in runner.cmds)
    assert runner.cmds[-1][3] == "exec"


def test_failed_aioble_install_says_how_to_flash_offline(tmp_path: Path) -> None:
    with pytest.raises(flash.FlashError, match="--no-ble"):
        run_flash(tmp_path, FakeRunner(fail="mip"))


def test_board_choice_is_written_and_copied(tmp_path: Path) -> None:
    runner = FakeRunner()
    run_flash(tmp_path, runner, "esp32_lis3dh")
    assert (tmp_path / "board.txt").read_text() == "esp32_lis3dh\n"
    assert [str(tmp_path / "board.txt"), ":board.txt"] in [c[-2:] for c in runner.cmds]


def test_fresh_board_without_old_folders_is_fine(tmp_path: Path) -> None:
    runner = FakeRunner(fail="rm")
    run_flash(tmp_path, runner)
    assert runner.cmds[-1][3] == "exec"


def test_failed_copy_stops_with_the_command_named(tmp_path: Path) -> None:
    runner = FakeRunner(fail="fs")
    with pytest.raises(flash.FlashError, match="fs cp"):
        run_flash(tmp_path, runner)
    assert runner.cmds[-1][3:5] == ["fs", "cp"]


def test_wrong_answer_from_the_board_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(flash.FlashError, match="did not answer"):
        run_flash(tmp_path, FakeRunner(version="0.0.0"))


def test_unknown_board_is_refused_before_any_command(tmp_path: Path) -> None:
    runner = FakeRunner()
    with pytest.raises(flash.FlashError, match="unknown board"):
        run_flash(tmp_path, runner, "arduino_uno")
    assert runner.cmds == []


def test_dry_run_prints_the_commands_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from footfall.cli import main

    assert main(["flash", "--port", "/dev/ttyUSB0", "--board", "m5stickc_plus2", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("mpy-cross -march=xtensawin")
    assert lines[-2].startswith(
        "mpremote connect /dev/ttyUSB0 exec 'import footfall_fw.setclock as c; c.set_clock("
    )
    assert lines[-1] == (
        "mpremote connect /dev/ttyUSB0 exec 'import footfall_fw; print(footfall_fw.VERSION)'"
    )


def test_flash_sets_the_clock_to_utc_at_the_moment_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mpremote's `rtc --set` writes datetime.now(), local time; the firmware keeps UTC
    runner = FakeRunner()
    now = iter([1_800_000_000.0, 1_800_000_042.0])
    monkeypatch.setattr(flash.time, "time", lambda: next(now))
    run_flash(tmp_path, runner)
    clock = [c for c in runner.cmds if "exec" in c and flash.SET_CLOCK in c[-1]]
    assert len(clock) == 1 and "rtc" not in [c[3] for c in runner.cmds if len(c) > 3]
    assert clock[0][-1] == "import footfall_fw.setclock as c; c.set_clock(1800000042)"


def test_package_json_lists_every_firmware_module() -> None:
    shipped = json.loads((flash.FIRMWARE / "package.json").read_text())
    assert shipped == flash.package_json(), "regenerate: python -m footfall.flash"


def test_manifest_freezes_every_package() -> None:
    text = (flash.FIRMWARE / "manifest.py").read_text()
    assert all(f'package("{pkg}")' in text for pkg in flash.PACKAGES)


@pytest.mark.e2e
def test_every_module_compiles_for_the_esp32(tmp_path: Path) -> None:
    runner = flash.run_command
    for cmd in flash.compile_commands(tmp_path, "xtensawin"):
        Path(cmd[3]).parent.mkdir(parents=True, exist_ok=True)
        proc = runner(cmd)
        assert proc.returncode == 0, proc.stderr
