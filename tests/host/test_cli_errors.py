"""Errors are handled once, in footfall.cli.main: one line, `footfall: ...`, and the exit
status of the error's class; a command given several files reports every bad one and goes
on. Each attack below once gave a traceback, a hang or a wrong answer."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from footfall import cli, errors
from footfall.cli import main
from footfall.errors import FootfallError

SYNTHETIC_RUN = Path(__file__).parents[1] / "data" / "synthetic_run.csv"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("footfall: "), err
    assert "Traceback" not in err
    return err.strip()


def test_every_error_class_has_an_exit_status() -> None:
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, FootfallError) and c.__module__ == errors.__name__
    ]
    assert set(classes) == set(cli.EXIT_STATUS)
    for cls in classes:  # input the user can fix is 2; a failure of what it needs, 1
        bad_input = issubclass(cls, ValueError) and cls is not errors.FrameError  # the device's
        assert cli.EXIT_STATUS[cls] == (2 if bad_input else 1), cls


def test_a_message_is_one_printable_line_of_bounded_length() -> None:
    line = cli.one_line("a\nb\r\tc\x1b[31m" + "x" * 1000)
    assert line.startswith("a b c\\x1b[31m") and len(line) == cli.MESSAGE_CHARS
    assert line.endswith("...")


def test_an_unexpected_exception_is_a_bug_and_keeps_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from footfall import detect

    cli.build_parser()  # every command imported before the patch, so none keeps it

    def bug(*_args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(detect, "detect_recording", bug)
    with pytest.raises(ZeroDivisionError):
        main(["detect", str(SYNTHETIC_RUN)])


def test_ctrl_c_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from footfall import detect

    cli.build_parser()

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(detect, "detect_recording", interrupted)
    assert main(["detect", str(SYNTHETIC_RUN)]) == 130
    assert capsys.readouterr().err == ""


# -- recordings -----------------------------------------------------------------------------


def test_a_2_gb_file_of_nuls_is_one_short_line_and_the_next_file_is_still_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nuls = tmp_path / "nuls.csv"
    with nuls.open("wb") as f:
        f.truncate(2 << 30)  # sparse: 2 GB of NULs that take no disk
    status = main(["detect", "--json", str(nuls), str(SYNTHETIC_RUN)])
    out, err = capsys.readouterr()
    assert status == 2
    assert err == f"footfall: {nuls}:1: NUL byte: binary data, not CSV text\n"
    assert json.loads(out)["file"] == str(SYNTHETIC_RUN)


def test_a_huge_value_in_a_message_is_cut_to_80_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "long.csv"
    bad.write_text("t_ms,ax,ay,az\n0,1,2,3\n10," + "9" * 5000 + "x,2,3\n")
    assert main(["detect", str(bad)]) == 2
    line = one_error_line(capsys)
    assert line.endswith(f":3: non-numeric value '{'9' * 80}'... in column ax")


def test_detect_goes_on_after_an_engine_failure_and_exits_with_the_highest_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from footfall import engine

    def broken(*_args: object) -> None:
        raise errors.EngineError("micropython engine failed: killed by signal 9")

    monkeypatch.setattr(engine, "_run_micropython", broken)
    bad = tmp_path / "bad.csv"
    bad.write_text("t_ms,ax\n")
    argv = ["detect", "--engine", "micropython", str(SYNTHETIC_RUN), str(bad)]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        "footfall: micropython engine failed: killed by signal 9",
        f"footfall: {bad}:1: missing column(s) ay, az (header is 't_ms,ax')",
    ]
