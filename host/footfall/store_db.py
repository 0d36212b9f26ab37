"""Open the store's SQLite file: footfall's own or refused untouched, readers read-only, and
every SQLite failure named by its cause (disk full, read-only, locked, permission, ...).

    db, version = open_db(path, read_only)   # the store's connection and schema version
    kind = identify(path)          # "missing", "empty", "footfall" or StoreError (foreign)
    db = connect_reader(path)      # mode=ro; immutable on a disk where WAL readers cannot
    db = connect_writer(path)      # creates the file if missing
    raise access_error(path, e)    # a StoreError naming what went wrong

SCHEMA creates a store (the tables store.py describes); _MIGRATE_1 takes schema 1 to 2;
_migrate_2 takes 2 to 3: the crc column becomes the session CRC, computed again from each
stored file (crc16 of a whole file depends only on its record lengths: footfall_core/crc.py).

A footfall store carries APPLICATION_ID in the SQLite header (PRAGMA application_id, the
field SQLite reserves for a file format's mark) and SCHEMA_VERSION in user_version, and holds
exactly footfall's tables. Stores made before the mark have application_id 0, user_version 1
or 2 and footfall's tables; a writer marks them. Anything else (another program's tables,
another application id, a newer schema) is refused before anything is written: the header
is read as plain bytes and the tables through an immutable connection, which creates no
-wal or -shm file. Readers then open the file mode=ro; a WAL reader may add the empty -wal
and -shm files SQLite needs beside a footfall store, never a byte of the store itself.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Set as AbstractSet
from pathlib import Path
from urllib.parse import quote

from footfall_core import records as core
from footfall_core.crc import session_crc

from footfall.errors import StoreAccessError, StoreError
from footfall.records import STEP_COLUMNS

APPLICATION_ID = 0x46464442  # b"FFDB"
SCHEMA_VERSION = 3
CLOCK_FLOOR_S = core.CLOCK_FLOOR_HI << 16  # footfall_core.header: no session is older
TABLES = frozenset({"devices", "sessions", "arrays"})
SCHEMA = """
CREATE TABLE devices (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    device TEXT NOT NULL REFERENCES devices(id),
    session_id INTEGER NOT NULL,
    start_s INTEGER NOT NULL,
    start TEXT NOT NULL,
    duration_s REAL NOT NULL,
    steps INTEGER NOT NULL,
    running_s REAL,
    cues INTEGER NOT NULL,
    placement TEXT NOT NULL,
    rate_hz INTEGER NOT NULL,
    target_spm INTEGER NOT NULL,
    tolerance_spm INTEGER NOT NULL,
    auto_target INTEGER NOT NULL,
    peak_max_mg INTEGER NOT NULL,
    end_reason TEXT,
    fw TEXT NOT NULL,
    crc INTEGER NOT NULL,
    size INTEGER NOT NULL,
    raw BLOB NOT NULL,
    imported_at TEXT NOT NULL,
    clock TEXT NOT NULL DEFAULT 'set',
    header_start_s INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_start ON sessions(start_s, device);
CREATE INDEX sessions_by_header ON sessions(device, header_start_s, crc, size);
CREATE TABLE arrays (
    session TEXT PRIMARY KEY REFERENCES sessions(id),
    n INTEGER NOT NULL, {STEP_BLOBS}
);
""".replace("{STEP_BLOBS}", ", ".join(f"{name} BLOB NOT NULL" for name in STEP_COLUMNS))

# Schema 1 -> 2: the clock columns; a start before 2024 was an ESP32 clock restarted at 2000.
_MIGRATE_1 = (
    "ALTER TABLE sessions ADD COLUMN clock TEXT NOT NULL DEFAULT 'set'",
    "ALTER TABLE sessions ADD COLUMN header_start_s INTEGER NOT NULL DEFAULT 0",
    "UPDATE sessions SET header_start_s = start_s",
    f"UPDATE sessions SET clock = 'unset' WHERE start_s < {CLOCK_FLOOR_S}",
    "DROP INDEX sessions_by_copy",
    "CREATE INDEX sessions_by_header ON sessions(device, header_start_s, crc, size)",
)

BUSY_TIMEOUT_S = 5.0  # how long a writer waits for another one (a second sync) to finish
_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100  # the SQLite file header: user_version at 60, application_id at 68

# SQLite's primary result codes (extended codes are these plus 256 * n): what each means here
_ACCESS_CAUSES = {
    5: "the store is locked by another process (another footfall sync?); try again later",
    6: "the store is locked by another process (another footfall sync?); try again later",
    8: "the store is read-only: its file, folder or disk cannot be written",
    10: "I/O error reading or writing the store",
    13: "the disk is full",
    3: "permission denied",
    23: "permission denied",
}
_CONTENT_CAUSES = {11: "the database file is corrupt", 26: "not an SQLite database"}


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(str(path.absolute()))}?{query}"


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(_HEADER_BYTES)
    except FileNotFoundError:
        return b""
    except OSError as e:
        raise StoreAccessError(f"{path}: cannot read the store: {e.strerror or e}") from None


def _tables_untouched(path: Path) -> set[str]:
    """The tables of a database with no -wal file (so its main file is all of it), read
    through an immutable connection, which creates and writes no file."""
    try:
        db = sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True)
        try:
            return tables(db)
        finally:
            db.close()
    except sqlite3.Error as e:
        if _code(e) in _CONTENT_CAUSES:
            raise StoreError(f"{path}: not a footfall store ({e}); left untouched") from None
        raise access_error(path, e) from None


def tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def identify(path: Path) -> str:
    """What `path` holds: "missing", "empty" (a new store may be made in it) or "footfall";
    StoreError, with nothing touched, for anything else. While a -wal file is beside it (a
    writer has it open) its header may lag and its tables are not read: a connection's
    check_tables() decides then."""
    if not path.exists():
        return "missing"
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a footfall store")
    head = _header(path)
    if not head:
        return "empty"
    if len(head) < _HEADER_BYTES or not head.startswith(_MAGIC):
        raise StoreError(
            f"{path}: not an SQLite database (so not a footfall store); left untouched"
        )
    user_version = int.from_bytes(head[60:64], "big")
    app_id = int.from_bytes(head[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(
            f"{path}: another program's database (application id 0x{app_id:08x}), not a "
            "footfall store; left untouched"
        )
    if app_id == APPLICATION_ID and user_version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {user_version} is newer than this footfall's "
            f"({SCHEMA_VERSION}): update footfall; left untouched"
        )
    ours = 1 <= user_version <= SCHEMA_VERSION
    if path.with_name(path.name + "-wal").exists():
        found = TABLES if ours else set()
    else:
        found = _tables_untouched(path)
    if ours and found == TABLES:
        return "footfall"
    if app_id == 0 and user_version == 0 and not found:
        return "empty"
    held = f"it holds table {_names(found - TABLES)}" if found - TABLES else "no footfall tables"
    raise StoreError(
        f"{path}: not a footfall store ({held}; user_version {user_version}); left untouched"
    )


def check_tables(db: sqlite3.Connection, path: Path) -> None:
    """StoreError unless the database holds exactly footfall's tables."""
    found = tables(db)
    if found != TABLES:
        other = found - TABLES
        what = f"it holds table {_names(other)}" if other else "footfall's tables are missing"
        raise StoreError(f"{path}: not a footfall store ({what}); left untouched")


def _names(found: AbstractSet[str]) -> str:
    names = sorted(found)
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


def open_db(
    path: Path, read_only: bool, busy_timeout_s: float | None = None
) -> tuple[sqlite3.Connection, int]:
    """(connection, schema version) of the footfall store at `path`: a reader's (mode=ro,
    never writes) or a writer's (made, migrated and marked as needed); StoreError, with the
    file untouched, for anything that is not a footfall store."""
    kind = identify(path)
    if read_only and kind != "footfall":
        what = "no such store" if kind == "missing" else "an empty file, not a footfall store"
        raise StoreError(f"{path}: {what}")
    db = connect_reader(path) if read_only else connect_writer(path, busy_timeout_s)
    try:
        return db, _verify(db, path) if read_only else _prepare(db, path, kind)
    except BaseException as e:
        db.close()
        if kind == "missing" and path.exists() and path.stat().st_size == 0:
            path.unlink()  # made by this open, which failed: leave no empty file
        if isinstance(e, sqlite3.Error):
            raise access_error(path, e) from None
        raise


def _verify(db: sqlite3.Connection, path: Path) -> int:
    """The schema version of a footfall store; StoreError for anything else."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(f"{path}: another program's database (application id "
                         f"0x{app_id:08x}), not a footfall store; left untouched")  # fmt: skip
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {version} is newer than this footfall's "
            f"({SCHEMA_VERSION}): update footfall; left untouched"
        )
    if not 1 <= version <= SCHEMA_VERSION:
        raise StoreError(f"{path}: not a footfall store (user_version {version})")
    check_tables(db, path)
    return version


def _prepare(db: sqlite3.Connection, path: Path, kind: str) -> int:
    if kind in ("missing", "empty"):
        db.execute("BEGIN IMMEDIATE")
        try:
            # still empty: no other footfall made it meanwhile (and the file holds nothing)
            if db.execute("PRAGMA user_version").fetchone()[0] == 0 and not tables(db):
                for statement in SCHEMA.split(";"):  # executescript would commit early
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
    version = _verify(db, path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    if version == SCHEMA_VERSION and db.execute("PRAGMA application_id").fetchone()[0]:
        return version
    db.execute("BEGIN IMMEDIATE")
    try:
        now = db.execute("PRAGMA user_version").fetchone()[0]  # not migrated meanwhile
        if now == 1:
            for statement in _MIGRATE_1:
                db.execute(statement)
        if now in (1, 2):
            _migrate_2(db)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a store made unmarked
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
    return SCHEMA_VERSION


def _migrate_2(db: sqlite3.Connection) -> None:
    for sid, raw in db.execute("SELECT id, raw FROM sessions").fetchall():
        if isinstance(raw, bytes):
            db.execute("UPDATE sessions SET crc = ? WHERE id = ?", (session_crc(raw), sid))


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection. WAL readers need a -shm file beside the store; where none can
    be made (a read-only disk) the file is read as immutable, unless a -wal file there holds
    transactions not yet in it."""
    try:
        db = sqlite3.connect(_uri(path, mode="ro"), uri=True, timeout=BUSY_TIMEOUT_S)
        db.execute("PRAGMA user_version").fetchone()
        return db
    except sqlite3.Error as e:
        if _code(e) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
            raise access_error(path, e) from None  # not the -shm file a WAL reader needs
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreAccessError(
            f"{path}: the store's last transactions are in {wal.name} and the folder is "
            "read-only: open it once where it can be written"
        )
    try:
        db = sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True)
        db.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as e:
        raise access_error(path, e) from None
    return db


