"""Sync sessions off a device (or a folder of session files) into the store, resumably.

    syncer = Syncer(store, delete_after=True, progress=bars)
    result = await sync_url("ble:footfall-2B3C", store, syncer=syncer)

Per session the device LISTs: skip it if the store holds an exact copy; else GET it from
where an earlier attempt stopped (the bytes kept so far live in store.partial_dir, one file
per session keyed by device, session, start and CRC), check its size and CRC against LIST,
import it in one transaction, and only then, on request, DELETE it with that CRC (the
session CRC; a protocol 2 device's LIST and DELETE carry crc16 of the file). Every
sync also sets the device's clock (SET_TIME), which stamps the start of its sessions. A
session recorded while the device's clock was unset (clock_set false) is re-based from the
device's boot id and uptime in the HELLO reply and this computer's clock at that moment
(store.true_start); one from another boot, or from a protocol 1 device, is stored flagged
"unset". A link that drops is reopened (up to `retries` times) and the transfer resumes
from the kept bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from footfall_core import ble_defs
from footfall_core import protocol as P
from footfall_core.crc import crc16, session_crc

from footfall.errors import (
    DeviceError,
    FootfallError,
    FrameError,
    InputError,
    RecordError,
    ResourceError,
    StoreAccessError,
    StoreError,
    TransportError,
)
from footfall.records import Header
from footfall.source import read_session_file
from footfall.store import PARTIAL_DIR, DeviceClock, Store, default_path
from footfall.transport import FileSource, open_transport, parse_url
from footfall.transport.link import FrameLink, decode, fetch, read_at

log = logging.getLogger(__name__)
HEAD_BYTES = 128  # read before the rest of a session: its header (44 bytes) names it


class Bar(Protocol):
    def update(self, n: int) -> object: ...
    def close(self) -> object: ...


# progress(label, total_bytes, initial_bytes) -> a bar (tqdm fits)
Progress = Callable[[str, int, int], Bar]


@dataclass
class Outcome:
    """What happened to one session the device listed."""

    device_sid: int | str  # the device's session number (file name for file:)
    size: int
    status: str = "pending"  # imported, already stored, failed
    store_id: str | None = None
    fetched: int = 0  # bytes received over the link in this run
    resumed_from: int = 0  # bytes kept from an earlier, interrupted transfer
    deleted: bool = False
    marked_synced: bool = False  # the device was told (SYNCED) that the store holds it
    error: str | None = None
    note: str | None = None  # what the import dropped from a damaged file; a header naming
    # another device
    number: int | None = None  # a file's session number, from its header once read

    def line(self) -> str:
        head = f"session {self.device_sid}: "
        if self.status == "failed":
            return head + f"FAILED: {self.error}; left on the device"
        if self.status == "pending":
            kept = self.resumed_from + self.fetched
            if not kept:
                return head + "not fetched: the sync stopped first; left on the device"
            return head + (
                f"not finished: {kept} of {self.size} bytes kept, the next sync resumes it; "
                "left on the device"
            )
        text = head + f"{self.status} as {self.store_id} ({self.size} bytes"
        if self.resumed_from:
            text += f", resumed at byte {self.resumed_from}"
        text += ")"
        if self.deleted:
            text += ", deleted from the device"
        return text + "".join(f"; {n}" for n in (self.note, self.error) if n)

    def to_json(self) -> dict[str, object]:
        """`session_id`: the device's session number (a file's, from its header: null when
        that does not read); `file`: the file's name for a file: source; `id`: the store's
        id (null until stored)."""
        numbered = isinstance(self.device_sid, int)
        return {
            "session_id": self.device_sid if numbered else self.number,
            "file": None if numbered else self.device_sid,
            "id": self.store_id,
            "status": self.status,
            "size": self.size,
            "fetched": self.fetched,
            "resumed_from": self.resumed_from,
            "deleted": self.deleted,
            "note": self.note,
            "error": self.error,
        }


@dataclass
class SyncResult:
    device: str
    outcomes: dict[int | str, Outcome] = field(default_factory=dict)
    reconnects: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes.values() if o.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    def to_json(self) -> dict[str, object]:
        """The totals of total_line() and each session's outcome."""
        outcomes = self.outcomes.values()
        return {
            "device": self.device,
            "imported": self.count("imported"),
            "already_stored": self.count("already stored"),
            "failed": self.failed,
            "not_finished": self.count("pending"),
            "fetched": sum(o.fetched for o in outcomes),
            "deleted": sum(o.deleted for o in outcomes),
            "reconnects": self.reconnects,
            "sessions": [o.to_json() for o in outcomes],
        }

    def total_line(self) -> str:
        fetched = sum(o.fetched for o in self.outcomes.values())
        deleted = sum(o.deleted for o in self.outcomes.values())
        pending = self.count("pending")
        return (
            f"{self.device}: {len(self.outcomes)} sessions: {self.count('imported')} imported, "
            f"{self.count('already stored')} already stored, {self.failed} failed"
            + (f", {pending} not finished" if pending else "")
            + f"; {fetched} bytes fetched, {deleted} deleted from the device"
        )


