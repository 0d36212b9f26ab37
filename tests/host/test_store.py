"""The analyst's SQLite store: idempotent, atomic imports; exact files; arrays for numpy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from footfall.errors import NoSuchSession, StoreError
from footfall.records import Session
from footfall.store import Store, default_path
from footfall_core import records as core

from tests.host.session_files import session_file

RAW = session_file(session_id=4, steps=300)


def dump(path: Path) -> list[tuple]:
    """Every row of every table: the store's whole content."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, *r) for t in sorted(tables) for r in db.execute(f"SELECT * FROM {t}")]
    finally:
        db.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "s.db") as s:
        yield s


def test_importing_the_same_session_twice_keeps_one_copy(store: Store) -> None:
    first = store.import_session(RAW)
    again = store.import_session(RAW)
    assert (first.new, again.new, again.id) == (True, False, first.id)
    assert [r.id for r in store.sessions()] == [first.id]


def test_session_id_is_device_session_and_start(store: Store) -> None:
    assert store.import_session(RAW).id == "246f281a2b3c-4-1800000000"


def test_the_stored_file_is_byte_identical(store: Store) -> None:
    assert store.raw(store.import_session(RAW).id) == RAW


def test_summary_columns_come_from_the_decoded_file(store: Store) -> None:
    row = store.session(store.import_session(RAW, "runner-kit").id)
    assert (row.device, row.device_name, row.session_id, row.steps) == (
        "246f281a2b3c",
        "runner-kit",
        4,
        300,
    )
    assert (row.start, row.duration_s, row.cues, row.end_reason) == (
        "2027-01-15T08:00:00+00:00",
        105.0,
        1,
        "stopped",
    )


def test_arrays_equal_the_records_decoding(store: Store) -> None:
    arrays = store.arrays(store.import_session(RAW).id)
    s = Session.from_bytes(RAW)
    for got, want in zip(arrays, (s.t_ms, s.peak_mg, s.cadence_spm, s.flags), strict=True):
        np.testing.assert_array_equal(got, want)


def test_iter_arrays_yields_every_session_oldest_first(store: Store) -> None:
    late = store.import_session(session_file(2, start_s=1_800_100_000, steps=10)).id
    early = store.import_session(session_file(1, start_s=1_800_000_000, steps=20)).id
    got = [(sid, len(a.t_ms)) for sid, a in store.iter_arrays()]
    assert got == [(early, 20), (late, 10)]


