"""SYNCED: a host that stored an exact copy and keeps it on the device marks it synced, so
the device's store may delete it to make room when its flash fills (docs/store-and-sync.md)."""

from pathlib import Path  # noqa: I001 - fwpath must put firmware/ on the path first

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall.store import Store as HostStore
from footfall.sync import Syncer, SyncResult
from footfall_core import protocol as P
from footfall_core import records as rec
from footfall_fw.store import SYNCED, Store
from tests.firmware.test_sync_store import log_session, serve


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "sessions"), free_bytes_fn=lambda: 10**7)
    s.total_bytes_fn = lambda: 6 * 2**20
    return s


def test_synced_with_the_sessions_crc_marks_it_and_keeps_it_listed(store) -> None:
    sid = log_session(store, 200)
    crc = store.session_info(sid)[4]

    async def scenario(link):
        reply = await link.request(P.SYNCED, P.request_delete(sid, crc))
        return reply.type, reply.payload

    assert serve(store, scenario) == (P.SYNCED | P.REPLY, b"")
    assert store.sessions() == [sid]
    assert store.list()[0].synced and store.list()[0].name.endswith(SYNCED)
    assert Path(store.path(store.list()[0].name)).exists()


def test_synced_with_another_crc_is_refused_and_leaves_the_session_unsynced(store) -> None:
    sid = log_session(store, 200)
    crc = store.session_info(sid)[4]

    async def scenario(link):
        seq = await link.send(P.SYNCED, P.request_delete(sid, crc ^ 0xFFFF))
        refused = await link.recv()
        return refused.seq == seq, refused.type, refused.payload[:2]

    want = (True, P.ERROR, bytes([P.ERR_CRC_MISMATCH, P.SYNCED]))
    assert serve(store, scenario) == want
    assert not store.list()[0].synced


def test_a_sync_that_keeps_the_sessions_on_the_device_marks_each_synced(store, tmp_path) -> None:
    sids = [log_session(store, 300), log_session(store, 50)]
    with HostStore(tmp_path / "host.db") as host:

        async def scenario(link):
            return await Syncer(host).run_link(link, SyncResult(device=""))

        result = serve(store, scenario)
        assert [o.status for o in result.outcomes.values()] == ["imported", "imported"]
        assert all(o.marked_synced and not o.deleted for o in result.outcomes.values())
    assert store.sessions() == sids
    assert all(info.synced for info in store.list())


def test_a_full_flash_makes_room_for_a_new_session_from_synced_sessions_only(
    tmp_path,
) -> None:
    root = tmp_path / "sessions"
    capacity = {"bytes": 10**7}

    def used() -> int:
        return sum(f.stat().st_size for f in root.iterdir()) if root.exists() else 0

    store = Store(str(root), free_bytes_fn=lambda: capacity["bytes"] - used())
    store.total_bytes_fn = lambda: capacity["bytes"]
    first, second = log_session(store, 300), log_session(store, 300)
    # One byte short of what a new session needs: the flash is full.
    capacity["bytes"] = used() + rec.HEADER_BYTES + store.block_bytes - 1
    crc = store.session_info(first)[4]

    async def scenario(link):
        await link.request(P.SYNCED, P.request_delete(first, crc))

    serve(store, scenario)
    log_session(store, 10)  # needs room: the synced session goes, the unsynced one stays
    assert first not in store.sessions() and second in store.sessions()