def _no_bar(_label: str, _total: int, _initial: int) -> Bar:
    class _Null:
        def update(self, n: int) -> None:
            return None

        def close(self) -> None:
            return None

    return _Null()


async def list_sessions(link: FrameLink) -> list[tuple[int, int, int, int, int, int]]:
    """Every LIST entry, page by page: (id, start_s, duration_s, steps, size, crc)."""
    entries: list[tuple[int, int, int, int, int, int]] = []
    while True:
        first = bytearray(2)
        P.put_u16_le(first, 0, len(entries))
        total, _first, page = decode(P.unpack_list, await link.request(P.LIST, bytes(first)))
        entries += page
        if not page or len(entries) >= total:
            return entries


class Syncer:
    """One sync run against the store; state (outcomes) survives reconnects."""

    def __init__(
        self,
        store: Store,
        *,
        delete_after: bool = False,
        progress: Progress = _no_bar,
        window: int = 8,
        timeout_s: float = 5.0,
    ) -> None:
        self.store = store
        self.delete_after = delete_after
        self.progress = progress
        self.window = window
        self.timeout_s = timeout_s
        self.clock: DeviceClock | None = None  # the device's, from the last HELLO
        self.legacy_crc = False  # a protocol 2 device: LIST's CRC is crc16 of the file
        self.marks_synced = False  # a protocol 4 device: SYNCED marks a stored session

    def partial_path(self, device_hex: str, entry: tuple[int, ...]) -> Path:
        sid, start_s, _dur, _steps, _size, crc = entry
        return self.store.partial_dir / f"{device_hex}-{sid}-{start_s}-{crc:04x}.part"

    async def run_link(self, link: FrameLink, result: SyncResult) -> SyncResult:
        """Sync every listed session not done yet in `result`."""
        reply = await link.request(P.HELLO, timeout_s=self.timeout_s)
        at_s = time.time()
        hello = decode(P.unpack_hello, reply)
        self.legacy_crc = hello[0] < 3
        self.marks_synced = hello[0] >= 4
        clock = decode(P.unpack_hello_clock, reply)
        self.clock = None if clock is None else DeviceClock(clock[0], clock[1], at_s)
        device_hex = hello[1].hex()
        result.device = ble_defs.device_name(hello[1])
        # The board's clock stamps each session's start and is lost with the battery:
        # every sync sets it from the laptop's.
        with contextlib.suppress(DeviceError):
            await link.request(P.SET_TIME, P.request_u32s(int(time.time())), self.timeout_s)
        entries = await list_sessions(link)
        self._drop_stale_parts(device_hex, entries)
        for entry in entries:
            done = result.outcomes.get(entry[0])
            if done is not None and done.status != "pending":
                continue
            out = result.outcomes.setdefault(entry[0], Outcome(entry[0], entry[4]))
            await self._one(link, device_hex, result.device, entry, out)
        return result

    def _drop_stale_parts(self, device_hex: str, entries: Sequence[tuple[int, ...]]) -> None:
        """Remove this device's partial files for sessions it no longer lists (deleted, or
        changed); those of listed sessions the store holds go in _one."""
        listed = {self.partial_path(device_hex, e).name for e in entries}
        folder = self.store.partial_dir
        try:
            for part in folder.glob(f"{device_hex}-*.part") if folder.is_dir() else ():
                if part.name not in listed:
                    part.unlink(missing_ok=True)
        except OSError as e:
            raise StoreAccessError(f"{folder}: cannot tidy partial files: {e}") from None

    async def _one(
        self, link: FrameLink, device_hex: str, name: str, entry: tuple[int, ...], out: Outcome
    ) -> None:
        sid, start_s, _dur, _steps, size, crc = entry
        part = self.partial_path(device_hex, entry)
        # The store names a session by its header (device, session, start); LIST gives this
        # device, its number and the header's start. A header naming another device (a file
        # copied onto this one) is read first, so a copy stored earlier is found unfetched.
        ident = (device_hex, sid, start_s)
        try:
            out.store_id = self.store.find_copy(*ident, crc, size, self.legacy_crc)
            if out.store_id is None:
                ident = _identity(await self._head(link, part, entry, out), ident)
                out.store_id = self.store.find_copy(*ident, crc, size, self.legacy_crc)
            if out.store_id is not None:
                out.status = "already stored"
            else:
                raw = await self._fetch(link, part, entry, out)
                if raw is None:
                    return
                ident = _identity(raw, ident)
                own = ident[0] == device_hex
                imported = self.store.import_session(raw, name if own else None, self.clock)
                out.store_id = imported.id
                out.status = "imported" if imported.new else "already stored"
                out.note = imported.note or None
        except DeviceError as e:
            out.status, out.error = "failed", f"GET refused: {e}"
            return
        except ResourceError as e:  # the store cannot take more: stop the sync here
            out.status, out.error = "failed", str(e)
            raise
        except StoreError as e:
            out.status, out.error = "failed", str(e)
            return
        if ident[0] != device_hex:
            other = f"its header names device {ident[0]}, not this one ({device_hex})"
            out.note = f"{out.note}; {other}" if out.note else other
        _unlink(part)
        if not (self.delete_after or self.marks_synced):
            return
        if not self.store.find_copy(*ident, crc, size, self.legacy_crc):
            return
        if self.delete_after:
            try:
                await link.request(P.DELETE, P.request_delete(sid, crc), self.timeout_s)
            except DeviceError as e:
                out.error = f"kept on the device: DELETE refused ({e})"
                return
            out.deleted = True
        elif self.marks_synced:
            # The device may now delete it to make room when its flash fills.
            try:
                await link.request(P.SYNCED, P.request_delete(sid, crc), self.timeout_s)
            except DeviceError as e:
                out.error = f"not marked synced on the device: SYNCED refused ({e})"
                return
            out.marked_synced = True

    def _kept(self, part: Path, size: int) -> int:
        """Bytes of the session kept in its partial file (one longer than the session is
        not a prefix of it and is dropped)."""
        with _partial_io(part):
            if part.exists() and part.stat().st_size > size:
                part.unlink()
            return part.stat().st_size if part.exists() else 0

    async def _head(
        self, link: FrameLink, part: Path, entry: tuple[int, ...], out: Outcome
    ) -> bytes:
        """The session's first HEAD_BYTES: from its partial file, else one small GET, whose
        bytes are kept there for the fetch. A session no longer than that is fetched whole."""
        sid, size = entry[0], entry[4]
        kept = self._kept(part, size)
        if out.fetched == 0:  # the first look in this run: what an earlier one kept
            out.resumed_from = kept
        if kept < HEAD_BYTES < size:
            chunk = await read_at(link, sid, kept, HEAD_BYTES - kept, self.timeout_s)
            with _partial_io(part):
                part.parent.mkdir(parents=True, exist_ok=True)
                with part.open("ab") as f:
                    f.write(chunk)
            out.fetched += len(chunk)
        with _partial_io(part):
            if not part.exists():
                return b""
            with part.open("rb") as f:
                return f.read(HEAD_BYTES)

    async def _fetch(
        self, link: FrameLink, part: Path, entry: tuple[int, ...], out: Outcome
    ) -> bytes | None:
        sid, _start, _dur, _steps, size, crc = entry
        kept = self._kept(part, size)
        if kept < size:
            bar = self.progress(f"session {sid}", size, kept)
            try:
                with _partial_io(part):
                    part.parent.mkdir(parents=True, exist_ok=True)
                    with part.open("ab") as f:

                        def keep(chunk: bytes) -> None:
                            f.write(chunk)
                            f.flush()
                            out.fetched += len(chunk)
                            bar.update(len(chunk))

                        await fetch(link, sid, kept, self.window, self.timeout_s, on_data=keep)
            finally:
                bar.close()
        with _partial_io(part):
            raw = part.read_bytes()
        got = (crc16 if self.legacy_crc else session_crc)(raw, 0, len(raw))
        if len(raw) != size or got != crc:
            _unlink(part)
            out.status = "failed"
            out.error = (
                f"{len(raw)} bytes with CRC 0x{got:04x} do not match "
                f"LIST's {size} bytes, CRC 0x{crc:04x} (dropped; fetched again next sync)"
            )
            return None
        return raw

    def run_files(self, source: FileSource, result: SyncResult) -> SyncResult:
        """Import session files from a folder; --delete-after removes a file once stored.
        InputError for a folder with no session files (nothing to sync is a mistaken path)."""
        files = source.files()
        if not files:
            raise InputError(
                f"file:{source.path}", None, f"no session files (*.ffs) in {source.where()}"
            )
        for path in files:
            out = result.outcomes.setdefault(path.name, Outcome(path.name, 0))
            try:
                raw = read_session_file(path)  # a FIFO, device or directory is never read
                out.size = len(raw)
                imported = self.store.import_session(raw)
            except ResourceError as e:  # the store cannot take more: stop here
                out.status, out.error = "failed", str(e)
                raise
            except (InputError, StoreError) as e:
                out.status, out.error = "failed", str(e) if path.name in str(e) else f"{path}: {e}"
                continue
            out.store_id = imported.id
            out.number = _identity(raw, ("", 0, 0))[1]
            out.status = "imported" if imported.new else "already stored"
            out.note = imported.note or None
            if self.delete_after and self.store.has(imported.id):
                path.unlink()
                out.deleted = True
        return result


