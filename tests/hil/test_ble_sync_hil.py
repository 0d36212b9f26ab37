"""BLE sync and live cadence with a real board and this machine's adapter (opt-in).

Set FOOTFALL_BLE to the board's advertised name or address (e.g. footfall-1A2B). The host
code is the same plain bleak code the tests drive over the bumble virtual radio; here it
runs on the platform's own backend. Nothing is deleted.
"""

import asyncio
import os

import pytest
from bleak import BleakClient
from footfall.live_cmd import RSC_MEASUREMENT_UUID
from footfall.transport import open_transport
from footfall.transport.ble import find
from footfall.transport.link import decode, fetch
from footfall_core import ble_defs as B
from footfall_core import protocol as P
from footfall_core.crc import crc16

TARGET = os.environ.get("FOOTFALL_BLE")
pytestmark = pytest.mark.skipif(
    not TARGET, reason="no board: set FOOTFALL_BLE to a footfall-XXXX name or address"
)


def test_every_session_fetches_over_ble_with_the_crc_its_list_gives() -> None:
    async def scenario() -> list[tuple[int, int, int, int]]:
        sync = await open_transport(f"ble:{TARGET}")
        try:
            _total, _first, entries = decode(
                P.unpack_list, await sync.link.request(P.LIST, b"\0\0")
            )
            out = []
            for sid, _start, _dur, _steps, size, crc in entries:
                data = await fetch(sync.link, sid)
                out.append((len(data), size, crc16(data, 0, len(data)), crc))
            return out
        finally:
            await sync.close()

    for got_size, size, got_crc, crc in asyncio.run(scenario()):
        assert (got_size, got_crc) == (size, crc)


def test_rsc_measurement_is_notified_like_a_foot_pod() -> None:
    async def scenario() -> tuple[int, bool, int]:
        device = await find(str(TARGET))
        readings: asyncio.Queue[bytes] = asyncio.Queue()
        async with BleakClient(device) as client:
            await client.start_notify(
                RSC_MEASUREMENT_UUID, lambda _c, v: readings.put_nowait(bytes(v))
            )
            raw = await asyncio.wait_for(readings.get(), timeout=5)  # notified at 1 Hz
            return B.unpack_rsc_measurement(raw)

    cadence_spm, _running, _speed = asyncio.run(scenario())
    assert 0 <= cadence_spm <= 255
