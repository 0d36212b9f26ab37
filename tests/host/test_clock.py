"""Sessions recorded with the device's clock unset: flagged, re-based at a live sync from the
device's boot and uptime, left out of trends when they cannot be; old files and stores."""

import json
import sqlite3
import time
from pathlib import Path

import pytest
from footfall.cli import main
from footfall.records import Session
from footfall.store import DeviceClock, Store
from footfall_core import records as core

from tests.host.session_files import session_file

POWER_ON_S = 946_684_800  # 2000-01-01: the ESP32 clock after a power-off
UNSET = {"clock_set": False, "boot_id": 0x1234, "start_up_ms": 60_000}
STEPS, INTERVAL_MS = 200, 350  # session_file's: 70 s long


def test_a_session_with_its_clock_set_keeps_its_header_start(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        sid = store.import_session(session_file()).id
        row = store.session(sid)
    assert (row.clock, row.start_s, row.header_start_s) == ("set", 1_800_000_000, 1_800_000_000)


def test_an_unset_clock_without_a_live_sync_is_stored_flagged(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        sid = store.import_session(session_file(start_s=POWER_ON_S + 60, **UNSET)).id
        row = store.session(sid)
    assert row.clock == "unset" and row.start_s == POWER_ON_S + 60


def test_a_live_sync_of_the_same_boot_rebases_the_start_from_the_uptime(tmp_path: Path) -> None:
    # the device has been up 1 h; the session began at 60 s of uptime
    clock = DeviceClock(boot_id=0x1234, uptime_ms=3_600_000, at_s=1_800_003_540.0)
    with Store(tmp_path / "s.db") as store:
        raw = session_file(start_s=POWER_ON_S + 60, **UNSET)
        sid = store.import_session(raw, None, clock).id
        row = store.session(sid)
    assert row.clock == "rebased" and row.start_s == 1_800_003_540 - 3540
    assert row.start.startswith("2027-01-15T08:")
    assert row.header_start_s == POWER_ON_S + 60 and sid.endswith(f"-{POWER_ON_S + 60}")


def test_uptime_that_wrapped_past_2_30_still_rebases(tmp_path: Path) -> None:
    clock = DeviceClock(0x1234, (60_000 + 100_000) - (1 << 30), 1_800_000_000.0)
    with Store(tmp_path / "s.db") as store:
        row = store.session(store.import_session(session_file(**UNSET), None, clock).id)
    assert row.clock == "rebased" and row.start_s == 1_800_000_000 - 100


@pytest.mark.parametrize(
    "clock",
    [
        DeviceClock(0x9999, 3_600_000, 1_800_000_000.0),  # another boot: uptime restarted
        DeviceClock(0x1234, 60_000 + 30_000, 1_800_000_000.0),  # began 30 s ago, lasted 70
    ],
)
def test_a_session_from_another_boot_is_not_rebased(tmp_path: Path, clock: DeviceClock) -> None:
    with Store(tmp_path / "s.db") as store:
        row = store.session(store.import_session(session_file(**UNSET), None, clock).id)
    assert row.clock == "unset"


def test_importing_again_with_a_live_clock_rebases_a_flagged_copy(tmp_path: Path) -> None:
    raw = session_file(start_s=POWER_ON_S + 60, **UNSET)
    clock = DeviceClock(0x1234, 3_600_000, 1_800_003_540.0)
    with Store(tmp_path / "s.db") as store:
        first = store.import_session(raw)
        again = store.import_session(raw, None, clock)
        row = store.session(first.id)
        assert len(store.sessions()) == 1
    assert again.new and row.clock == "rebased" and row.start_s == 1_800_000_000


def test_trends_leaves_out_an_undated_session_instead_of_1400_empty_weeks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    now_s = int(time.time()) - 3600
    with Store(db) as store:
        store.import_session(session_file(1, now_s, steps=600))
        store.import_session(session_file(2, POWER_ON_S + 60, steps=600, **UNSET))
    assert main(["trends", "--json", "--store", str(db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["weeks"]) == 1 and out["sessions_undated"] == 1
    assert main(["trends", "--store", str(db)]) == 0
    assert "1 session(s) recorded with the device's clock unset" in capsys.readouterr().out


def test_sessions_json_says_which_starts_are_unset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.import_session(session_file(start_s=POWER_ON_S + 60, **UNSET))
    assert main(["sessions", "--json", "--store", str(db)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["clock"] == "unset" and row["start"] is None and row["start_s"] is None
    assert row["header_start_s"] == POWER_ON_S + 60  # the device's own (wrong) clock, kept


SCHEMA_1 = """
CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT NOT NULL, first_seen REAL NOT NULL,
    last_seen REAL NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, device TEXT NOT NULL REFERENCES devices(id),
    session_id INTEGER NOT NULL, start_s INTEGER NOT NULL, start TEXT NOT NULL,
    duration_s REAL NOT NULL, steps INTEGER NOT NULL, running_s REAL, cues INTEGER NOT NULL,
    placement TEXT NOT NULL, rate_hz INTEGER NOT NULL, target_spm INTEGER NOT NULL,
    tolerance_spm INTEGER NOT NULL, auto_target INTEGER NOT NULL,
    peak_max_mg INTEGER NOT NULL, end_reason TEXT, fw TEXT NOT NULL, crc INTEGER NOT NULL,
    size INTEGER NOT NULL, raw BLOB NOT NULL, imported_at TEXT NOT NULL);
CREATE INDEX sessions_by_start ON sessions(start_s, device);
CREATE INDEX sessions_by_copy ON sessions(device, start_s, crc, size);
CREATE TABLE arrays (session TEXT PRIMARY KEY REFERENCES sessions(id), n INTEGER NOT NULL,
    t_ms BLOB NOT NULL, peak_mg BLOB NOT NULL, cadence_spm BLOB NOT NULL, flags BLOB NOT NULL);
PRAGMA user_version = 1;
"""


def test_a_schema_1_store_opens_and_flags_its_year_2000_starts(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(SCHEMA_1)
    con.execute("INSERT INTO devices VALUES ('246f281a2b3c', 'footfall-2B3C', 0, 0)")
    for sid, start in (("a", POWER_ON_S + 60), ("b", 1_800_000_000)):
        con.execute(
            "INSERT INTO sessions VALUES (?, '246f281a2b3c', 1, ?, '', 1, 0, NULL, 0, 'waist', "
            "100, 170, 3, 0, 0, NULL, '0.1.0', 0, 0, x'', '')",
            (sid, start),
        )
    con.commit()
    con.close()
    with Store(db) as store:
        rows = {r.id: (r.clock, r.header_start_s) for r in store.sessions()}
        # schema 3: the crc column is the session CRC, here of an empty file
        assert store.find_copy("246f281a2b3c", 1, 1_800_000_000, 0xFFFF, 0) == "b"
    assert rows == {"a": ("unset", POWER_ON_S + 60), "b": ("set", 1_800_000_000)}


def test_a_version_1_file_decodes_on_the_host() -> None:
    v2 = session_file()
    h = Session.from_bytes(v2).header
    v1 = bytearray(v2[:32])
    v1[4], v1[5] = 1, core.HEADER_BYTES_V1
    v1 += core.crc16(v1, 0, 32).to_bytes(2, "big")
    s = Session.from_bytes(bytes(v1) + v2[core.HEADER_BYTES :])
    assert (s.header.version, s.header.clock_set, s.header.rate_mhz) == (1, True, 100_000)
    assert s.steps == STEPS and s.header.start_s == h.start_s and s.discarded_bytes == 0


def gap_session() -> bytes:
    buf = bytearray(1024)
    enc = core.SessionEncoder(buf)
    enc.header(core.Header(start_s=1_800_000_000, rate_mhz=99_500))
    for _ in range(3):
        enc.step(350, 1500, 171, 2)
    enc.gap(1100, 400, 40)
    enc.step(350 + 400, 1500, 171, 2)
    enc.end(2000, core.END_STOPPED)
    return bytes(buf[: enc.pos])


def test_step_times_after_a_gap_include_the_samples_lost(tmp_path: Path) -> None:
    s = Session.from_bytes(gap_session())
    assert list(s.t_ms) == [350, 700, 1050, 1800]
    assert list(s.after_gap) == [False, False, False, True]
    assert [(g.at_ms, g.lost_ms, g.lost_samples) for g in s.gaps] == [(1100, 400, 40)]


def test_inspect_shows_clock_rate_and_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.ffs"
    path.write_bytes(gap_session())
    assert main(["inspect", "--json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["clock_set"] is True and out["header"]["clock_set"] is True
    assert out["rate_mhz"] == 99_500 and out["gaps"] == [[1100, 400, 40]]
    assert main(["inspect", str(path)]) == 0
    text = capsys.readouterr().out
    assert "99.500 Hz measured" in text and "lost 40 samples (400 ms" in text
