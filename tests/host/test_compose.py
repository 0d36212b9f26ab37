"""Commands that compose: sync from a copied flash folder, --json everywhere, `latest` and
id prefixes, `-` for stdout, and sessions whose device clock was never set."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from footfall.cli import main
from footfall.store import Store

from tests.host.session_files import session_file

ONE = session_file(1, start_s=1_800_000_000, steps=300)
TWO = session_file(2, start_s=1_800_010_000, steps=120)


def flash_copy(root: Path, *files: bytes) -> Path:
    """A copy of a device's flash folder: config beside sessions/NNNNN.ffs."""
    (root / "sessions").mkdir(parents=True)
    (root / "config.json").write_text("{}")
    for i, raw in enumerate(files, 1):
        (root / "sessions" / f"{i:05d}.ffs").write_bytes(raw)
    return root


def test_sync_takes_a_copy_of_the_flash_folder(tmp_path: Path) -> None:
    flash = flash_copy(tmp_path / "flash", ONE, TWO)
    db = tmp_path / "s.db"
    assert main(["sync", "--device", f"file:{flash}", "--store", str(db)]) == 0
    with Store(db, read_only=True) as store:
        assert len(store.sessions()) == 2


def test_sync_still_takes_the_sessions_folder(tmp_path: Path) -> None:
    flash = flash_copy(tmp_path / "flash", ONE)
    db = tmp_path / "s.db"
    assert main(["sync", "--device", f"file:{flash / 'sessions'}", "--store", str(db)]) == 0
    with Store(db, read_only=True) as store:
        assert len(store.sessions()) == 1


