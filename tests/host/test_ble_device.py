"""The BLE services as the real firmware serves them (`footfall sim --serve ble`), read by the
host's plain bleak code on Bumble over FOOTFALL_HCI: advertising, GATT, MTU, the sync
service. One board for the module; its pairing window is used once, by the fixture, and
every test after that re-encrypts with the bond, as a runner's laptop does."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from footfall import synth
from footfall.errors import DeviceError
from footfall.transport import ble_hci
from footfall.transport.ble import default_backends, open_ble
from footfall.transport.link import decode, fetch
from footfall_core import ble_defs as B
from footfall_core import protocol as P
from footfall_core.crc import session_crc

from tests.host.test_ble_sim import BleBoard

pytestmark = pytest.mark.e2e

DEVICE_ID = "240ac45ff00d"  # the virtual board's machine.unique_id()
FW_VERSION = b"0.1.0"  # firmware/footfall_fw/__init__.py VERSION


def uuid16(value: int) -> str:
    return f"0000{value:04x}-0000-1000-8000-00805f9b34fb"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BleBoard]:
    """A board that logged a 62 s run, bonded to this test's key file."""
    folder = tmp_path_factory.mktemp("ble-device")
    rec = synth.synthesize([synth.Segment("idle", 2), synth.Segment("run", 60, 168, 170)], seed=9)
    synth.write_csv(rec, folder / "run.csv")
    b = BleBoard(folder / "run.csv", folder / "flash", "--pair")
    saved = {k: os.environ.get(k) for k in ("FOOTFALL_HCI", "FOOTFALL_BLE_KEYS")}
    os.environ.update({k: b.env[k] for k in saved})
    try:
        run(lambda: hello(b.url[4:], 247))  # bonds while the window is open
        yield b
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        b.stop()


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        try:
            return await asyncio.wait_for(scenario(), 60)
        finally:
            await ble_hci.close()

    return asyncio.run(main())


async def hello(name: str, mtu: int) -> tuple:
    sync = await open_ble(name, 10, bumble={"mtu": mtu})
    try:
        got = decode(P.unpack_hello, await sync.link.request(P.HELLO))
        listing = decode(P.unpack_list, await sync.link.request(P.LIST, b"\0\0"))
    finally:
        await sync.close()
    return got, listing


def device_file(board: BleBoard) -> bytes:
    (path,) = sorted((board.out / "sessions").glob("*.ffs"))
    return path.read_bytes()


def test_scan_finds_the_board_by_name_and_watches_find_it_by_the_rsc_service(
    board: BleBoard,
) -> None:
    async def scenario() -> tuple:
        scanner = default_backends(None)[0]
        by_name = await BleakScanner.find_device_by_name(board.url[4:], 10, backend=scanner)
        by_rsc = await BleakScanner.find_device_by_filter(
            lambda _d, ad: uuid16(B.RSC_SERVICE) in ad.service_uuids, 10, backend=scanner
        )
        return by_name and by_name.address, by_rsc and by_rsc.name

    address, name = run(scenario)
    assert address == "24:0A:C4:5F:F0:0F"  # the unique id + 2, as an ESP32's BT address
    assert name == board.url[4:]


def test_open_services_read_as_a_foot_pod_expects_and_the_gap_name_is_set(
    board: BleBoard,
) -> None:
    async def scenario() -> tuple:
        scanner, client = default_backends(None)
        device = await BleakScanner.find_device_by_name(board.url[4:], 10, backend=scanner)
        async with BleakClient(device, backend=client, timeout=10) as c:
            values = [
                bytes(await c.read_gatt_char(uuid16(u)))
                for u in (B.RSC_FEATURE, B.SENSOR_LOCATION, B.FIRMWARE_REVISION, 0x2A00)
            ]
        return tuple(values)

    feature, location, firmware, gap_name = run(scenario)
    assert feature == b"\x04\x00" and location == bytes([B.LOCATION_HIP])
    assert firmware == FW_VERSION
    assert gap_name == board.url[4:].encode()  # not the port's default "MPY ESP32"


@pytest.mark.parametrize("mtu", [23, 247])
def test_negotiated_mtu_sets_the_write_size_and_the_frame_size(board: BleBoard, mtu: int) -> None:
    async def scenario() -> tuple:
        sync = await open_ble(board.url[4:], 10, bumble={"mtu": mtu})
        try:
            rx = sync.client.services.get_characteristic(B.SYNC_RX_UUID)
            got = decode(P.unpack_hello, await sync.link.request(P.HELLO))
            return sync.client.mtu_size, rx.max_write_without_response_size, got
        finally:
            await sync.close()

    mtu_size, write_size, got = run(scenario)
    assert (mtu_size, write_size) == (mtu, mtu - 3)
    assert got[1] == bytes.fromhex(DEVICE_ID) and got[4] == B.sync_payload_size(mtu)


@pytest.mark.parametrize("mtu", [23, 247])
def test_get_fetches_the_boards_session_file_byte_identical(board: BleBoard, mtu: int) -> None:
    async def scenario() -> bytes:
        sync = await open_ble(board.url[4:], 10, bumble={"mtu": mtu})
        try:
            (_total, _first, entries) = decode(
                P.unpack_list, await sync.link.request(P.LIST, b"\0\0")
            )
            return await fetch(sync.link, entries[0][0], 0)
        finally:
            await sync.close()

    assert run(scenario) == device_file(board)


def test_delete_with_a_wrong_crc_is_refused_and_the_file_stays(board: BleBoard) -> None:
    data = device_file(board)

    async def scenario() -> int:
        sync = await open_ble(board.url[4:], 10)
        try:
            (_t, _f, entries) = decode(P.unpack_list, await sync.link.request(P.LIST, b"\0\0"))
            sid = entries[0][0]
            with pytest.raises(DeviceError) as refused:
                await sync.link.request(P.DELETE, P.request_delete(sid, session_crc(data) ^ 1))
            return refused.value.code
        finally:
            await sync.close()

    assert run(scenario) == P.ERR_CRC_MISMATCH
    assert device_file(board) == data


def test_rsc_measurement_is_notified_once_a_second_without_pairing(board: BleBoard) -> None:
    async def scenario() -> list[tuple]:
        scanner, client = default_backends(None)
        device = await BleakScanner.find_device_by_name(board.url[4:], 10, backend=scanner)
        values: asyncio.Queue[bytes] = asyncio.Queue()
        async with BleakClient(device, backend=client, timeout=10) as c:
            await c.start_notify(uuid16(B.RSC_MEASUREMENT), lambda _c, v: values.put_nowait(v))
            got = [await asyncio.wait_for(values.get(), 3) for _ in range(2)]
        return [B.unpack_rsc_measurement(v) for v in got]

    readings = run(scenario)
    assert all(r == (0, False, 0) for r in readings)  # the run is over: standing still