@pytest.mark.parametrize("point", ["begin", "device", "session", "arrays"])
def test_an_import_interrupted_inside_its_transaction_leaves_the_store_as_it_was(
    store: Store, point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.import_session(session_file(1))
    before = dump(store.path)

    def interrupt(_self: Store, name: str) -> None:
        if name == point:
            raise KeyboardInterrupt

    monkeypatch.setattr(Store, "_step", interrupt)
    with pytest.raises(KeyboardInterrupt):
        store.import_session(session_file(2))
    assert dump(store.path) == before
    monkeypatch.undo()  # the same connection goes on working, with none of session 2
    store.import_session(session_file(3))
    assert [r.session_id for r in store.sessions()] == [1, 3]


@pytest.mark.e2e
def test_a_killed_import_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    # The child stops inside the transaction, after the session row is written, and says
    # so; the parent kills it there: no sleeps, no race.
    path = tmp_path / "s.db"
    with Store(path) as s:
        s.import_session(session_file(1))
    before = dump(path)
    child = f"""
import sys
from footfall.store import Store
from tests.host.session_files import session_file
def stop(self, name):
    if name == "arrays":
        print("inside", flush=True)
        sys.stdin.read()
Store._step = stop
Store({str(path)!r}).import_session(session_file(2))
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"inside\n"
    proc.kill()
    proc.wait(10)
    assert dump(path) == before
    with Store(path) as s:
        assert len(s.sessions()) == 1


def record_starts(raw: bytes) -> list[int]:
    """Offsets of the records, from the framing alone."""
    out, pos = [], core.HEADER_BYTES
    while pos < len(raw):
        out.append(pos)
        pos += raw[pos + 1] + core.FRAMING_BYTES
    return out


def test_a_flipped_bit_costs_its_record_only_and_the_import_says_what_it_dropped(
    store: Store,
) -> None:
    starts = record_starts(RAW)
    hit = [a for a in starts if RAW[a] == core.REC_STEPS][1]  # the second block: 62 steps
    assert RAW[hit + 1] == 4 + 62 * 4
    bad = bytearray(RAW)
    bad[hit + 20] ^= 0x40
    result = store.import_session(bytes(bad))
    row = store.session(result.id)
    assert row.steps == 300 - 62 and row.end_reason == "stopped"
    assert result.note == (
        f"dropped 256 damaged bytes in 1 place(s) from byte {hit}; kept "
        f"{len(starts) - 1} records, 238 steps"
    )
    assert store.raw(result.id) == bytes(bad)  # the file as it came, damage and all


def test_a_damaged_header_is_still_refused_and_nothing_is_stored(store: Store) -> None:
    bad = bytearray(RAW)
    bad[20] ^= 0x40
    with pytest.raises(StoreError, match="not a valid session file: header CRC mismatch"):
        store.import_session(bytes(bad))
    assert store.sessions() == []


def test_a_longer_file_that_begins_with_a_stored_whole_session_is_refused(
    store: Store,
) -> None:
    # the attack: the genuine file, then its records again (1,062 steps became 2,124)
    genuine = session_file(5, steps=1062)
    store.import_session(genuine)
    doubled = genuine + genuine[core.HEADER_BYTES :]
    with pytest.raises(StoreError, match="refused: the STEPS record at byte .* follows the END"):
        store.import_session(doubled)
    with pytest.raises(StoreError, match="already stored whole .* a longer copy"):
        store.import_session(genuine + bytes(range(40)))  # only damage after its END
    (row,) = store.sessions()
    assert (row.steps, store.raw(row.id)) == (1062, genuine)


def test_the_genuine_file_still_imports_after_a_doubled_one_was_refused(store: Store) -> None:
    genuine = session_file(5, steps=1062)
    with pytest.raises(StoreError, match="follows the END record"):
        store.import_session(genuine + genuine[core.HEADER_BYTES :])
    assert store.import_session(genuine).new and store.sessions()[0].steps == 1062


def test_a_duplicated_step_block_is_refused_naming_the_rule(store: Store) -> None:
    # "running 12:31" in a 6:31 session: a block of steps again, later in the file
    starts = record_starts(RAW)
    dup = RAW[: starts[3]] + RAW[starts[0] : starts[1]] + RAW[starts[3] :]
    with pytest.raises(
        StoreError, match=f"STEPS record at byte {starts[3]}: session time goes back"
    ):
        store.import_session(dup)
    assert store.sessions() == []


def test_a_step_block_back_in_time_is_refused(store: Store) -> None:
    # "running -299:51:35": a step block whose time was moved back 300 hours, CRC redone
    at = [a for a in record_starts(RAW) if RAW[a] == core.REC_STEPS][3]
    bad = bytearray(RAW)
    core.put_u30_be(bad, at + 2, max(core.get_u30_be(bad, at + 2) - 300 * 3_600_000, 0))
    core.seal(bad, at, at + 2 + bad[at + 1])
    with pytest.raises(StoreError, match="session time goes back"):
        store.import_session(bytes(bad))


def test_more_steps_than_a_session_can_hold_are_refused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from footfall_core import reader

    assert reader.MAX_STEPS < 12_000_000  # the 12 M-step file: tests/host/test_fuzz.py
    monkeypatch.setattr(reader, "MAX_STEPS", 250)  # the rule at a size a test writes fast
    with pytest.raises(StoreError, match="refused: the STEPS record at byte .*: more than"):
        store.import_session(RAW)


def test_a_file_that_is_not_a_session_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not a valid session file"):
        store.import_session(b"hello world, not a session file at all")


def test_a_longer_copy_of_a_stored_session_replaces_it(store: Store) -> None:
    # synced while still recording (no summary or end yet), synced again once it ended
    unfinished = RAW[: -(core.SUMMARY_BYTES + core.END_BYTES)]
    first = store.import_session(unfinished)
    grown = store.import_session(RAW)
    assert (first.id, grown.new) == (grown.id, True)
    assert [store.raw(r.id) for r in store.sessions()] == [RAW]


def test_a_different_file_under_a_stored_id_is_refused(store: Store) -> None:
    store.import_session(session_file(4, steps=300))
    with pytest.raises(StoreError, match="already stored with different content"):
        store.import_session(session_file(4, steps=290))
    assert store.raw(store.sessions()[0].id) == session_file(4, steps=300)


def test_a_corrupt_arrays_row_is_a_clear_store_error(store: Store) -> None:
    sid = store.import_session(RAW).id
    db = sqlite3.connect(store.path)
    db.execute("UPDATE arrays SET peak_mg = x'00' WHERE session = ?", (sid,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=f"session {sid}: corrupt peak_mg array"):
        store.arrays(sid)


def test_a_corrupt_raw_file_fails_its_crc(store: Store) -> None:
    sid = store.import_session(RAW).id
    db = sqlite3.connect(store.path)
    db.execute("UPDATE sessions SET raw = zeroblob(size) WHERE id = ?", (sid,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="fails its CRC"):
        store.raw(sid)


def test_an_unknown_id_is_no_such_session(store: Store) -> None:
    with pytest.raises(NoSuchSession, match="no session 'nope'"):
        store.session("nope")


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a footfall store"):
        Store(path)


def test_the_default_store_is_in_the_user_data_dir() -> None:
    assert default_path().name == "footfall.db" and "footfall" in default_path().parent.name


def test_a_schema_2_store_gets_session_crcs_when_opened(tmp_path: Path) -> None:
    from footfall_core.crc import crc16

    from tests.crc_ref import session_crc_ref

    path = tmp_path / "s.db"
    with Store(path) as s:
        sid = s.import_session(RAW).id
    db = sqlite3.connect(path)  # as a schema 2 store has it: crc16 of the file
    db.execute("UPDATE sessions SET crc = ?", (crc16(RAW),))
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.session(sid).crc == session_crc_ref(RAW)
        assert s.raw(sid) == RAW
        assert s.find_copy("246f281a2b3c", 4, 1_800_000_000, session_crc_ref(RAW), len(RAW)) == sid
