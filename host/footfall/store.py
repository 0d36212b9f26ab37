"""The analyst's session store: SQLite, one row per session with its exact file and packed arrays.

    store = Store()                      # user_data_dir("footfall")/footfall.db; Store(path)
    store = Store(path, read_only=True)  # readers: never write, never create
    result = store.import_session(raw)   # ImportResult(id, new); atomic, idempotent
    for row in store.sessions(): ...     # SessionRow, oldest first
    t_ms, peak_mg, cadence_spm, flags = store.arrays(row.id)   # records.STEP_COLUMNS

Tables (PRAGMA application_id = APPLICATION_ID, user_version = SCHEMA_VERSION; store_db
refuses any other database untouched):
    devices   id (device id hex), name (footfall-XXXX or a label), first_seen, last_seen
    sessions  id "<device hex>-<session id>-<header start_s>", the header's identity of a
              session, so importing the same session twice keeps one copy; summary columns;
              crc (the session CRC, footfall_core.crc.session_crc, as LIST gives it) and size
              of the file; raw = the exact session file (re-decodable any time);
              clock: "set" (the header's start is right), "rebased" (the device's clock was
              unset and sync re-based the start from its uptime) or "unset" (it could not be:
              start_s is the device's wrong clock, and trends leaves the session out);
              header_start_s: the header's start, which LIST reports
    arrays    per session: n and one BLOB per step column, little-endian, no header:
              t_ms <u4 (session time, < 2**30), peak_mg <u2, cadence_spm u1, flags u1.
A BLOB per column, not a row per step: 1,000 one-hour sessions (about 10 million steps)
are 1,000 rows read into np.frombuffer views, 8 bytes a step, instead of 10 million rows
built into Python objects. Session files are decoded only by footfall.records.

An import is one IMMEDIATE transaction in WAL mode with synchronous=FULL: interrupted at
any point (exception, killed process, a full disk) the store is as it was, and once
import_session returns the session survives a power cut, so deleting it from the device is
safe. A store another process holds locked for over store_db.BUSY_TIMEOUT_S, a full disk
or a disk I/O error is a StoreAccessError (footfall.errors), never "not a footfall store".
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from footfall_core import ble_defs
from footfall_core import records as core
from footfall_core.crc import crc16, session_crc
from platformdirs import user_data_dir

from footfall.errors import NoSuchSession, RecordError, StoreError
from footfall.records import STEP_COLUMNS, Event, Session, Summary
from footfall.store_db import CLOCK_FLOOR_S, access_error, open_db

DB_NAME = "footfall.db"
PARTIAL_DIR = "partial"
# name -> dtype of each array column (records.STEP_COLUMNS), in the order arrays() returns them
ARRAY_DTYPES = dict(zip(STEP_COLUMNS, ("<u4", "<u2", "u1", "u1"), strict=True))

_ROW_COLUMNS = (
    "id, device, (SELECT name FROM devices WHERE devices.id = device), session_id, start_s, "
    "start, duration_s, steps, running_s, cues, placement, rate_hz, target_spm, tolerance_spm, "
    "auto_target, peak_max_mg, end_reason, fw, crc, size, imported_at, clock, header_start_s"
)
_ROW_COLUMNS_V1 = _ROW_COLUMNS.replace(
    "clock, header_start_s",
    f"CASE WHEN start_s < {CLOCK_FLOOR_S} THEN 'unset' ELSE 'set' END, start_s",
)


def default_path() -> Path:
    """Where the store lives unless --store says otherwise."""
    return Path(user_data_dir("footfall", appauthor=False)) / DB_NAME


@dataclass(frozen=True)
class ImportResult:
    id: str
    new: bool  # False: this exact session was already stored (nothing changed)
    note: str = ""  # what the import dropped (damage), "" when the file was whole


@dataclass(frozen=True)
class SessionRow:
    """One stored session's summary (the file itself: Store.raw(id))."""

    id: str
    device: str  # device id, 12 hex digits
    device_name: str
    session_id: int
    start_s: int  # Unix seconds
    start: str  # ISO 8601, UTC
    duration_s: float
    steps: int
    running_s: float | None  # from the session's last summary record; None without one
    cues: int
    placement: str
    rate_hz: int
    target_spm: int
    tolerance_spm: int
    auto_target: bool
    peak_max_mg: int
    end_reason: str | None  # None: the session has no END record (cut short)
    fw: str
    crc: int
    size: int
    imported_at: str
    clock: str  # "set", "rebased" or "unset" (start_s is then the device's wrong clock)
    header_start_s: int  # the start the session's header gives (its identity)

    @property
    def dated(self) -> bool:
        """False: the device's clock was never set, so start_s is no date."""
        return self.clock != "unset"

    def to_json(self) -> dict[str, object]:
        """The fields; `start` and `start_s` null when the session has no date."""
        d = asdict(self)
        if not self.dated:
            d["start"] = d["start_s"] = None
        return d


