"""The store against files that are not its own and disks that fail: another program's
database, a newer schema, a lock held by another process, a full or read-only disk, no
permission. Reading never writes; what is not a footfall store is refused untouched; every
error names its real cause."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from footfall.cli import main
from footfall.errors import StoreAccessError, StoreError
from footfall.store import Store
from footfall.store_db import APPLICATION_ID, TABLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.host.fs_faults import as_unmapped_user, in_private_mounts
from tests.host.session_files import session_file
from tests.host.test_clock import SCHEMA_1
from tests.host.test_store import dump


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file in the folder: its SHA-256 and mtime (so also which files exist)."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def make_db(path: Path, tables: list[str], user_version: int = 0, app_id: int = 0) -> None:
    db = sqlite3.connect(path)
    for name in tables:
        db.execute(f'CREATE TABLE "{name}" (x)')
        db.execute(f'INSERT INTO "{name}" VALUES (1)')
    db.execute(f"PRAGMA user_version = {user_version}")
    db.execute(f"PRAGMA application_id = {app_id}")
    db.commit()
    db.close()


def footfall_store(path: Path, sessions: int = 2) -> None:
    with Store(path) as s:
        for i in range(1, sessions + 1):
            s.import_session(session_file(i, steps=100))


def refused_untouched(path: Path, match: str) -> None:
    """Both a reader and a writer refuse `path` with `match`, leaving its folder as it was."""
    before = snapshot(path.parent)
    for read_only in (True, False):
        with pytest.raises(StoreError, match=match):
            Store(path, read_only=read_only)
        assert snapshot(path.parent) == before


# -- another program's database ------------------------------------------------------------


def test_sessions_on_another_programs_database_exits_2_and_leaves_it_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    make_db(path, ["notes"])
    before = snapshot(tmp_path)
    assert main(["sessions", "--store", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a footfall store" in err and "notes" in err and "untouched" in err
    assert snapshot(tmp_path) == before
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    db.close()


def test_sync_into_another_programs_database_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "db" / "notes.db"
    path.parent.mkdir()
    make_db(path, ["notes"])
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "00001.ffs").write_bytes(session_file(1))
    before = snapshot(path.parent)
    assert main(["sync", "--device", f"file:{tmp_path / 'files'}", "--store", str(path)]) == 2
    assert "not a footfall store" in capsys.readouterr().err
    assert snapshot(path.parent) == before


def test_a_database_of_another_application_id_is_refused_untouched(tmp_path: Path) -> None:
    make_db(tmp_path / "a.db", [], app_id=0x0F0F0F0F)
    refused_untouched(tmp_path / "a.db", "another program's database .*0x0f0f0f0f")


def test_a_footfall_store_with_another_table_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    footfall_store(path)
    make_db(path, ["their_notes"], user_version=2, app_id=APPLICATION_ID)
    refused_untouched(path, "not a footfall store .*their_notes")


def test_a_newer_schema_version_is_named_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    footfall_store(path)
    make_db(path, [], user_version=4, app_id=APPLICATION_ID)
    refused_untouched(path, "schema version 4 is newer than this footfall's \\(3\\)")


def test_a_file_that_is_not_sqlite_is_named_not_a_database_untouched(tmp_path: Path) -> None:
    (tmp_path / "s.db").write_bytes(b"SQLite? no." * 50)
    refused_untouched(tmp_path / "s.db", "not an SQLite database")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    footfall=st.booleans(),
    extra=st.lists(st.sampled_from(["notes", "devices", "sessions", "arrays", "t"]), max_size=3),
    user_version=st.sampled_from([0, 1, 2, 3, 4, 9]),
    app_id=st.sampled_from([0, APPLICATION_ID, 0x12345678]),
    wal=st.booleans(),
)
@pytest.mark.e2e
def test_any_database_but_a_footfall_store_is_refused_untouched(
    tmp_path_factory: pytest.TempPathFactory,
    footfall: bool,
    extra: list[str],
    user_version: int,
    app_id: int,
    wal: bool,
) -> None:
    path = tmp_path_factory.mktemp("db") / "s.db"
    if footfall:
        footfall_store(path, 1)
        extra = [t for t in extra if t not in TABLES]
    make_db(path, sorted(set(extra)), user_version, app_id)
    if wal:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.close()
    tables = (TABLES if footfall else set()) | set(extra)
    is_store = tables == TABLES and 1 <= user_version <= 3 and app_id in (0, APPLICATION_ID)
    blank = not tables and user_version == 0 and app_id == 0
    if is_store and footfall:
        with Store(path, read_only=True) as s:
            assert len(s.sessions()) == 1
    elif is_store:  # footfall's marks and table names on other columns: read, fail, unwritten
        file = path.read_bytes()
        with pytest.raises(StoreError, match="no such column"), Store(path, read_only=True) as s:
            s.sessions()
        assert path.read_bytes() == file
    elif blank:  # no store yet: nothing to read, and a writer may make one in it
        with pytest.raises(StoreError, match="not a footfall store"):
            Store(path, read_only=True)
    else:
        refused_untouched(path, "not a footfall store|another program's|newer")


# -- reading never writes --------------------------------------------------------------------


def test_read_commands_never_write_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    footfall_store(path)
    main_file = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    sid = "246f281a2b3c-1"
    out = tmp_path / "steps.csv"
    for argv in (
        ["sessions"],
        ["sessions", "--json"],
        ["show", sid],
        ["trends", "--json"],
        ["export", sid, "--format", "csv", "--out", str(out)],
    ):
        assert main([*argv, "--store", str(path)]) == 0, capsys.readouterr().err
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == main_file
    wal = path.with_name("s.db-wal")  # a WAL reader's companion file, if any, holds nothing
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_read_command_on_a_missing_store_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "s.db"
    assert main(["sessions", "--store", str(path)]) == 2
    assert "no such store" in capsys.readouterr().err
    assert not path.parent.exists()


def test_a_schema_1_store_is_read_as_it_is_and_migrated_only_by_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_1)
    db.execute("INSERT INTO devices VALUES ('246f281a2b3c', 'footfall-2B3C', 0, 0)")
    db.execute(
        "INSERT INTO sessions VALUES ('a', '246f281a2b3c', 1, 946684860, '', 1, 0, NULL, 0, "
        "'waist', 100, 170, 3, 0, 0, NULL, '0.1.0', 0, 0, x'', '')"
    )
    db.commit()
    db.close()
    before = snapshot(tmp_path)
    with Store(path, read_only=True) as s:
        assert [(r.id, r.clock, r.header_start_s) for r in s.sessions()] == [
            ("a", "unset", 946684860)
        ]
        assert s.find_copy("246f281a2b3c", 1, 946684860, 0, 0) == "a"
    assert snapshot(tmp_path) == before
    Store(path).close()
    db = sqlite3.connect(path)
    versions = (
        db.execute("PRAGMA user_version").fetchone()
        + db.execute("PRAGMA application_id").fetchone()
    )
    db.close()
    assert versions == (3, APPLICATION_ID)


def test_a_store_made_before_the_mark_is_read_and_marked_by_the_next_writer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    footfall_store(path)
    make_db(path, [], user_version=2, app_id=0)
    with Store(path, read_only=True) as s:
        assert len(s.sessions()) == 2
    with Store(path) as s:
        assert len(s.sessions()) == 2
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    db.close()


def test_a_read_only_store_refuses_an_import(tmp_path: Path) -> None:
    footfall_store(tmp_path / "s.db")
    with (
        Store(tmp_path / "s.db", read_only=True) as s,
        pytest.raises(StoreError, match="read-only"),
    ):
        s.import_session(session_file(9))


# -- a lock held by another process ---------------------------------------------------------


def test_a_locked_store_is_named_locked_and_readers_go_on(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    footfall_store(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another sync, mid-import
    try:
        with Store(path, busy_timeout_s=0.05) as s:
            with pytest.raises(StoreAccessError, match="locked by another process"):
                s.import_session(session_file(3))
            assert len(s.sessions()) == 2 and not s._db.in_transaction
        with Store(path, read_only=True) as s:
            assert len(s.sessions()) == 2
    finally:
        other.execute("ROLLBACK")
        other.close()


# -- a full disk -------------------------------------------------------------------------------


def test_a_full_disk_during_an_import_is_named_and_leaves_the_store_as_it_was(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    footfall_store(path)
    before = dump(path)
    with Store(path) as s:
        pages = s._db.execute("PRAGMA page_count").fetchone()[0]
        s._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL
        with pytest.raises(StoreAccessError, match="the disk is full") as full:
            s.import_session(session_file(3, steps=3000))
        assert "rollback" not in str(full.value) and not s._db.in_transaction
        assert dump(path) == before
        s._db.execute(f"PRAGMA max_page_count = {pages * 100}")
        s.import_session(session_file(3, steps=3000))  # the same connection goes on
        assert len(s.sessions()) == 3


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.sampled_from([1, 100, 300, 1500, 3000]), min_size=1, max_size=6),
    room_pages=st.integers(0, 30),
)
@pytest.mark.e2e
def test_a_disk_that_fills_at_any_point_keeps_every_import_whole_or_absent(
    tmp_path_factory: pytest.TempPathFactory, steps: list[int], room_pages: int
) -> None:
    path = tmp_path_factory.mktemp("full") / "s.db"
    stored: list[bytes] = []
    with Store(path) as s:
        pages = s._db.execute("PRAGMA page_count").fetchone()[0]
        s._db.execute(f"PRAGMA max_page_count = {pages + room_pages}")
        for i, n in enumerate(steps, 1):
            raw = session_file(i, steps=n)
            try:
                s.import_session(raw)
            except StoreAccessError as e:
                assert "the disk is full" in str(e)
                continue
            stored.append(raw)
    with Store(path, read_only=True) as s:
        assert [s.raw(r.id) for r in s.sessions()] == stored


# -- real disks: read-only, full, no permission ------------------------------------------


@pytest.mark.e2e
def test_a_store_on_a_read_only_disk_is_read_and_a_writer_is_told_it_is_read_only(
    tmp_path: Path,
) -> None:
    got = in_private_mounts(
        """
