"""Sync over BLE with bleak: find footfall-XXXX, subscribe to SYNC_TX, write requests to SYNC_RX.

Plain bleak code; `scanner`/`client` backends default to the platform's, or to footfall's
Bumble backend on the HCI transport FOOTFALL_HCI names (ble_hci.py), and are swapped for
footfall.transport.ble_bumble's in tests. Writes are sized from the characteristic's
max_write_without_response_size, so one write fills one ATT packet at any MTU.

Security: the device takes sync writes only on an encrypted link. A Write Command (without
response) on a link that is not encrypted is dropped by the device's stack without a word
(NimBLE), so the first write on each connection is a Write Request: an unencrypted link
gets "insufficient encryption", the central's OS pairs (or re-encrypts with its bond) and
retries it. The rest go without response. A device that hangs up before it has answered
anything did not accept this host (no bond, its pairing window closed): PairingRefused.
"""

from __future__ import annotations

import os
import re
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError
from footfall_core import ble_defs as B

from footfall.errors import TransportError
from footfall.transport.link import FrameLink

PAIRING_HINT = (
    "the device did not accept this host: it has no bond with it. Open the pairing window "
    "on the device (hold button B for 1.5 s until it buzzes) and sync again within a minute"
)


class PairingRefused(TransportError):
    """The device hung up before answering: it will not sync with a central it has no bond
    with (docs/store-and-sync.md, BLE security)."""


def default_backends(
    scanner: type[BaseBleakScanner] | None, client: type[BaseBleakClient] | None = None
) -> tuple[type[BaseBleakScanner] | None, type[BaseBleakClient] | None]:
    """The backends asked for, else FOOTFALL_HCI's (ble_hci.py), else the platform's."""
    if scanner is not None or client is not None or not os.environ.get("FOOTFALL_HCI"):
        return scanner, client
    try:
        from footfall.transport.ble_hci import backends
    except ImportError as e:  # Bumble is an optional extra
        raise TransportError(
            f"FOOTFALL_HCI needs Bumble ({e}): pip install 'footfall[ble-sim]'"
        ) from e
    return backends() or (None, None)


_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$")


async def find(
    target: str, timeout_s: float = 10.0, scanner: type[BaseBleakScanner] | None = None
) -> BLEDevice:
    """The advertiser named `target` (e.g. footfall-1A2B) or with that address."""
    scanner = default_backends(scanner)[0]
    extra: dict[str, Any] = {} if scanner is None else {"backend": scanner}
    if _ADDRESS.match(target):
        found = await BleakScanner.find_device_by_address(target, timeout_s, **extra)
    else:
        found = await BleakScanner.find_device_by_name(target, timeout_s, **extra)
    if found is None:
        raise TransportError(f"BLE device {target!r} not found within {timeout_s} s")
    return found


class BleSync:
    """A connected sync link: `link` (a FrameLink) plus the bleak client under it."""

    def __init__(self, client: BleakClient) -> None:
        self.client = client
        rx = client.services.get_characteristic(B.SYNC_RX_UUID)
        tx = client.services.get_characteristic(B.SYNC_TX_UUID)
        if rx is None or tx is None:
            raise TransportError(f"{client.address} has no footfall sync service")
        self._rx = rx
        self._tx = tx
        self.link = FrameLink(self._write, rx.max_write_without_response_size)
        self.secured = False  # a Write Request went through: the link is encrypted
        self.heard = False  # the device has sent something on this connection

    async def _write(self, data: bytes) -> None:
        try:
            await self.client.write_gatt_char(self._rx, data, response=not self.secured)
        except BleakError as e:  # e.g. the link dropped: the transport edge converts it
            raise TransportError(f"BLE {self.client.address}: {e}") from e
        self.secured = True

    def _on_notify(self, data: bytearray) -> None:
        self.heard = True
        self.link.on_bytes(data)

    async def start(self) -> None:
        await self.client.start_notify(self._tx, lambda _c, data: self._on_notify(data))

    async def close(self) -> None:
        await self.client.disconnect()


async def open_ble(
    target: str | BLEDevice,
    timeout_s: float = 10.0,
    scanner: type[BaseBleakScanner] | None = None,
    client: type[BaseBleakClient] | None = None,
    **client_args: Any,
) -> BleSync:
    """Find, connect and subscribe; TransportError when the device is absent or refuses."""
    scanner, client = default_backends(scanner, client)
    try:
        device = (
            target if isinstance(target, BLEDevice) else await find(target, timeout_s, scanner)
        )
        bleak_client = BleakClient(device, timeout=timeout_s, backend=client, **client_args)
        await bleak_client.connect()
    except (BleakDeviceNotFoundError, BleakError, TimeoutError) as e:
        raise TransportError(f"BLE {target}: {e}") from e
    except OSError as e:  # no adapter, or no BlueZ/D-Bus to reach it
        raise TransportError(f"BLE {target}: no Bluetooth adapter or BlueZ available ({e})") from e
    sync = BleSync(bleak_client)
    await sync.start()
    return sync
