"""footfall show / report / trends / export against a store: output and one-line errors."""

import json
import sqlite3
from pathlib import Path

import pytest
from footfall.cli import main
from garmin_fit_sdk import Decoder, Stream

from tests.host.run_sessions import DAY_S, MONDAY_S, run, session_bytes, store_with, walk

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str]:
    """(store path, id of its one running session)."""
    path = tmp_path / "s.db"
    with store_with(path, run([172] * 400, peak_mg=2300)) as s:
        return str(path), s.sessions()[0].id


def error_line(argv: list[str], capsys: Capture) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_show_json_gives_the_summary_of_a_stored_session(store: tuple, capsys: Capture) -> None:
    path, sid = store
    assert main(["show", sid[:8], "--json", "--store", path]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["id"], out["steps"], out["cadence_median_spm"]) == (sid, 400, 172)


def test_show_on_an_empty_store_says_it_is_empty(tmp_path: Path, capsys: Capture) -> None:
    store_with(tmp_path / "empty.db").close()
    assert "holds no sessions" in error_line(["show", "x", "--store", str(tmp_path / "empty.db")],
                                             capsys)  # fmt: skip


def test_a_store_path_that_does_not_exist_is_not_created(tmp_path: Path, capsys: Capture) -> None:
    assert "no such store" in error_line(["trends", "--store", str(tmp_path / "no.db")], capsys)
    assert not (tmp_path / "no.db").exists()


def test_show_a_session_without_running_says_so(tmp_path: Path, capsys: Capture) -> None:
    with store_with(tmp_path / "s.db", walk()) as s:
        sid = s.sessions()[0].id
    err = error_line(["show", sid, "--store", str(tmp_path / "s.db")], capsys)
    assert f"session {sid} has no running" in err


def test_show_an_unknown_id_says_so(store: tuple, capsys: Capture) -> None:
    assert "no session 'nope'" in error_line(["show", "nope", "--store", store[0]], capsys)


def test_a_corrupt_row_gets_a_clear_message(store: tuple, capsys: Capture) -> None:
    path, sid = store
    with sqlite3.connect(path) as db:
        db.execute("UPDATE arrays SET cadence_spm = x'00' WHERE session = ?", (sid,))
    assert "corrupt cadence_spm array" in error_line(["show", sid, "--store", path], capsys)


def test_trends_names_a_corrupt_row(store: tuple, capsys: Capture) -> None:
    path, sid = store
    with sqlite3.connect(path) as db:
        db.execute("UPDATE arrays SET flags = x'' WHERE session = ?", (sid,))
    assert "corrupt flags array" in error_line(["trends", "--store", path], capsys)


def test_trends_json_flags_a_planted_load_jump(tmp_path: Path, capsys: Capture) -> None:
    weeks = [run([170] * 1000, start_s=MONDAY_S + w * 7 * DAY_S) for w in range(4)]
    weeks.append(run([170] * 1250, start_s=weeks[-1].start_s + 7 * DAY_S))
    store_with(tmp_path / "s.db", *weeks).close()
    assert main(["trends", "--json", "--store", str(tmp_path / "s.db")]) == 0
    flags = [w["load_jump"] for w in json.loads(capsys.readouterr().out)["weeks"]]
    assert flags == [False, False, False, False, True]


@pytest.mark.e2e
def test_report_prints_the_path_it_wrote(store: tuple, tmp_path: Path, capsys: Capture) -> None:
    path, sid = store
    assert main(["report", sid, "--out", str(tmp_path / "r.png"), "--store", path]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 0


@pytest.mark.e2e
def test_report_from_a_session_file(tmp_path: Path, capsys: Capture) -> None:
    (tmp_path / "s.ffs").write_bytes(session_bytes(run([172] * 200)))
    argv = ["report", "--session-file", str(tmp_path / "s.ffs"), "--out", str(tmp_path / "r.html")]
    assert main(argv) == 0 and (tmp_path / "r.html").read_text().count("base64,") == 4


def test_export_fit_contract(store: tuple, tmp_path: Path) -> None:
    path, sid = store
    out = tmp_path / "s.fit"
    assert main(["export", sid, "--format", "fit", "--out", str(out), "--store", path]) == 0
    messages, errors = Decoder(Stream.from_byte_array(bytearray(out.read_bytes()))).read()
    assert errors == [] and {r["cadence"] for r in messages["record_mesgs"]} == {86}


def test_export_all_csv_holds_every_stored_step(tmp_path: Path, capsys: Capture) -> None:
    store_with(tmp_path / "s.db", run([170] * 30), walk(20)).close()
    argv = ["export", "--all", "--format", "csv", "--out", str(tmp_path / "a.csv")]
    assert main([*argv, "--store", str(tmp_path / "s.db")]) == 0
    assert len((tmp_path / "a.csv").read_text().splitlines()) == 1 + 50


def test_export_needs_exactly_one_source(store: tuple, capsys: Capture) -> None:
    argv = ["export", "x", "--all", "--format", "csv", "--out", "o.csv", "--store", store[0]]
    assert "give one of" in error_line(argv, capsys)


def test_reading_the_default_store_before_any_sync_creates_nothing(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from footfall.store import default_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # platformdirs on Linux
    default = default_path()
    assert default.is_relative_to(tmp_path)
    for argv in (["trends"], ["show", "x"], ["sessions"]):
        assert main(argv) == 2
        assert "no such store" in capsys.readouterr().err
    assert not default.parent.exists()