@dataclass(frozen=True)
class StepArrays:
    """A session's steps as read-only numpy views: time, impact, cadence and flags."""

    t_ms: np.ndarray
    peak_mg: np.ndarray
    cadence_spm: np.ndarray
    flags: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter([getattr(self, name) for name in STEP_COLUMNS])


def session_key(device_hex: str, session_id: int, start_s: int) -> str:
    return f"{device_hex}-{session_id}-{start_s}"


def decode(raw: bytes) -> Session:
    """Decode a session file for import. StoreError when its header is damaged or a record
    breaks a rule of footfall_core.reader (the one-line reason names the first); damage
    elsewhere is dropped (Session.skips, described by dropped())."""
    try:
        session = Session.from_bytes(raw)
    except RecordError as e:
        raise StoreError(f"not a valid session file: {e}") from None
    broken = session.broken
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        raise StoreError(f"refused: {broken[0].describe()}{more}")
    return session


def dropped(session: Session) -> str:
    """What decoding dropped, in one phrase ("" when nothing)."""
    skips = session.skips
    if not skips:
        return ""
    return (
        f"dropped {session.discarded_bytes} damaged bytes in {len(skips)} place(s) from byte "
        f"{skips[0].offset}; kept {len(session.records)} records, {session.steps} steps"
    )


@dataclass(frozen=True)
class DeviceClock:
    """What a live sync learnt from the device's HELLO: its boot, uptime then, and the
    host's Unix time at that moment."""

    boot_id: int
    uptime_ms: int
    at_s: float


def true_start(s: Session, clock: DeviceClock | None) -> tuple[int, str]:
    """(start_s, clock state) of a session: its header's start when the device's clock was
    set; re-based from the uptime it began at when a live sync of the same boot saw the
    device's uptime; else the header's (wrong) start, flagged "unset"."""
    h = s.header
    if h.clock_set:
        return h.start_s, "set"
    if clock is None or h.boot_id == 0 or clock.boot_id != h.boot_id:
        return h.start_s, "unset"
    ago_ms = (clock.uptime_ms - h.start_up_ms) & core.MAX_TIME_MS  # ticks_ms wraps at 2**30
    if ago_ms < s.duration_ms:
        return h.start_s, "unset"  # began less long ago than it lasted: not this boot's
    return round(clock.at_s - ago_ms / 1000), "rebased"


def _summary_values(
    s: Session, raw: bytes, device: str, now: str, clock: DeviceClock | None = None
) -> tuple[object, ...]:
    h = s.header
    summaries = s.of_type(Summary)
    end = s.end
    start_s, state = true_start(s, clock)
    return (
        session_key(device, h.session_id, h.start_s),
        device,
        h.session_id,
        start_s,
        datetime.fromtimestamp(start_s, UTC).isoformat(),
        s.duration_ms / 1000,
        s.steps,
        summaries[-1].running_ms / 1000 if summaries else None,
        sum(1 for e in s.of_type(Event) if e.kind_name == "cue"),
        h.placement,
        h.rate_hz,
        h.target_spm,
        h.tolerance_spm,
        int(h.auto_target),
        int(s.peak_mg.max()) if s.steps else 0,
        end.reason_name if end is not None else None,
        ".".join(map(str, h.fw)),
        session_crc(raw, 0, len(raw)),
        len(raw),
        raw,
        now,
        state,
        h.start_s,
    )


def _pack_arrays(s: Session) -> list[bytes]:
    return [getattr(s, name).astype(dtype).tobytes() for name, dtype in ARRAY_DTYPES.items()]


