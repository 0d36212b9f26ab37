"""Where the analysis commands get sessions: the store (`--store PATH`) or a session file.

`open_store(path)` opens the store a command names with `--store` (footfall.cli.args).
`load(store, id)` builds the analysis input from the store's step arrays; `resolve` reads
the id: a stored id, `latest` (the session that started last) or any unique prefix.
`load_file(path)` does the same from a session file, so a session can be analysed before
(or without) a sync. `read_session_file(path)` is how every
command reads a session file: regular files only (a FIFO would block, /dev/zero never
ends), at most MAX_SESSION_FILE_BYTES.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from footfall.analysis import SessionData
from footfall.errors import AnalysisError, InputError, NoSuchSession, RecordError, StoreError
from footfall.records import Session
from footfall.store import SessionRow, StepArrays, Store, default_path, session_key

LATEST = "latest"  # the id that names the session that started last
MAX_CANDIDATES = 10  # ids an ambiguous prefix's error lists
# far more than a board's file system holds (6 MiB at most): a file this big is not a session
MAX_SESSION_FILE_BYTES = 64 << 20


def read_session_file(path: str | Path) -> bytes:
    """The bytes of a session file; InputError for a path that is not a regular file (never
    read: a FIFO, a device, a directory) or is larger than any session."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO's open must not wait
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(name, None, "not a regular file")
            parts, size = [], 0
            while chunk := os.read(fd, 1 << 20):
                parts.append(chunk)
                size += len(chunk)
                if size > MAX_SESSION_FILE_BYTES:
                    raise InputError(name, None, "larger than any session file")
        finally:
            os.close(fd)
    except OSError as e:
        raise InputError(name, None, f"cannot read: {e.strerror or e}") from None
    return b"".join(parts)


def existing_store(store: str | None) -> Store:
    """The store at `store` (--store; None: the default); StoreError when there is none yet."""
    path = Path(store) if store else default_path()
    if not path.exists():  # reading never creates a store
        flag = f" --store {path}" if store else ""
        raise StoreError(f"{path}: no such store (run `footfall sync{flag}` first)")
    return Store(path, read_only=True)


def open_store(store: str | None) -> Store:
    """existing_store(store); AnalysisError when it holds no sessions."""
    opened = existing_store(store)
    if not opened.sessions():
        opened.close()
        raise AnalysisError(f"the store {opened.path} holds no sessions: run `footfall sync`")
    return opened


def resolve(store: Store, sid: str) -> SessionRow:
    """The session `sid` names: a stored id, LATEST, or a unique prefix of an id.
    NoSuchSession otherwise; an ambiguous prefix lists the ids it matches."""
    if store.has(sid):
        return store.session(sid)
    rows = store.sessions()
    if sid == LATEST:
        if not rows:
            raise NoSuchSession(f"the store {store.path} is empty: no latest session")
        return latest(rows)
    matches = [r for r in rows if r.id.startswith(sid)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(r.id for r in matches[:MAX_CANDIDATES])
        more = (
            f" and {len(matches) - MAX_CANDIDATES} more" if len(matches) > MAX_CANDIDATES else ""
        )
        raise NoSuchSession(
            f"{sid!r} matches {len(matches)} sessions in {store.path}: {shown}{more}; say more"
        )
    raise NoSuchSession(f"no session {sid!r} in {store.path} (`footfall sessions` lists them)")


def latest(rows: list[SessionRow]) -> SessionRow:
    """The session that started last; when no session's clock was set, the one imported last
    (an unset clock's start says nothing about which came later)."""
    dated = [r for r in rows if r.clock != "unset"]
    if dated:
        return max(dated, key=lambda r: (r.start_s, r.imported_at))
    return max(rows, key=lambda r: (r.imported_at, r.start_s))


def from_arrays(row: SessionRow, arrays: StepArrays) -> SessionData:
    t_ms = arrays.t_ms.astype(np.int64)
    return SessionData(
        session_id=row.id,
        device=row.device,
        start_s=row.start_s,
        duration_ms=round(row.duration_s * 1000),
        target_spm=row.target_spm,
        tolerance_spm=row.tolerance_spm,
        t_ms=t_ms,
        interval_ms=np.diff(t_ms, prepend=0),
        peak_mg=arrays.peak_mg.astype(np.int64),
        cadence_spm=arrays.cadence_spm.astype(np.int64),
        flags=arrays.flags.astype(np.int64),
        clock_set=row.clock != "unset",
        device_session_id=row.session_id,
    )


def _data(store: Store, row: SessionRow, arrays: StepArrays) -> SessionData:
    if row.auto_target:  # the settled target is an event in the file, not a column
        data = SessionData.from_session(Session.from_bytes(store.raw(row.id)), row.id)
        # the store's start: re-based by sync when the device's clock was unset
        return replace(data, start_s=row.start_s, clock_set=row.clock != "unset")
    return from_arrays(row, arrays)


def load(store: Store, sid: str) -> SessionData:
    row = resolve(store, sid)
    return _data(store, row, store.arrays(row.id))


def load_all(store: Store) -> Iterator[SessionData]:
    """Every stored session, oldest first, read in one query."""
    rows = {r.id: r for r in store.sessions()}
    for sid, arrays in store.iter_arrays():
        yield _data(store, rows[sid], arrays)


def load_file(path: str | Path) -> SessionData:
    try:
        session = Session.from_bytes(read_session_file(path))
    except RecordError as e:
        raise RecordError(f"{path}: {e}") from None
    h = session.header
    return SessionData.from_session(session, session_key(h.device_id.hex(), h.session_id,
                                                         h.start_s))  # fmt: skip