def _identity(head: bytes, listed: tuple[str, int, int]) -> tuple[str, int, int]:
    """(device hex, session id, start_s) as the session's header names it; `listed` (LIST's)
    when it does not decode (its import then says why)."""
    try:
        h = Header.from_bytes(head)
    except RecordError:
        return listed
    return h.device_id.hex(), h.session_id, h.start_s


@contextlib.contextmanager
def _partial_io(part: Path) -> Iterator[None]:
    """OSError on a partial file (a full disk, no permission) as StoreAccessError: the
    partial files are part of the store. Link errors (also OSErrors) pass through."""
    try:
        yield
    except FootfallError:
        raise
    except OSError as e:
        raise StoreAccessError(
            f"{part}: cannot keep the fetched bytes: {e.strerror or e}"
        ) from None


@contextlib.contextmanager
def sync_store(path: str | Path | None, result: SyncResult) -> Iterator[Store]:
    """The store a sync imports into (`path`, None: the default), created if need be. One
    this created is removed again when the sync fails (raises, or `result` has a failed
    session) with nothing stored: a failed sync leaves no empty store behind. A store that
    existed before keeps what the sync imported."""
    target = Path(path) if path is not None else default_path()
    existed, folder_existed = target.exists(), target.parent.exists()
    store = Store(target)
    failed = True
    try:
        yield store
        failed = bool(result.failed)
    finally:
        try:
            discard = not existed and failed and not store.sessions()
        except FootfallError:  # cannot tell what it holds: keep it
            discard = False
        store.close()
        if discard:
            _remove_store(target, folder_existed)