class Store:
    """The SQLite store at `path`. A writer (the default) creates it, with its folder, on
    first use; `read_only=True` opens an existing store for reading and never writes it.
    Either refuses a file that is not a footfall store without touching it (store_db)."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        busy_timeout_s: float | None = None,  # None: store_db.BUSY_TIMEOUT_S
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        self._db, version = open_db(self.path, read_only, busy_timeout_s)
        # schema 1 (read only, not migrated) has no clock columns: derive them as migrating would
        self._row_columns = _ROW_COLUMNS if version >= 2 else _ROW_COLUMNS_V1
        self._header_start = "header_start_s" if version >= 2 else "start_s"
        # the crc column: the session CRC from schema 3; a reader of an older store (not
        # migrated: readers never write) checks its files by the crc16 it was made with
        self._file_crc = session_crc if version >= 3 else crc16

    @property
    def partial_dir(self) -> Path:
        """Where sync keeps partly downloaded sessions (beside the database)."""
        return self.path.parent / PARTIAL_DIR

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _begin(self) -> sqlite3.Connection:
        """BEGIN IMMEDIATE: the write lock, waited for up to busy_timeout_s."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise access_error(self.path, e) from None
        return self._db

    def _step(self, name: str) -> None:
        """A named point inside the import transaction (tests interrupt the import here)."""

    def import_session(
        self, raw: bytes, device: str | None = None, clock: DeviceClock | None = None
    ) -> ImportResult:
        """_import(), with SQLite's errors as a StoreAccessError (locked, disk full, read-only)
        or a StoreError."""
        try:
            return self._import(raw, device, clock)
        except sqlite3.Error as e:
            raise access_error(self.path, e) from None

    def _import(
        self, raw: bytes, device: str | None = None, clock: DeviceClock | None = None
    ) -> ImportResult:
        """Store one session file in one transaction; `device` names the device (its
        footfall-XXXX name by default); `clock` (from a live sync) re-bases a session the
        device recorded with its clock unset. The same session again is not stored twice
        (but an unset start it can now re-base is corrected); a longer copy of a stored
        session (it grew since) replaces it; any other copy with the same identity but
        different bytes is refused with StoreError, and so is a longer copy of a stored
        session that had ended (its END record). Damage in the file is dropped and said in
        the result's note; a damaged header or a record breaking a rule refuses the file."""
        raw = bytes(raw)
        session = decode(raw)
        note = dropped(session)
        device_hex = session.header.device_id.hex()
        name = device or ble_defs.device_name(session.header.device_id)
        now_s = time.time()
        values = _summary_values(
            session, raw, device_hex, datetime.fromtimestamp(now_s, UTC).isoformat(), clock
        )
        sid = str(values[0])
        crc, start_s, start, state = values[-6], values[3], values[4], values[-2]
        db = self._begin()
        try:
            self._step("begin")
            old = db.execute(
                "SELECT crc, size, raw, clock, end_reason FROM sessions WHERE id = ?", (sid,)
            ).fetchone()
            if old is not None and old[0] == crc and old[1] == len(raw) and old[2] == raw:
                if old[3] == "unset" and state == "rebased":
                    db.execute(
                        "UPDATE sessions SET start_s = ?, start = ?, clock = ? WHERE id = ?",
                        (start_s, start, state, sid),
                    )
                    db.execute("COMMIT")
                    return ImportResult(sid, True, note)
                db.execute("ROLLBACK")
                return ImportResult(sid, False, note)
            if old is not None and old[4] is not None and raw.startswith(old[2]):
                raise StoreError(
                    f"session {sid} is already stored whole (it ends with its END record); "
                    f"a longer copy ({len(raw)} bytes) is refused and the stored one kept"
                )
            if old is not None and not (len(raw) > old[1] and raw.startswith(old[2])):
                raise StoreError(
                    f"session {sid} is already stored with different content "
                    f"(CRC 0x{old[0]:04x}, {old[1]} bytes); the stored copy is kept"
                )
            db.execute(
                "INSERT INTO devices VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE "
                "SET name = excluded.name, last_seen = excluded.last_seen",
                (device_hex, name, now_s, now_s),
            )
            self._step("device")
            if old is not None:
                db.execute("DELETE FROM arrays WHERE session = ?", (sid,))
                db.execute("DELETE FROM sessions WHERE id = ?", (sid,))
            marks = ", ".join("?" * len(values))
            db.execute(f"INSERT INTO sessions VALUES ({marks})", values)
            self._step("session")
            blobs = _pack_arrays(session)
            db.execute(
                "INSERT INTO arrays VALUES (?, ?, ?, ?, ?, ?)", (sid, session.steps, *blobs)
            )
            self._step("arrays")
            db.execute("COMMIT")
        except BaseException as e:
            # SQLite may have rolled back already (a full disk does); a rollback that fails
            # changes nothing either: the journal undoes the transaction at the next open
            with contextlib.suppress(sqlite3.Error):
                if db.in_transaction:
                    db.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise access_error(self.path, e) from None
            raise
        return ImportResult(sid, True, note)

    def _row(self, r: tuple) -> SessionRow:
        try:
            row = SessionRow(*r)
        except TypeError as e:
            raise StoreError(f"{self.path}: corrupt session row {r[0]!r}: {e}") from None
        if not isinstance(row.steps, int) or not isinstance(row.start_s, int):
            raise StoreError(f"{self.path}: corrupt session row {row.id!r}")
        return SessionRow(**{**asdict(row), "auto_target": bool(row.auto_target)})

    def sessions(self) -> list[SessionRow]:
        """Every stored session, oldest first."""
        q = f"SELECT {self._row_columns} FROM sessions ORDER BY start_s, device, session_id"
        return [self._row(r) for r in self._query(q)]

    def session(self, sid: str) -> SessionRow:
        rows = self._query(f"SELECT {self._row_columns} FROM sessions WHERE id = ?", (sid,))
        if not rows:
            raise NoSuchSession(f"no session {sid!r} in {self.path}")
        return self._row(rows[0])

    def raw(self, sid: str) -> bytes:
        """The exact session file as it came off the device."""
        rows = self._query("SELECT raw, crc, size FROM sessions WHERE id = ?", (sid,))
        if not rows:
            raise NoSuchSession(f"no session {sid!r} in {self.path}")
        raw, crc, size = rows[0]
        if not isinstance(raw, bytes) or len(raw) != size or self._file_crc(raw) != crc:
            raise StoreError(f"{self.path}: session {sid}: stored file fails its CRC (corrupt)")
        return raw

    def has(self, sid: str) -> bool:
        return bool(self._query("SELECT 1 FROM sessions WHERE id = ?", (sid,)))

    def find_copy(
        self,
        device_hex: str,
        session_id: int,
        start_s: int,
        crc: int,
        size: int,
        legacy: bool = False,
    ) -> str | None:
        """The id of a stored session that is an exact copy of the one a device lists: the
        header's identity (device, session id, start) and the file's session CRC and size.
        legacy: crc is what a protocol 2 device lists, crc16 of the file (which depends only
        on its record lengths), checked against each stored file of that identity and size."""
        if legacy:
            rows = self._query(
                "SELECT id, raw FROM sessions WHERE device = ? AND session_id = ? "
                f"AND {self._header_start} = ? AND size = ?",
                (device_hex, session_id, start_s, size),
            )
            same = (sid for sid, raw in rows if isinstance(raw, bytes) and crc16(raw) == crc)
            return next(same, None)
        rows = self._query(
            "SELECT id FROM sessions WHERE device = ? AND session_id = ? "
            f"AND {self._header_start} = ? AND crc = ? AND size = ?",
            (device_hex, session_id, start_s, crc, size),
        )
        return rows[0][0] if rows else None

    def arrays(self, sid: str) -> StepArrays:
        """The STEP_COLUMNS arrays of one session; StoreError if corrupt."""
        rows = self._query("SELECT * FROM arrays WHERE session = ?", (sid,))
        if not rows:
            raise NoSuchSession(f"no session {sid!r} in {self.path}")
        return self._arrays(rows[0])

    def iter_arrays(self) -> Iterator[tuple[str, StepArrays]]:
        """(id, arrays) of every session in one query, oldest first: the fast path for
        analyses over the whole store."""
        q = "SELECT a.* FROM arrays a JOIN sessions s ON s.id = a.session ORDER BY s.start_s"
        try:
            cursor = self._db.execute(q)
            while True:
                r = cursor.fetchone()
                if r is None:
                    return
                yield r[0], self._arrays(r)
        except sqlite3.Error as e:
            raise access_error(self.path, e) from None

    def _arrays(self, r: tuple) -> StepArrays:
        sid, n, *blobs = r
        out = []
        for (name, dtype), blob in zip(ARRAY_DTYPES.items(), blobs, strict=True):
            if not isinstance(blob, bytes) or len(blob) != n * np.dtype(dtype).itemsize:
                raise StoreError(f"{self.path}: session {sid}: corrupt {name} array")
            out.append(np.frombuffer(blob, dtype=dtype))
        return StepArrays(*out)

    def _query(self, q: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(q, params).fetchall()
        except sqlite3.Error as e:
            raise access_error(self.path, e) from None
