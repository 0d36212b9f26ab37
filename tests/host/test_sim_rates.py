"""`footfall sim --rate`: every config rate boots every board; bad options stop before booting."""

from __future__ import annotations

from pathlib import Path

import pytest
from footfall.cli import main as footfall
from footfall.sim import board as cli

from tests.host.test_sim import SYNTHETIC_RUN, detect_as_sim, sim_args

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


# the rate each board's driver runs at when the config asks for 400 Hz (docs/firmware.md)
AT_400 = {"m5stickc_plus2": 250, "xiao_esp32s3_lsm6dso": 208, "esp32_lis3dh": 400}


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled run's first 120 s (auto-start, then steady running)."""
    lines = SYNTHETIC_RUN.read_text().splitlines()
    path = tmp_path_factory.mktemp("rates") / "short_run.csv"
    path.write_text("\n".join(lines[: 1 + 12_000]) + "\n")
    return path


@pytest.mark.parametrize("board", sorted(AT_400))
def test_rate_400_boots_every_board_at_the_rate_its_chip_offers(
    board: str, short_run: Path, tmp_path: Path
) -> None:
    result = cli.simulate(sim_args(short_run, tmp_path, board=board, rate=400))
    assert result["exit"] == "end of recording"
    assert result["rate_hz"] == AT_400[board]
    assert result["steps"] == detect_as_sim(short_run, result["rate_hz"])["steps"] > 100


# asked for 150 Hz: the nearest rate each chip offers (a tie goes to the faster)
AT_150 = {"m5stickc_plus2": (125, 125_000), "xiao_esp32s3_lsm6dso": (104, 104_172)}
AT_150["esp32_lis3dh"] = (200, 200_000)


@pytest.mark.parametrize("board", sorted(AT_150))
def test_board_rates_are_the_drivers_rate_and_true_rate_on_the_emulator(board: str) -> None:
    assert cli.board_rates(board, 150) == AT_150[board]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--rate", "10"], "--rate 10: config: rate_hz must be an integer from 25 to 400"),
        (["--rate", "401"], "--rate 401: config: rate_hz must be an integer from 25 to 400"),
        (["--rate", "450"], "--rate 450: config: rate_hz must be an integer from 25 to 400"),
        (
            ["--rate", "450", "--board", "esp32_lis3dh"],
            "--rate 450: config: rate_hz must be an integer from 25 to 400",
        ),
        (["--target", "0"], "--target 0: config: target_spm must be an integer from 60 to 240"),
        (
            ["--target", "1000"],
            "--target 1000: config: target_spm must be an integer from 60 to 240",
        ),
        (
            ["--tolerance=-1"],
            "--tolerance -1: config: tolerance_spm must be an integer from 0 to 30",
        ),
        (
            ["--tolerance", "31"],
            "--tolerance 31: config: tolerance_spm must be an integer from 0 to 30",
        ),
        (["--repeat-s", "601"], "--repeat-s 601: config: repeat_s must be an integer from 0"),
        (["--beat-steps", "3"], "--beat-steps 3: config: beat_steps must be an integer from 1"),
        (["--coach", "loud"], "--coach loud: config: coach must be one of cues, metronome"),
        (["--beat-out", "wrist"], "--beat-out wrist: config: beat_out must be one of both"),
        (["--battery-mv=-5"], "--battery-mv -5: takes 0 to 5000 mV"),
        (["--battery-mv", "9000"], "--battery-mv 9000: takes 0 to 5000 mV"),
        (["--flash-timing", "worst"], "--flash-timing needs --cpu"),
        (["--cpu", "esp32", "--serve", "serial"], "--cpu does not combine with --serve"),
        (["--press", "C@100"], "--press C@100: takes A@MS or B@MS:HOLD_MS"),
    ],
)
def test_bad_options_exit_2_with_one_line_before_booting(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_boot(*args: object) -> None:
        raise AssertionError("the board was booted")

    monkeypatch.setattr(cli, "simulate", no_boot)
    monkeypatch.setattr(cli, "board_rates", no_boot)
    flash = tmp_path / "flash"
    assert footfall(["sim", str(SYNTHETIC_RUN), "--out", str(flash), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"footfall: {message}") and err.count("\n") == 1
    assert not flash.exists()


def test_an_out_that_is_a_file_exits_2_and_the_file_is_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    assert footfall(["sim", str(SYNTHETIC_RUN), "--out", str(taken)]) == 2
    assert (
        capsys.readouterr().err == f"footfall: --out {taken}: not a folder (the board's flash)\n"
    )
    assert taken.read_text() == "mine"