import contextlib, io
from footfall.cli import main
from footfall.errors import StoreAccessError
from footfall.store import Store
from tests.host.session_files import session_file
mount_tmpfs("disk", 1024)
with Store("disk/s.db") as s:
    s.import_session(session_file(1)); s.import_session(session_file(2))
remount_read_only("disk")
with Store("disk/s.db", read_only=True) as s:
    ids = [r.session_id for r in s.sessions()]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = main(["sessions", "--store", "disk/s.db"])
try:
    Store("disk/s.db").import_session(session_file(3))
    error = None
except StoreAccessError as e:
    error = str(e)
print(json.dumps({"ids": ids, "status": status, "rows": len(out.getvalue().splitlines()),
                  "error": error}))
""",
        tmp_path,
    )
    assert got["ids"] == [1, 2] and got["status"] == 0 and got["rows"] == 3
    assert "read-only" in got["error"]


@pytest.mark.e2e
def test_a_full_disk_says_disk_full_and_keeps_every_session_stored_before(
    tmp_path: Path,
) -> None:
    got = in_private_mounts(
        """
from footfall.cli import main
from footfall.errors import StoreAccessError
from footfall.store import Store
from tests.host.session_files import session_file
mount_tmpfs("disk", 256)
error, stored = None, 0
with Store("disk/s.db") as s:
    for i in range(1, 200):
        try:
            s.import_session(session_file(i, steps=3000))
        except StoreAccessError as e:
            error = str(e)
            break
        stored += 1