def connect_writer(path: Path, busy_timeout_s: float | None = None) -> sqlite3.Connection:
    """A read-write connection (the file is created if missing) that waits busy_timeout_s
    (None: BUSY_TIMEOUT_S) for another writer's lock."""
    timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreAccessError(f"{path.parent}: cannot make the store folder: {_os(e)}") from None
    try:
        return sqlite3.connect(
            _uri(path, mode="rwc"), uri=True, isolation_level=None, timeout=timeout_s
        )
    except sqlite3.Error as e:
        raise access_error(path, e) from None


def _code(e: sqlite3.Error) -> int:
    return getattr(e, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one


def _os(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "the disk is full"
    if e.errno == errno.EROFS:
        return "the disk is read-only"
    return e.strerror or str(e)


def access_error(path: Path, e: sqlite3.Error) -> StoreError:
    """The StoreError for a failed SQLite call: StoreAccessError when the store could not be
    used (locked, full, read-only, permission), a plain StoreError when its content is bad."""
    code = _code(e)
    if code in _CONTENT_CAUSES:
        return StoreError(f"{path}: {_CONTENT_CAUSES[code]} ({e})")
    if code == sqlite3.SQLITE_CANTOPEN:
        return StoreAccessError(f"{path}: cannot open the store: {_why_not_open(path)}")
    cause = _ACCESS_CAUSES.get(code)
    if cause is not None:
        return StoreAccessError(f"{path}: {cause} ({e})")
    return StoreError(f"{path}: {e}")


def _why_not_open(path: Path) -> str:
    # SQLite says only "unable to open database file"; the OS says why, read without writing.
    try:
        path.open("rb").close()
    except FileNotFoundError:
        pass
    except OSError as e:
        return f"{path}: {_os(e)}"
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only disk"
    except OSError as e:
        return f"{folder}: {_os(e)}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder}: permission denied"
    return "SQLite cannot open it or its -wal / -shm file"
