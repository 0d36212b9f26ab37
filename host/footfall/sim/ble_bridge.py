# ruff: noqa: E402 - bumble is imported after require() names its extra when absent
"""The board's radio for the virtual board: a Bumble Device driven by the stand-in `bluetooth`.

The unix port's stand-in (sim/mpy_ble/bluetooth.py) sends each call that reaches the radio as
one message over a pipe; BoardRadio carries it out on a Bumble Device with its own virtual
controller on a LocalLink, and sends the stack's events back as the IRQs MicroPython's
`bluetooth` module raises (docs/library/bluetooth.rst, "Event handling"). So the GATT
database, advertising, the MTU exchange, notifications, pairing (LE Secure Connections,
Just Works, bonding) and the attribute permissions are Bumble's.

Where NimBLE (the ESP32 port's stack) and Bumble differ on something the firmware relies
on, BoardRadio does what NimBLE does:
- An ATT Write Command (write without response) to a characteristic the link may not
  write, e.g. an unencrypted write to an encrypted one, is dropped without a word: a Write
  Command has no response to carry the error (NimBLE nimble/host/src/ble_att_svr.c,
  ble_att_svr_rx_write_no_rsp ignores the access check's result). Bumble drops it too but
  logs a traceback; here it is dropped before Bumble sees it.
- Bond keys are kept only when both sides asked to bond (the Pairing Request's and
  Response's AuthReq bonding flags, Core Vol 3 Part H 3.5.1), as NimBLE stores them (its
  ble_store); Bumble would store the keys of every pairing. They live in a JSON file in the
  board's flash folder, where aioble keeps ble_secrets.json on a board, so a bond outlives
  a restart of the virtual board.
- gatts_notify sends whether or not the central subscribed (docs: "sent regardless of the
  subscription status"); gatts_write(..., send_update=True) notifies subscribers only.
- _IRQ_ENCRYPTION_UPDATE comes once pairing has finished (with its bonded flag), or when a
  bonded central re-encrypts with its stored keys. Just Works: never authenticated.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from footfall.extras import require

require("bumble")  # the ble-sim extra: MissingExtra, naming it, when it is absent

from bumble import att, gatt, gatt_server, hci
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import AdvertisingType, Connection, Device
from bumble.host import Host
from bumble.keys import JsonKeyStore, PairingKeys
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport.common import AsyncPipeSink

from footfall.transport.ble_bumble import BondingKeys

log = logging.getLogger(__name__)

# IRQ codes of MicroPython's bluetooth module
IRQ_CENTRAL_CONNECT = 1
IRQ_CENTRAL_DISCONNECT = 2
IRQ_GATTS_WRITE = 3
IRQ_GATTS_INDICATE_DONE = 20
IRQ_MTU_EXCHANGED = 21
IRQ_ENCRYPTION_UPDATE = 28

# bluetooth flags -> Bumble properties (the low byte is the same) and permissions
FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_READ_ENCRYPTED = 0x0200
FLAG_READ_AUTHENTICATED = 0x0400
FLAG_WRITE_ENCRYPTED = 0x1000
FLAG_WRITE_AUTHENTICATED = 0x2000
_PERMISSION_BITS = (
    (FLAG_READ_ENCRYPTED, att.Attribute.READ_REQUIRES_ENCRYPTION),
    (FLAG_READ_AUTHENTICATED, att.Attribute.READ_REQUIRES_AUTHENTICATION),
    (FLAG_WRITE_ENCRYPTED, att.Attribute.WRITE_REQUIRES_ENCRYPTION),
    (FLAG_WRITE_AUTHENTICATED, att.Attribute.WRITE_REQUIRES_AUTHENTICATION),
)
NIMBLE_PREFERRED_MTU = 256  # NimBLE's BLE_ATT_PREFERRED_MTU default, before config(mtu=)
BONDS_FILE = "ble_bonds.json"  # in the board's flash folder


def _permissions(flags: int) -> att.Attribute.Permissions:
    perms = att.Attribute.Permissions(0)
    if flags & FLAG_READ:
        perms |= att.Attribute.READABLE
    if flags & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE):
        perms |= att.Attribute.WRITEABLE
    for flag, perm in _PERMISSION_BITS:
        if flags & flag:
            perms |= perm
    return perms


def _may_write(attribute: att.Attribute, connection: Connection | None) -> bool:
    if connection is None:
        return True
    perms = attribute.permissions
    if perms & att.Attribute.WRITE_REQUIRES_ENCRYPTION and not connection.encryption:
        return False
    return not (perms & att.Attribute.WRITE_REQUIRES_AUTHENTICATION and not connection.encryption)


class NimbleServer(gatt_server.Server):
    """Bumble's GATT server, with NimBLE's silent drop of a Write Command it may not take."""

    def on_att_write_command(self, bearer: Any, request: att.ATT_Write_Command) -> Any:
        attribute = self.get_attribute(request.attribute_handle)
        connection = getattr(bearer, "connection", bearer)
        if attribute is not None and not _may_write(attribute, connection):
            return None  # ble_att_svr_rx_write_no_rsp: nothing written, nothing answered
        return super().on_att_write_command(bearer, request)  # Bumble runs it in a task


def peer_key(connection: Connection) -> str:
    return str(connection.peer_address)


class BoardRadio:
    """Carries out the stand-in's calls (handle()) and sends it IRQs (send)."""

    def __init__(
        self,
        link: LocalLink,
        flash: Path,
        send: Callable[[list[Any]], None],
        on_advertising: Callable[[str], None] | None = None,
    ) -> None:
        self.link = link
        self.flash = flash
        self.send = send
        self.on_advertising = on_advertising
        self.device: Device | None = None
        self.active = False
        self.radio_on = True
        self.bond = False  # config(bond=...): may a pairing now bond
        self.played = False  # the board's recording has run out
        self.advertising: list[Any] | None = None  # the last gap_advertise's arguments
        self.chars: dict[int, gatt.Characteristic[bytes]] = {}
        self.values: dict[int, bytes] = {}
        self.limits: dict[int, int] = {}
        self.keys: BondingKeys | None = None
        self.pairing: set[int] = set()  # connection handles pairing now
        self.name = ""
        self.mtu = NIMBLE_PREFERRED_MTU

    # -- messages ---------------------------------------------------------------------------

    async def handle(self, msg: list[Any]) -> None:
        kind, args = msg[0], msg[1:]
        await getattr(self, "_on_" + kind)(*args)

    async def _on_active(self, on: int, mac_hex: str) -> None:
        if on and self.device is None:
            await self._power_on(bytes.fromhex(mac_hex))
        if not on:
            await self._drop_all()
            self.advertising = None
            self.chars.clear()
        self.active = bool(on)

    async def _on_config(self, values: dict[str, Any]) -> None:
        if "gap_name" in values:
            self.name = str(values["gap_name"])
        if "mtu" in values:
            self.mtu = int(values["mtu"])
            if self.device is not None:
                self.device.gatt_server.max_mtu = self.mtu
        if "bond" in values:
            self.bond = bool(values["bond"])
            self._announce()

    async def _on_register(self, services: list[Any]) -> None:
        device = self._device()
        device.gatt_server = NimbleServer(device)
        device.gatt_server.max_mtu = self.mtu
        device.name = self.name or "MPY ESP32"
        device.add_default_services()
        self.chars.clear()
        self.values.clear()
        out = []
        for uuid_hex, chars in services:
            made = [self._characteristic(*c) for c in chars]
            out.append(gatt.Service(UUID.from_bytes(bytes.fromhex(uuid_hex)), made))
        device.add_services(out)

    def _characteristic(
        self, uuid_hex: str, flags: int, handle: int, descs: list[Any]
    ) -> gatt.Characteristic[bytes]:
        def read(_conn: Connection) -> bytes:
            return self.values.get(handle, b"")

        def write(conn: Connection, value: bytes) -> None:
            self.values[handle] = bytes(value[: self.limits.get(handle, 20)])
            self.send([IRQ_GATTS_WRITE, conn.handle, handle, bytes(value).hex()])

        char: gatt.Characteristic = gatt.Characteristic(
            UUID.from_bytes(bytes.fromhex(uuid_hex)),
            gatt.Characteristic.Properties(flags & 0xFF),
            _permissions(flags),
            gatt.CharacteristicValue(read=read, write=write),
        )
        self.chars[handle] = char
        self.values[handle] = b""
        return char

    async def _on_write(self, handle: int, value_hex: str, send_update: bool) -> None:
        value = bytes.fromhex(value_hex)
        self.values[handle] = value
        if send_update and handle in self.chars and self.radio_on:
            await self._device().notify_subscribers(self.chars[handle], value)

    async def _on_notify(self, conn_handle: int, handle: int, value_hex: str) -> None:
        conn = self._connection(conn_handle)
        if conn is not None and handle in self.chars:
            await self._device().notify_subscriber(
                conn, self.chars[handle], bytes.fromhex(value_hex), force=True
            )

    async def _on_indicate(self, conn_handle: int, handle: int, value_hex: str) -> None:
        conn = self._connection(conn_handle)
        status = 0
        if conn is None or handle not in self.chars:
            return
        try:
            await self._device().indicate_subscriber(
                conn, self.chars[handle], bytes.fromhex(value_hex), force=True
            )
        except Exception:
            status = 1
        self.send([IRQ_GATTS_INDICATE_DONE, conn_handle, handle, status])

    async def _on_played(self) -> None:
        self.played = True
        self._announce()

    async def _on_buffer(self, handle: int, length: int) -> None:
        self.limits[handle] = length

    async def _on_advertise(
        self, interval_us: int | None, adv_hex: str | None, resp_hex: str | None, conn: bool
    ) -> None:
        device = self._device()
        if device.is_advertising:
            await device.stop_advertising()
        if interval_us is None:
            self.advertising = None
            return
        self.advertising = [interval_us, adv_hex, resp_hex, conn]
        await self._advertise()

    async def _advertise(self) -> None:
        if not (self.radio_on and self.active and self.advertising):
            return
        interval_us, adv_hex, resp_hex, connectable = self.advertising
        kind = AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE
        if not connectable:
            kind = AdvertisingType.UNDIRECTED_SCANNABLE
        ms = max(20.0, interval_us / 1000)
        await self._device().start_advertising(
            advertising_type=kind,
            own_address_type=hci.OwnAddressType.RANDOM,
            advertising_data=bytes.fromhex(adv_hex or ""),
            scan_response_data=bytes.fromhex(resp_hex or ""),
            advertising_interval_min=ms,
            advertising_interval_max=ms,
        )
        self._announce()

    def _announce(self) -> None:
        if self.on_advertising is None or not self.advertising:
            return
        data = AdvertisingData.from_bytes(bytes.fromhex(self.advertising[1] or ""))
        name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
        if isinstance(name, str):
            self.on_advertising(name)

    async def _on_disconnect(self, conn_handle: int) -> None:
        conn = self._connection(conn_handle)
        if conn is not None:
            await conn.disconnect()

    async def _on_pair(self, conn_handle: int) -> None:
        conn = self._connection(conn_handle)
        if conn is not None:
            conn.request_pairing()

    async def _on_radio(self, on: int) -> None:
        """The radio goes away (--radio-off-ms) and comes back: links drop, advertising
        stops, then resumes as the firmware last asked."""
        self.radio_on = bool(on)
        device = self._device()
        if not on:
            if device.is_advertising:
                await device.stop_advertising()
            await self._drop_all(hci.HCI_CONNECTION_TIMEOUT_ERROR)
        else:
            await self._advertise()

    # -- the device ----------------------------------------------------------------------------

    def _device(self) -> Device:
        if self.device is None:
            raise RuntimeError("the board's BLE was never made active")
        return self.device

    def _connection(self, handle: int) -> Connection | None:
        return self._device().connections.get(handle)

    async def _power_on(self, mac: bytes) -> None:
        # The board's BT address, as its identity. Bumble's LocalLink carries LE data from a
        # controller's random address only, so it is also the (static) random address the
        # board advertises from: a host sees the same six bytes.
        text = ":".join(f"{b:02X}" for b in mac)
        address = hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)
        controller = Controller("footfall-board", link=self.link, public_address=text)
        host = Host(controller, AsyncPipeSink(controller))
        device = Device(name="MPY ESP32", address=address, host=host)
        device.pairing_config_factory = self._pairing_config
        device.on(Device.EVENT_CONNECTION, self._on_connection)
        self.keys = BondingKeys(
            device, JsonKeyStore("footfall-board", str(self.flash / BONDS_FILE))
        )
        await self.keys.load()
        device.keystore = self.keys
        await device.power_on()
        self.device = device

    def _pairing_config(self, _conn: Connection) -> PairingConfig:
        delegate = PairingDelegate(io_capability=PairingDelegate.NO_OUTPUT_NO_INPUT)
        return PairingConfig(
            sc=True,
            mitm=False,
            bonding=self.bond,
            delegate=delegate,
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

    async def _drop_all(
        self, reason: int = hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR
    ) -> None:
        if self.device is None:
            return
        for conn in list(self.device.connections.values()):
            try:
                await conn.disconnect(reason)
            except Exception as exc:
                log.debug("disconnect: %s", exc)

    def _on_connection(self, conn: Connection) -> None:
        if not (self.active and self.radio_on):
            asyncio.ensure_future(conn.disconnect())
            return
        handle = conn.handle
        addr = bytes.fromhex(peer_key(conn).split("/")[0].replace(":", ""))
        addr_type = 0 if conn.peer_address.is_public else 1
        self.send([IRQ_CENTRAL_CONNECT, handle, addr_type, addr.hex()])

        def gone(_reason: int) -> None:
            self.pairing.discard(handle)
            self.send([IRQ_CENTRAL_DISCONNECT, handle, addr_type, addr.hex()])

        def mtu() -> None:
            self.send([IRQ_MTU_EXCHANGED, handle, conn.att_mtu])

        def started() -> None:
            self.pairing.add(handle)

        def encrypted() -> None:
            if handle not in self.pairing:  # a bonded central's stored keys
                self._encryption_update(conn, self._bonded(conn))

        def paired(_keys: PairingKeys) -> None:
            self.pairing.discard(handle)
            self._encryption_update(conn, self._bonded(conn))

        def failed(_reason: int) -> None:
            self.pairing.discard(handle)
            self._encryption_update(conn, False)

        conn.on(Connection.EVENT_DISCONNECTION, gone)
        conn.on(Connection.EVENT_CONNECTION_ATT_MTU_UPDATE, mtu)
        conn.on(Connection.EVENT_PAIRING_START, started)
        conn.on(Connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, encrypted)
        conn.on(Connection.EVENT_PAIRING, paired)
        conn.on(Connection.EVENT_PAIRING_FAILURE, failed)

    def _bonded(self, conn: Connection) -> bool:
        return self.keys is not None and peer_key(conn) in self.keys.bonded

    def _encryption_update(self, conn: Connection, bonded: bool) -> None:
        on = bool(conn.encryption)
        size = conn.encryption_key_size if on else 0
        self.send([IRQ_ENCRYPTION_UPDATE, conn.handle, on, False, on and bonded, size])


class Pipe:
    """The frames of the stand-in's wire format (4 hex digits of length, JSON) on two fds."""

    def __init__(self, rx_fd: int, tx_fd: int) -> None:
        self.rx_fd = rx_fd
        self.tx_fd = tx_fd
        self._buf = b""

    def send(self, msg: list[Any]) -> None:
        body = json.dumps(msg).encode()
        data = b"%04x" % len(body) + body
        while data:
            n = os.write(self.tx_fd, data)
            data = data[n:]

    def feed(self) -> list[list[Any]] | None:
        """The messages now readable; None at end of file (the board has stopped)."""
        chunk = os.read(self.rx_fd, 65536)
        if not chunk:
            return None
        self._buf += chunk
        out = []
        while len(self._buf) >= 4:
            n = int(self._buf[:4], 16)
            if len(self._buf) < 4 + n:
                break
            out.append(json.loads(self._buf[4 : 4 + n]))
            self._buf = self._buf[4 + n :]
        return out