def _remove_store(path: Path, folder_existed: bool) -> None:
    """Remove a store this sync created: the database, its SQLite side files, and the
    partial folder and the store's folder when they are empty (resume bytes stay)."""
    for name in (path.name, *(path.name + s for s in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(OSError):
            (path.parent / name).unlink()
    folders = [path.parent / PARTIAL_DIR] + ([] if folder_existed else [path.parent])
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


def _unlink(part: Path) -> None:
    with _partial_io(part):
        part.unlink(missing_ok=True)


async def _until_dropped(work: Awaitable[SyncResult], dropped: asyncio.Event) -> SyncResult:
    """Run work; TransportError as soon as `dropped` is set (a BLE disconnect)."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(dropped.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise TransportError("the device disconnected")


async def sync_url(
    url: str,
    store: Store,
    *,
    syncer: Syncer | None = None,
    retries: int = 3,
    result: SyncResult | None = None,
    **transport_options: Any,
) -> SyncResult:
    """Sync from the device a URL names, reopening a dropped link up to `retries` times.
    Outcomes accumulate in `result` (pass one in to keep them when this raises)."""
    syncer = syncer or Syncer(store)
    scheme, rest = parse_url(url)
    if scheme == "ble":  # never more writes in flight than the device's aioble queue holds
        syncer.window = min(syncer.window, ble_defs.MAX_GET_WINDOW)
    result = result if result is not None else SyncResult(rest)
    while True:
        dropped = asyncio.Event()
        options = dict(transport_options)
        if scheme == "ble":
            options["disconnected_callback"] = lambda _client, ev=dropped: ev.set()
        transport = await open_transport(url, **options)
        try:
            if isinstance(transport, FileSource):
                return syncer.run_files(transport, result)
            return await _until_dropped(syncer.run_link(transport.link, result), dropped)
        except (TransportError, FrameError) as e:
            if scheme == "ble" and dropped.is_set() and not getattr(transport, "heard", True):
                from footfall.transport.ble import PAIRING_HINT, PairingRefused

                raise PairingRefused(f"{url}: {PAIRING_HINT}") from e
            if result.reconnects >= retries:
                raise TransportError(f"{url}: {e} (gave up after {retries} reconnects)") from e
            result.reconnects += 1
            log.info("%s: %s; reconnecting (%d of %d)", url, e, result.reconnects, retries)
        finally:
            # closing a link that is already gone may raise anything its library has
            with contextlib.suppress(Exception):
                await transport.close()
