"""footfall sync's engine over BLE (bumble virtual radio + emulated peripheral) and file:."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from footfall.errors import TransportError
from footfall.records import Header
from footfall.sim.ble_peripheral import FootfallPeripheral, MemoryStore
from footfall.store import Store
from footfall.sync import Syncer, SyncResult, sync_url
from footfall.transport.ble_bumble import VirtualRadio
from footfall_core.crc import crc16

from tests.host.session_files import session_file

ONE = session_file(1, start_s=1_800_000_000, steps=3000)
TWO = session_file(2, start_s=1_800_010_000, steps=400)
URL = "ble:footfall-2B3C"


def corrupt(raw: bytes) -> bytes:
    """A file the store refuses: its records again after its END (a bit flip is not one:
    the import drops the damaged record and keeps the rest)."""
    return raw + raw[Header.from_bytes(raw).size :]


def device_files(*files: bytes) -> MemoryStore:
    """The device's store; LIST's start is the file header's, as the firmware's is."""
    starts = [Header.from_bytes(f).start_s if f[:4] == b"FFS1" else 0 for f in files]
    return MemoryStore({i + 1: (starts[i], 60, 100, f) for i, f in enumerate(files)})


def run(
    scenario: Callable[..., Awaitable[Any]], files: MemoryStore, **peripheral_args: Any
) -> Any:
    """scenario(peripheral, options) on a fresh radio; options open the virtual BLE link."""

    async def main() -> Any:
        radio = VirtualRadio()
        peripheral = FootfallPeripheral(radio, store=files, **peripheral_args)
        await peripheral.start()
        scanner, client = radio.bleak_backends()
        options = {"scanner": scanner, "client": client, "timeout_s": 5}
        try:
            return await asyncio.wait_for(scenario(peripheral, options), 30)
        finally:
            await peripheral.stop()

    return asyncio.run(main())


class Bars:
    """A progress factory that records what each bar was told."""

    def __init__(self, on_update: Callable[[int], None] | None = None) -> None:
        self.bars: list[list[int]] = []
        self.on_update = on_update

    def __call__(self, label: str, total: int, initial: int) -> Bars:
        self.bars.append([total, initial])
        return self

    def update(self, n: int) -> None:
        self.bars[-1].append(n)
        if self.on_update is not None:
            self.on_update(n)

    def close(self) -> None:
        return None


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "s.db") as s:
        yield s


@pytest.mark.e2e
def test_ble_sync_imports_every_session_byte_identical(store: Store) -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        return await sync_url(URL, store, **options)

    result = run(scenario, device_files(ONE, TWO))
    assert (result.count("imported"), result.failed) == (2, 0)
    assert [store.raw(r.id) for r in store.sessions()] == [ONE, TWO]


@pytest.mark.e2e
def test_a_second_sync_fetches_nothing_already_stored(store: Store) -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        await sync_url(URL, store, **options)
        return await sync_url(URL, store, **options)

    again = run(scenario, device_files(ONE, TWO))
    assert again.count("already stored") == 2
    assert sum(o.fetched for o in again.outcomes.values()) == 0


@pytest.mark.e2e
@pytest.mark.parametrize("mtu", [23, 247])
def test_a_disconnect_mid_transfer_resumes_without_refetching_kept_bytes(
    store: Store, mtu: int
) -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        got = [0]

        def drop_once(n: int) -> None:
            got[0] += n
            if got[0] >= 3000 and got[0] - n < 3000:
                asyncio.ensure_future(peripheral.disconnect_all())

        syncer = Syncer(store, progress=Bars(drop_once))
        return await sync_url(URL, store, syncer=syncer, bumble={"mtu": mtu}, **options)

    result = run(scenario, device_files(ONE))
    assert result.reconnects == 1
    assert result.outcomes[1].fetched == len(ONE)  # every byte crossed the link once
    assert store.raw(store.sessions()[0].id) == ONE
    assert list(store.partial_dir.iterdir()) == []


@pytest.mark.e2e
def test_a_sync_that_gave_up_resumes_from_its_partial_file_next_time(store: Store) -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> tuple:
        dropped = [False]

        def drop_once(_n: int) -> None:
            if not dropped[0]:
                dropped[0] = True
                asyncio.ensure_future(peripheral.disconnect_all())

        syncer = Syncer(store, progress=Bars(drop_once))
        with pytest.raises(TransportError, match="gave up after 0 reconnects"):
            await sync_url(URL, store, syncer=syncer, retries=0, **options)
        kept = sum(p.stat().st_size for p in store.partial_dir.iterdir())
        bars = Bars()
        result = await sync_url(URL, store, syncer=Syncer(store, progress=bars), **options)
        return kept, result, bars.bars[0][:2]

    kept, result, (total, initial) = run(scenario, device_files(ONE))
    assert 0 < kept < len(ONE)
    assert (result.outcomes[1].resumed_from, initial, total) == (kept, kept, len(ONE))
    assert result.outcomes[1].fetched == len(ONE) - kept
    assert store.raw(store.sessions()[0].id) == ONE


@pytest.mark.e2e
def test_delete_after_deletes_only_what_was_imported(store: Store) -> None:
    # before: the device holds a good session and one whose import fails (corrupt records
    # under a CRC that matches LIST); after: only the failed one is still on the device
    files = device_files(ONE, corrupt(TWO))
    assert files.sessions() == [1, 2]

    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        return await sync_url(URL, store, syncer=Syncer(store, delete_after=True), **options)

    result = run(scenario, files)
    assert files.sessions() == [2]
    assert (result.outcomes[1].deleted, result.outcomes[2].deleted) == (True, False)
    assert "refused: the STEPS record at byte" in (result.outcomes[2].error or "")
    assert [store.raw(r.id) for r in store.sessions()] == [ONE]


@pytest.mark.e2e
def test_delete_after_keeps_every_session_when_the_import_is_interrupted(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = device_files(ONE, TWO)

    def fail(_self: Store, name: str) -> None:
        if name == "arrays":
            raise OSError("disk full")

    monkeypatch.setattr(Store, "_step", fail)

    async def scenario(peripheral: FootfallPeripheral, options: dict) -> None:
        with pytest.raises(OSError, match="disk full"):
            await sync_url(URL, store, syncer=Syncer(store, delete_after=True), **options)

    run(scenario, files)
    assert files.sessions() == [1, 2] and store.sessions() == []


@pytest.mark.e2e
def test_a_session_whose_bytes_do_not_match_list_is_not_imported(store: Store) -> None:
    files = device_files(ONE)

    class LyingStore(MemoryStore):
        def session_info(self, sid: int) -> tuple[int, int, int, int, int]:
            info = super().session_info(sid)
            return (*info[:4], info[4] ^ 1)  # LIST says another CRC than the bytes have

    liar = LyingStore(files.files)

    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        return await sync_url(URL, store, syncer=Syncer(store, delete_after=True), **options)

    result = run(scenario, liar)
    assert result.failed == 1 and "do not match LIST" in (result.outcomes[1].error or "")
    assert store.sessions() == [] and liar.sessions() == [1]


def test_file_sync_imports_a_folder_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "copied"
    folder.mkdir()
    (folder / "00001.ffs").write_bytes(ONE)
    (folder / "00002.syn.ffs").write_bytes(TWO)
    first = asyncio.run(sync_url(f"file:{folder}", store))
    again = asyncio.run(sync_url(f"file:{folder}", store))
    assert (first.count("imported"), again.count("already stored")) == (2, 2)
    assert [store.raw(r.id) for r in store.sessions()] == [ONE, TWO]


def test_file_sync_delete_after_removes_only_imported_files(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "copied"
    folder.mkdir()
    (folder / "00001.ffs").write_bytes(ONE)
    (folder / "00002.ffs").write_bytes(corrupt(TWO))
    asyncio.run(sync_url(f"file:{folder}", store, syncer=Syncer(store, delete_after=True)))
    assert [p.name for p in folder.iterdir()] == ["00002.ffs"]


def test_store_error_is_the_reason_for_a_failed_file(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "copied"
    folder.mkdir()
    (folder / "00009.ffs").write_bytes(b"junk")
    result = asyncio.run(sync_url(f"file:{folder}", store))
    assert result.failed == 1
    assert "00009.ffs: not a valid session file" in (result.outcomes["00009.ffs"].error or "")


def test_sync_sets_the_device_clock(store: Store) -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> tuple[int, int]:
        before = int(time.time())
        await sync_url(URL, store, **options)
        return before, peripheral.time_s

    before, device_s = run(scenario, device_files())
    assert before <= device_s <= before + 60


class LegacyStore(MemoryStore):
    """A protocol 2 device: LIST and DELETE carry crc16 of the file, not the session CRC."""

    def session_info(self, sid: int) -> tuple[int, int, int, int, int]:
        start_s, duration_s, steps, data = self.files[sid]
        return start_s, duration_s, steps, len(data), crc16(data)


@pytest.mark.e2e
def test_a_protocol_2_device_syncs_skips_and_deletes_by_its_own_crc(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from footfall_core import protocol as P

    monkeypatch.setattr(P, "PROTOCOL_VERSION", 2)
    files = LegacyStore({1: (1_800_000_000, 60, 100, ONE), 2: (1_800_010_000, 60, 100, TWO)})

    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        return await sync_url(URL, store, **options)

    first = run(scenario, files)
    again = run(scenario, files)
    assert (first.count("imported"), again.count("already stored")) == (2, 2)
    assert sum(o.fetched for o in again.outcomes.values()) == 0  # found by the old CRC

    async def deleting(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        return await sync_url(URL, store, syncer=Syncer(store, delete_after=True), **options)

    run(deleting, files)
    assert files.sessions() == []