def test_sync_from_a_folder_without_sessions_is_exit_2_naming_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["sync", "--device", f"file:{empty}", "--store", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert str(empty) in err and str(empty / "sessions") in err


@pytest.mark.parametrize("where", ["empty", "missing"])
def test_a_failed_sync_creates_no_store(tmp_path: Path, where: str) -> None:
    (tmp_path / "empty").mkdir()
    db = tmp_path / "new" / "s.db"
    assert main(["sync", "--device", f"file:{tmp_path / where}", "--store", str(db)]) == 2
    assert not db.exists() and not db.parent.exists()


def test_a_failed_sync_leaves_an_existing_store_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert main(["sync", "--device", f"file:{flash_copy(tmp_path / 'a', ONE)}",
                 "--store", str(db)]) == 0  # fmt: skip
    (tmp_path / "empty").mkdir()
    assert main(["sync", "--device", f"file:{tmp_path / 'empty'}", "--store", str(db)]) == 2
    with Store(db, read_only=True) as store:
        assert [r.session_id for r in store.sessions()] == [1]


def test_a_sync_with_a_failed_session_and_nothing_stored_creates_no_store(
    tmp_path: Path,
) -> None:
    flash = flash_copy(tmp_path / "flash", b"not a session file at all" * 4)
    db = tmp_path / "s.db"
    assert main(["sync", "--device", f"file:{flash}", "--store", str(db)]) == 1
    assert not db.exists()


EARLIER = session_file(5, start_s=1_799_990_000, steps=150)  # numbered after, started before


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store holding three sessions of one device."""
    db = tmp_path / "s.db"
    flash = flash_copy(tmp_path / "flash", ONE, TWO, EARLIER)
    assert main(["sync", "--device", f"file:{flash}", "--store", str(db), "--quiet"]) == 0
    return db


def stored_ids(db: Path) -> dict[int, str]:
    with Store(db, read_only=True) as s:
        return {r.session_id: r.id for r in s.sessions()}


def csv_session_ids(path: Path) -> set[str]:
    lines = path.read_text().splitlines()
    col = lines[0].split(",").index("session_id")
    return {line.split(",")[col] for line in lines[1:]}


def test_latest_names_the_session_that_started_last(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    argv = ["export", "latest", "--format", "csv", "--out", str(out), "--store", str(store)]
    assert main(argv) == 0
    assert csv_session_ids(out) == {stored_ids(store)[2]}


def test_a_unique_prefix_names_its_session(store: Path, tmp_path: Path) -> None:
    sid = stored_ids(store)[5]
    out = tmp_path / "x.csv"
    prefix = sid[: sid.index("-5-") + 3]
    argv = ["export", prefix, "--format", "csv", "--out", str(out), "--store", str(store)]
    assert main(argv) == 0
    assert csv_session_ids(out) == {sid}


def test_an_ambiguous_prefix_lists_the_sessions_it_matches(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "246f", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert all(sid in err for sid in stored_ids(store).values())


def test_latest_in_an_empty_store_says_it_is_empty(tmp_path: Path) -> None:
    from footfall.errors import NoSuchSession
    from footfall.source import resolve

    with Store(tmp_path / "s.db") as empty, pytest.raises(NoSuchSession, match="is empty"):
        resolve(empty, "latest")


UNSET_START_S = 946_684_800 + 3_600  # 2000-01-01 01:00: the ESP32 clock an hour after boot
UNSET = session_file(7, start_s=UNSET_START_S, steps=300, clock_set=False)


@pytest.fixture
def unset_store(tmp_path: Path) -> Path:
    """A store holding one session synced by file: from a device whose clock was not set."""
    db = tmp_path / "u.db"
    flash = flash_copy(tmp_path / "uflash", UNSET)
    assert main(["sync", "--device", f"file:{flash}", "--store", str(db), "--quiet"]) == 0
    return db


def json_out(argv: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_show_json_gives_the_store_id_as_id_and_the_device_number_as_session_id(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = json_out(["show", "latest", "--json", "--store", str(store)], capsys)
    assert isinstance(got, dict)
    assert got["id"] == stored_ids(store)[2] and got["session_id"] == 2
    assert got["start"].startswith("2027-01-15")  # 1_800_010_000 s


def test_an_unset_clock_has_a_null_start_in_sessions_and_show_json(
    unset_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["sessions", "--json", "--store", str(unset_store)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["start"] is None and row["start_s"] is None and row["session_id"] == 7
    shown = json_out(["show", "latest", "--json", "--store", str(unset_store)], capsys)
    assert isinstance(shown, dict)
    assert shown["start"] is None and shown["start_s"] is None


def test_an_unset_clock_reads_date_unknown_in_sessions_and_show(
    unset_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["sessions", "--store", str(unset_store)]) == 0
    assert main(["show", "latest", "--store", str(unset_store)]) == 0
    out = capsys.readouterr().out
    assert out.count("date unknown") == 2 and "2000" not in out


def test_export_csv_to_stdout_is_the_file_it_would_write(
    store: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    base = ["export", "--all", "--format", "csv", "--store", str(store)]
    assert main([*base, "--out", str(tmp_path / "x.csv")]) == 0
    capsysbinary.readouterr()
    assert main([*base, "--out", "-"]) == 0
    assert capsysbinary.readouterr().out == (tmp_path / "x.csv").read_bytes()


def test_export_fit_to_stdout_is_the_file_it_would_write(
    store: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    base = ["export", "latest", "--format", "fit", "--store", str(store)]
    assert main([*base, "--out", str(tmp_path / "x.fit")]) == 0
    capsysbinary.readouterr()
    assert main([*base, "--out", "-"]) == 0
    assert capsysbinary.readouterr().out == (tmp_path / "x.fit").read_bytes()


@pytest.mark.parametrize("what", [["latest", "--format", "parquet"], ["--all", "--format", "fit"]])
def test_export_to_a_folder_refuses_stdout(
    store: Path, what: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", *what, "--out", "-", "--store", str(store)]) == 2
    assert "folder" in capsys.readouterr().err


@pytest.mark.e2e
@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG\r\n"), ("html", b"<!DOCTYPE")])
def test_report_to_stdout_in_the_format_asked(
    store: Path, fmt: str, magic: bytes, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    capsysbinary.readouterr()
    argv = ["report", "latest", "--format", fmt, "--out", "-", "--store", str(store)]
    assert main(argv) == 0
    assert capsysbinary.readouterr().out.startswith(magic)


def test_report_to_stdout_needs_a_format(store: Path) -> None:
    assert main(["report", "latest", "--out", "-", "--store", str(store)]) == 2


@pytest.mark.e2e
def test_report_format_wins_over_the_suffix(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.png"
    argv = ["report", "latest", "--format", "html", "--out", str(out), "--store", str(store)]
    assert main(argv) == 0
    assert out.read_bytes().startswith(b"<!DOCTYPE")


def test_sim_refuses_stdout_for_its_flash_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rec = Path(__file__).parents[1] / "data" / "synthetic_run.csv"
    assert main(["sim", str(rec), "--out", "-"]) == 2
    assert not (tmp_path / "-").exists()


def test_export_json_names_what_it_wrote(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    argv = ["export", "--all", "--format", "csv", "--out", str(out), "--json"]
    got = json_out([*argv, "--store", str(store)], capsys)
    assert isinstance(got, dict)
    assert got["out"] == str(out) and got["format"] == "csv"
    assert sorted(got["ids"]) == sorted(stored_ids(store).values())
    assert got["steps"] == len(out.read_text().splitlines()) - 1


@pytest.mark.e2e
def test_report_json_names_the_session_and_the_file(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    argv = ["report", "latest", "--out", str(out), "--json", "--store", str(store)]
    got = json_out(argv, capsys)
    assert got == {"id": stored_ids(store)[2], "format": "html", "out": str(out)}


def on_radio(scenario: Any, **peripheral_args: Any) -> Any:
    """Run scenario(peripheral, bleak options) against the emulated sensor on a virtual radio."""
    from footfall.sim.ble_peripheral import FootfallPeripheral
    from footfall.transport.ble_bumble import VirtualRadio

    async def go() -> Any:
        radio = VirtualRadio()
        peripheral = FootfallPeripheral(radio, **peripheral_args)
        await peripheral.start()
        scanner, client = radio.bleak_backends()
        try:
            options = {"scanner": scanner, "client": client, "timeout_s": 5}
            return await asyncio.wait_for(scenario(peripheral, options), 20)
        finally:
            await peripheral.stop()

    return asyncio.run(go())


def test_sync_json_is_one_document_with_store_ids_and_session_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flash = flash_copy(tmp_path / "flash", ONE, TWO)
    db = tmp_path / "s.db"
    got = json_out(["sync", "--device", f"file:{flash}", "--store", str(db), "--json"], capsys)
    assert isinstance(got, dict)
    assert got["imported"] == 2 and got["failed"] == 0
    ids = stored_ids(db)
    assert {(s["session_id"], s["id"]) for s in got["sessions"]} == set(ids.items())


def test_sync_json_reports_a_failed_session_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flash = flash_copy(tmp_path / "flash", ONE, b"FFS1 torn")
    capsys.readouterr()
    argv = ["sync", "--device", f"file:{flash}", "--store", str(tmp_path / "s.db"), "--json"]
    assert main(argv) == 1
    got = json.loads(capsys.readouterr().out)
    assert (got["imported"], got["failed"]) == (1, 1)
    failed = [s for s in got["sessions"] if s["status"] == "failed"]
    assert failed[0]["id"] is None and failed[0]["error"]


def test_devices_json_without_a_ble_adapter_still_lists_serial_ports(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bleak import BleakScanner
    from serial.tools import list_ports  # type: ignore[import-untyped]

    async def no_adapter(*_a: Any, **_k: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(BleakScanner, "discover", no_adapter)
    monkeypatch.setattr(list_ports, "comports", list)
    got = json_out(["devices", "--timeout", "0.1", "--json"], capsys)
    assert isinstance(got, dict)
    assert got["serial"] == [] and got["ble"] == [] and "Bluetooth" in got["ble_error"]


@pytest.mark.e2e
def test_devices_json_lists_a_sensor_by_its_url() -> None:
    from footfall.cli import devices

    async def scenario(_peripheral: Any, options: dict) -> dict:
        return await devices.found(0.5, options["scanner"])

    got = on_radio(scenario)
    assert [s["url"] for s in got["ble"]] == ["ble:footfall-2B3C"] and got["ble_error"] is None


@pytest.mark.e2e
def test_live_json_is_one_object_per_reading() -> None:
    from footfall.cli import live

    async def scenario(peripheral: Any, options: dict) -> list[str]:
        peripheral.set_cadence(174, running=True)
        lines: list[str] = []
        await live.run("ble:footfall-2B3C", 10, lines.append, count=3, as_json=True, **options)
        return lines

    readings = [json.loads(x) for x in on_radio(scenario, rsc_interval_s=0.02)]
    assert len(readings) == 3
    assert all(r["cadence_spm"] == 174 and r["running"] is True for r in readings)


def test_demo_json_gives_the_figures_the_text_prints(capsys: pytest.CaptureFixture[str]) -> None:
    got = json_out(["demo", "--json"], capsys)
    assert isinstance(got, dict)
    assert main(["demo"]) == 0
    text = capsys.readouterr().out
    assert f"steps: {got['steps']} " in text
    assert text.count("  buzz ") == len(got["cues"]) > 0


def test_export_csv_of_an_unset_clock_leaves_time_ms_empty(
    unset_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "u.csv"
    argv = ["export", "latest", "--format", "csv", "--out", str(out), "--store", str(unset_store)]
    assert main(argv) == 0
    lines = out.read_text().splitlines()
    col = lines[0].split(",").index("time_ms")
    assert len(lines) > 1 and {line.split(",")[col] for line in lines[1:]} == {""}


def test_export_csv_of_an_unset_session_file_leaves_time_ms_empty(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    ffs = tmp_path / "u.ffs"
    ffs.write_bytes(UNSET)
    capsysbinary.readouterr()
    argv = ["export", "--session-file", str(ffs), "--format", "csv", "--out", "-"]
    assert main(argv) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    col = lines[0].split(",").index("time_ms")
    assert {line.split(",")[col] for line in lines[1:]} == {""}


def test_export_parquet_of_an_unset_clock_has_no_date_or_time(
    unset_store: Path, tmp_path: Path
) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.dataset as ds  # type: ignore[import-untyped]

    out = tmp_path / "pq"
    argv = ["export", "latest", "--format", "parquet", "--out", str(out)]
    assert main([*argv, "--store", str(unset_store)]) == 0
    keys = pa.schema([("device", pa.string()), ("date", pa.string())])
    table = ds.dataset(out, partitioning=ds.partitioning(keys, flavor="hive")).to_table()
    assert table.num_rows > 0
    for name in ("date", "time", "time_ms"):
        assert table[name].null_count == table.num_rows, name


def test_export_fit_of_an_unset_clock_uses_relative_times(
    unset_store: Path, tmp_path: Path
) -> None:
    from garmin_fit_sdk import Decoder, Stream

    relative_limit = 0x10000000  # FIT profile: a date_time below this is not a date

    out = tmp_path / "u.fit"
    argv = ["export", "latest", "--format", "fit", "--out", str(out), "--store", str(unset_store)]
    assert main(argv) == 0
    decoder = Decoder(Stream.from_byte_array(bytearray(out.read_bytes())))
    messages, errors = decoder.read(convert_datetimes_to_dates=False)
    assert not errors
    times = [m[k] for ms in messages.values() for m in ms for k in ("timestamp", "start_time",
             "time_created") if k in m]  # fmt: skip
    assert times and max(times) < relative_limit
    assert messages["session_mesgs"][0]["start_time"] == 0


@pytest.mark.e2e
@pytest.mark.parametrize("from_file", [False, True])
def test_report_of_an_unset_clock_says_date_unknown(
    unset_store: Path, tmp_path: Path, from_file: bool
) -> None:
    out = tmp_path / "u.html"
    ffs = tmp_path / "u.ffs"
    ffs.write_bytes(UNSET)
    which = ["--session-file", str(ffs)] if from_file else ["latest", "--store", str(unset_store)]
    assert main(["report", *which, "--out", str(out)]) == 0
    page = out.read_text()
    assert "date unknown" in page and "2000-01-01" not in page


def test_trends_leaves_an_unset_clock_out_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flash = flash_copy(tmp_path / "flash", ONE, UNSET)
    db = tmp_path / "s.db"
    assert main(["sync", "--device", f"file:{flash}", "--store", str(db), "--quiet"]) == 0
    got = json_out(["trends", "--json", "--store", str(db)], capsys)
    assert isinstance(got, dict) and got["sessions_undated"] == 1
    assert main(["trends", "--store", str(db)]) == 0
    assert "1 session(s) recorded with the device's clock unset" in capsys.readouterr().out
