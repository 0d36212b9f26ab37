"""SyncServer driving the firmware's real session Store: LIST, GET and DELETE on real files."""

import asyncio  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall.sim.ble_peripheral import MemoryConfig
from footfall.transport.link import FrameLink, decode, fetch
from footfall_core import protocol as P
from footfall_core import records as rec
from footfall_core.crc import session_crc
from footfall_core.sync_server import SyncServer
from footfall_fw.store import Store


class Device:
    device_id = b"\x10\x20\x30\x40\x50\x60"
    fw_version = (0, 1, 0)
    capabilities = P.CAP_SERIAL

    def status(self):
        return (4000, 90, 0, 0)

    def set_time(self, unix_s):
        pass

    def set_live(self, on):
        pass


def log_session(store: Store, steps: int) -> int:
    w = store.begin(rec.Header(device_id=Device.device_id, fw=(0, 1, 0), start_s=1_800_000_000))
    t = 0
    for _ in range(steps):
        t += 350
        w.add_step(350, 2100, 171, 2)
        w.tick(t)
    w.close(now_ms=t)
    return w.id


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "sessions"), free_bytes_fn=lambda: 10**7)
    s.total_bytes_fn = lambda: 6 * 2**20
    return s


def serve(store: Store, scenario):
    """Run scenario(link) against a SyncServer on `store`, joined by an in-memory pipe."""

    async def main():
        loop = asyncio.get_running_loop()
        link: FrameLink

        def to_host(buf, n):
            data = bytes(buf[:n])
            loop.call_soon(link.on_bytes, data)

        server = SyncServer(store, MemoryConfig(), Device(), to_host, 236)

        async def to_device(data: bytes) -> None:
            server.feed(data)

        link = FrameLink(to_device)
        return await asyncio.wait_for(scenario(link), 10)

    return asyncio.run(main())


def test_list_and_get_return_the_session_file_byte_identical(store):
    sid = log_session(store, 3000)
    path = Path(store.path(store.list()[0].name))

    async def scenario(link):
        listing = decode(P.unpack_list, await link.request(P.LIST, b"\0\0"))
        return listing, await fetch(link, sid)

    (total, _first, entries), data = serve(store, scenario)
    assert total == 1
    assert entries[0][0] == sid and entries[0][3] == 3000
    assert entries[0][4:] == (path.stat().st_size, session_crc(path.read_bytes()))
    assert data == path.read_bytes()


def test_delete_needs_the_files_crc(store):
    sid = log_session(store, 100)
    crc = store.session_info(sid)[4]

    async def scenario(link):
        wrong = await link.send(P.DELETE, P.request_delete(sid, crc ^ 0xFFFF))
        refused = await link.recv()
        kept = store.sessions()
        await link.request(P.DELETE, P.request_delete(sid, crc))
        return (refused.seq == wrong, refused.type, refused.payload[:1]), kept, store.sessions()

    refused, kept, after = serve(store, scenario)
    assert refused == (True, P.ERROR, bytes([P.ERR_CRC_MISMATCH]))
    assert kept == [sid] and after == []