with Store("disk/s.db", read_only=True) as s:
    ids = [r.session_id for r in s.sessions()]
print(json.dumps({"error": error, "stored": stored, "ids": ids,
                  "status": main(["sessions", "--store", "disk/s.db"])}))
""",
        tmp_path,
    )
    assert got["stored"] > 0 and "the disk is full" in got["error"]
    assert got["ids"] == list(range(1, got["stored"] + 1)) and got["status"] == 0


@pytest.mark.e2e
def test_a_new_store_on_a_full_disk_says_disk_full_and_leaves_no_file(tmp_path: Path) -> None:
    got = in_private_mounts(
        """
import os
from footfall.errors import StoreError
from footfall.store import Store
mount_tmpfs("disk", 64)
fd = os.open("disk/filler", os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(fd, b"x" * 4096)
except OSError:
    os.close(fd)
try:
    Store("disk/s.db")
    error = None
except StoreError as e:
    error = f"{type(e).__name__}: {e}"
print(json.dumps({"error": error, "files": sorted(os.listdir("disk"))}))
""",
        tmp_path,
    )
    assert got["error"].startswith("StoreAccessError") and "the disk is full" in got["error"]
    assert "not a footfall store" not in got["error"] and got["files"] == ["filler"]


@pytest.mark.e2e
def test_a_store_without_read_permission_is_named_permission_denied(tmp_path: Path) -> None:
    footfall_store(tmp_path / "s.db")
    (tmp_path / "s.db").chmod(0)
    got = as_unmapped_user(
        """
from footfall.errors import StoreError
from footfall.store import Store
try:
    Store("s.db", read_only=True)
except StoreError as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
""",
        tmp_path,
    )
    assert got["error"].startswith("StoreAccessError") and "Permission denied" in got["error"]


@pytest.mark.e2e
def test_a_store_in_a_folder_that_cannot_be_written_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    footfall_store(folder / "s.db")
    folder.chmod(0o555)
    try:
        got = as_unmapped_user(
            """
from footfall.store import Store
with Store("ro/s.db", read_only=True) as s:
    print(json.dumps({"ids": [r.session_id for r in s.sessions()]}))
""",
            tmp_path,
        )
    finally:
        folder.chmod(0o755)
    assert got["ids"] == [1, 2]
