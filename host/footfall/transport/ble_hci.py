# ruff: noqa: E402 - bumble is imported after require() names its extra when absent
"""BLE through Bumble on an HCI transport (FOOTFALL_HCI) instead of the OS adapter.

    FOOTFALL_HCI=tcp-client:127.0.0.1:40123 footfall sync --device ble:footfall-F00D

With the variable set, every BLE command (the scan in `devices`, `sync`, `config`, `live`)
runs the same bleak code with footfall's Bumble backend (ble_bumble.BumbleScanner and
BumbleClient) on a Bumble host stack attached to that transport: any spec Bumble's
open_transport takes (`footfall sim --serve ble` prints one; `usb:0` is a USB dongle).

The host keeps a fixed identity (a static random address, IDENTITY_ADDRESS) and its bond
keys in a JSON file beside the default store (ble_keys.json; FOOTFALL_BLE_KEYS names
another file), so a later sync re-encrypts with the bond after the device's pairing window
has closed. Without the variable nothing here is used.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from footfall.extras import require

require("bumble")  # the ble-sim extra: MissingExtra, naming it, when it is absent

from bumble.device import Device
from bumble.hci import Address
from bumble.transport import open_transport
from bumble.transport.common import Transport

from footfall.errors import TransportError
from footfall.transport.ble_bumble import BumbleClient, BumbleScanner, VirtualRadio, json_keys

ENV_HCI = "FOOTFALL_HCI"
ENV_KEYS = "FOOTFALL_BLE_KEYS"
KEYS_NAME = "ble_keys.json"
IDENTITY_ADDRESS = "F0:07:FA:11:00:01"  # static random: the two top bits set


def keys_path() -> Path:
    """FOOTFALL_BLE_KEYS, else ble_keys.json beside the default store."""
    if os.environ.get(ENV_KEYS):
        return Path(os.environ[ENV_KEYS])
    from footfall.store import default_path

    return default_path().parent / KEYS_NAME


class HciRadio(VirtualRadio):
    """The host's adapter is a Bumble host stack on an HCI transport, not a virtual link."""

    def __init__(self, spec: str, keys: Path) -> None:
        super().__init__()
        self.spec = spec
        self.keys = keys
        self.transport: Transport | None = None

    async def _make_central(self) -> Device:
        try:
            transport = await open_transport(self.spec)
        except (OSError, ValueError) as e:
            raise TransportError(f"{ENV_HCI}={self.spec}: {e}") from e
        self.transport = transport
        address = Address(IDENTITY_ADDRESS, Address.RANDOM_DEVICE_ADDRESS)
        device = Device.with_hci("footfall-host", address, transport.source, transport.sink)
        device.static_address = address
        self.keys.parent.mkdir(parents=True, exist_ok=True)
        device.keystore = json_keys(str(self.keys))
        await device.power_on()
        return device

    async def close(self) -> None:
        if self.transport is not None:
            await self.transport.close()
            self.transport = None


_radios: dict[tuple[str, str, int], HciRadio] = {}


def backends() -> tuple[type[BumbleScanner], type[BumbleClient]] | None:
    """The bleak backends for FOOTFALL_HCI, one radio per event loop; None when unset."""
    spec = os.environ.get(ENV_HCI)
    if not spec:
        return None
    key = (spec, str(keys_path()), id(asyncio.get_running_loop()))
    if key not in _radios:
        _radios[key] = HciRadio(spec, keys_path())
    return _radios[key].bleak_backends()


async def close() -> None:
    """Close this event loop's HCI transport, if one was opened (before the loop ends)."""
    loop_id = id(asyncio.get_running_loop())
    for key in [k for k in _radios if k[2] == loop_id]:
        await _radios.pop(key).close()
