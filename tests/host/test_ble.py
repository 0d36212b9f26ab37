"""The host's BLE transport edge on a bumble central: what the host does when the device drops
the link, is absent, or there is no adapter. Something must be on the radio: the emulated
peripheral. The services themselves are tested as the real firmware serves them
(test_ble_device.py, test_ble_sim.py). Every wait has a timeout; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakClient
from bleak.exc import BleakDeviceNotFoundError
from footfall.errors import TransportError
from footfall.sim.ble_peripheral import FootfallPeripheral, MemoryStore
from footfall.transport.ble import open_ble
from footfall.transport.ble_bumble import VirtualRadio

# BLE through Bumble's virtual controller: the full suite runs it, the fast loop does not.
pytestmark = pytest.mark.e2e


SESSION = bytes((i * 31 + 7) & 0xFF for i in range(5000))


def run(scenario: Callable[..., Awaitable[Any]], **peripheral_args: Any) -> Any:
    """Run scenario(peripheral, scanner, client) on a fresh radio inside asyncio.run."""

    async def main() -> Any:
        radio = VirtualRadio()
        store = MemoryStore({7: (1763780000, 3600, 9000, SESSION), 8: (1763790000, 60, 150, b"x")})
        peripheral = FootfallPeripheral(radio, store=store, **peripheral_args)
        await peripheral.start()
        scanner, client = radio.bleak_backends()
        try:
            return await asyncio.wait_for(scenario(peripheral, scanner, client), 30)
        finally:
            await peripheral.stop()

    return asyncio.run(main())


def test_a_disconnect_by_the_peripheral_reaches_bleaks_callback():
    async def scenario(peripheral, scanner, client):
        dropped = asyncio.Event()
        c = BleakClient(peripheral.address, lambda _c: dropped.set(), backend=client, timeout=5)
        await c.connect()
        await peripheral.disconnect_all()
        await asyncio.wait_for(dropped.wait(), 3)
        return c.is_connected

    assert run(scenario) is False


def test_a_device_that_is_not_there_fails_fast_with_a_clear_error():
    async def scenario(peripheral, scanner, client):
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with pytest.raises(TransportError) as absent:
            await open_ble("footfall-0000", 0.5, scanner, client)
        return str(absent.value), loop.time() - t0

    message, elapsed_s = run(scenario)
    assert "footfall-0000" in message and "not found" in message
    assert elapsed_s < 2


def test_an_absent_address_fails_fast_in_plain_bleak():
    async def scenario(peripheral, scanner, client):
        with pytest.raises(BleakDeviceNotFoundError):
            async with BleakClient("F0:00:00:00:0F:0F", backend=client, timeout=0.5):
                pass

    run(scenario)


def test_a_machine_without_an_adapter_gets_a_transport_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from footfall.transport import ble

    async def no_bluez(*_args: object) -> None:
        raise FileNotFoundError(2, "No such file or directory")  # what dbus gives bleak

    monkeypatch.setattr(ble, "find", no_bluez)
    with pytest.raises(TransportError, match="no Bluetooth adapter"):
        asyncio.run(open_ble("footfall-2B3C", timeout_s=0.1))


def test_sync_over_ble_never_asks_for_a_window_beyond_the_devices_write_queue(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from footfall import sync as sync_mod
    from footfall.store import Store
    from footfall_core import ble_defs as B

    windows: list[int] = []
    real_fetch = sync_mod.fetch

    async def spy(link: Any, sid: int, offset: int = 0, window: int = 8, *a: Any, **k: Any):
        windows.append(window)
        return await real_fetch(link, sid, offset, window, *a, **k)

    monkeypatch.setattr(sync_mod, "fetch", spy)

    async def scenario(peripheral, scanner, client):
        with Store(tmp_path / "s.db") as store:
            syncer = sync_mod.Syncer(store, window=32)
            await sync_mod.sync_url(
                "ble:footfall-2B3C", store, syncer=syncer, scanner=scanner, client=client
            )

    run(scenario)
    assert windows and max(windows) <= B.WRITE_QUEUE - 2
