"""BLE sync and live cadence with a real board and this machine's adapter (opt-in).

Set FOOTFALL_BLE to the board's advertised name or address (e.g. footfall-1A2B). The host
code is the same plain bleak code the tests drive over the bumble virtual radio; here it
runs on the platform's own backend. Nothing is deleted.
"""

import asyncio
import os

import pytest
from bleak import BleakClient
from footfall.cli.live import RSC_MEASUREMENT_UUID
from footfall.transport.ble import find
from footfall_core import ble_defs as B

from tests.hil.sync_check import fetched_vs_listed

TARGET = os.environ.get("FOOTFALL_BLE")
pytestmark = pytest.mark.skipif(
    not TARGET, reason="no board: set FOOTFALL_BLE to a footfall-XXXX name or address"
)


def test_every_session_fetches_over_ble_with_the_crc_its_list_gives() -> None:
    for fetched, listed in asyncio.run(fetched_vs_listed(f"ble:{TARGET}")):
        assert fetched == listed


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
