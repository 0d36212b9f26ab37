"""BLE with a real Bluetooth stack and no hardware: bleak on a bumble central, a bumble peripheral.

Host code is plain bleak (BleakScanner / BleakClient with backend=); the peripheral answers
sync with footfall_core's SyncServer. Every wait has a timeout; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError
from footfall.errors import DeviceError, TransportError
from footfall.sim.ble_peripheral import FootfallPeripheral, MemoryStore
from footfall.transport.ble import open_ble
from footfall.transport.ble_bumble import VirtualRadio
from footfall.transport.link import decode, fetch
from footfall_core import ble_defs as B
from footfall_core import protocol as P
from footfall_core.crc import session_crc
from footfall_core.frames import pack_frame

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


def test_scan_finds_the_peripheral_by_name():
    async def scenario(peripheral, scanner, client):
        found = await BleakScanner.find_device_by_name("footfall-2B3C", 5, backend=scanner)
        return found and (found.name, found.address)

    assert run(scenario) == ("footfall-2B3C", "F0:00:00:00:00:01")


def test_advertisement_lists_the_rsc_service_for_watches_to_filter_on():
    # The sync UUID is in the scan response, which bumble's virtual controller does not
    # deliver (it echoes the advertising data as the scan response), so only RSC is checked.
    async def scenario(peripheral, scanner, client):
        found = await BleakScanner.find_device_by_filter(
            lambda _d, ad: RSC_SERVICE in ad.service_uuids, 5, backend=scanner
        )
        return found and found.name

    assert run(scenario) == "footfall-2B3C"


def test_rsc_feature_and_sensor_location_read_as_a_foot_pod_expects():
    async def scenario(peripheral, scanner, client):
        async with BleakClient(peripheral.address, backend=client, timeout=5) as c:
            feature = await c.read_gatt_char(uuid16(B.RSC_FEATURE))
            location = await c.read_gatt_char(uuid16(B.SENSOR_LOCATION))
            battery = await c.read_gatt_char(uuid16(B.BATTERY_LEVEL))
            firmware = await c.read_gatt_char(uuid16(B.FIRMWARE_REVISION))
        return bytes(feature), bytes(location), bytes(battery), bytes(firmware)

    assert run(scenario, placement="shoe") == (b"\x04\x00", b"\x01", bytes([87]), b"0.1.0")


def test_rsc_measurement_notifies_cadence_in_steps_per_minute():
    async def scenario(peripheral, scanner, client):
        values: asyncio.Queue[bytes] = asyncio.Queue()
        peripheral.set_cadence(172, running=True)
        async with BleakClient(peripheral.address, backend=client, timeout=5) as c:
            await c.start_notify(uuid16(B.RSC_MEASUREMENT), lambda _c, v: values.put_nowait(v))
            first = await asyncio.wait_for(values.get(), 3)
            peripheral.set_cadence(118, running=False)
            second = await asyncio.wait_for(values.get(), 3)
        return B.unpack_rsc_measurement(first), B.unpack_rsc_measurement(second)

    assert run(scenario) == ((172, True, 0), (118, False, 0))


@pytest.mark.parametrize("mtu", [23, 247])
def test_negotiated_mtu_sets_write_size(mtu):
    async def scenario(peripheral, scanner, client):
        async with BleakClient(
            peripheral.address, backend=client, timeout=5, bumble={"mtu": mtu}
        ) as c:
            rx = c.services.get_characteristic(B.SYNC_RX_UUID)
            return c.mtu_size, rx.max_write_without_response_size

    assert run(scenario) == (mtu, mtu - 3)


@pytest.mark.parametrize("mtu", [23, 247])
def test_hello_and_list_round_trip_through_the_sync_service(mtu):
    async def scenario(peripheral, scanner, client):
        sync = await open_ble("footfall-2B3C", 5, scanner, client, bumble={"mtu": mtu})
        try:
            hello = decode(P.unpack_hello, await sync.link.request(P.HELLO))
            listing = decode(P.unpack_list, await sync.link.request(P.LIST, b"\0\0"))
        finally:
            await sync.close()
        return hello, listing

    hello, (total, first, entries) = run(scenario)
    assert hello == (
        P.PROTOCOL_VERSION,
        bytes.fromhex("246f281a2b3c"),
        (0, 1, 0),
        7,
        B.sync_payload_size(mtu),
    )
    assert (total, first) == (2, 0)
    assert entries[0] == (7, 1763780000, 3600, 9000, len(SESSION), session_crc(SESSION))


@pytest.mark.parametrize("mtu", [23, 247])
def test_get_fetches_a_whole_session_byte_identical(mtu):
    async def scenario(peripheral, scanner, client):
        sync = await open_ble("footfall-2B3C", 5, scanner, client, bumble={"mtu": mtu})
        try:
            return await fetch(sync.link, 7, 0)
        finally:
            await sync.close()

    assert run(scenario) == SESSION


def test_delete_with_a_wrong_crc_is_refused_over_ble():
    async def scenario(peripheral, scanner, client):
        sync = await open_ble("footfall-2B3C", 5, scanner, client)
        try:
            with pytest.raises(DeviceError) as refused:
                await sync.link.request(P.DELETE, P.request_delete(7, session_crc(SESSION) ^ 1))
        finally:
            await sync.close()
        return refused.value.code, peripheral.store.sessions()

    assert run(scenario) == (P.ERR_CRC_MISMATCH, [7, 8])


def test_disconnect_mid_transfer_then_resume_from_the_last_offset():
    async def scenario(peripheral, scanner, client):
        sync = await open_ble("footfall-2B3C", 5, scanner, client)
        got = bytearray()
        await sync.link.send(P.GET, P.request_get(7, 0, 4, 0))
        while len(got) < 600:  # two of the four chunks in the window
            frame = await sync.link.recv(3)
            got += frame.payload[4:]
        await peripheral.disconnect_all()
        sync = await open_ble("footfall-2B3C", 5, scanner, client)
        try:
            got += await fetch(sync.link, 7, len(got))
        finally:
            await sync.close()
        return bytes(got)

    assert run(scenario) == SESSION


def test_write_with_response_reaches_the_sync_service():
    async def scenario(peripheral, scanner, client):
        replies: asyncio.Queue[bytes] = asyncio.Queue()
        async with BleakClient(peripheral.address, backend=client, timeout=5) as c:
            await c.start_notify(B.SYNC_TX_UUID, lambda _c, v: replies.put_nowait(bytes(v)))
            await c.write_gatt_char(B.SYNC_RX_UUID, pack_frame(P.HELLO, 42), response=True)
            reply = await asyncio.wait_for(replies.get(), 3)
            await c.stop_notify(B.SYNC_TX_UUID)
        return reply[2:4]

    assert run(scenario) == bytes([P.HELLO | P.REPLY, 42])


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


def uuid16(value: int) -> str:
    return f"0000{value:04x}-0000-1000-8000-00805f9b34fb"


RSC_SERVICE = uuid16(B.RSC_SERVICE)


def test_a_machine_without_an_adapter_gets_a_transport_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from footfall.transport import ble

    async def no_bluez(*_args: object) -> None:
        raise FileNotFoundError(2, "No such file or directory")  # what dbus gives bleak

    monkeypatch.setattr(ble, "find", no_bluez)
    with pytest.raises(TransportError, match="no Bluetooth adapter"):
        asyncio.run(open_ble("footfall-2B3C", timeout_s=0.1))
