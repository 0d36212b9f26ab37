# ruff: noqa: E402 - bumble is imported after require() names its extra when absent
"""A bleak backend on a Bumble central attached to an in-process virtual radio (no hardware).

    radio = VirtualRadio()                       # inside a running event loop
    Scanner, Client = radio.bleak_backends()     # bleak backend classes bound to this radio
    device = await BleakScanner.find_device_by_name("footfall-1A2B", backend=Scanner)
    async with BleakClient(device, backend=Client) as client: ...

Host code stays plain bleak: only `backend=` differs. Every backend class created by one
radio shares one central Device, as a laptop's adapter is shared by its apps. Pass
`bumble={"mtu": N}` to BleakClient to choose the ATT MTU the central asks for (23: no
exchange). Peripherals (e.g. footfall.sim.ble_peripheral) join the same radio with
`radio.new_device(name)`.
"""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from collections.abc import Callable
from typing import Any, ClassVar

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError

from footfall.extras import require

require("bumble")  # the ble-sim extra: MissingExtra, naming it, when it is absent

from bumble import core, gatt_client, hci
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.hci import Address
from bumble.host import Host
from bumble.keys import JsonKeyStore, KeyStore, MemoryKeyStore, PairingKeys
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport.common import AsyncPipeSink

DEFAULT_MTU = 247
ATT_MIN_MTU = 23
# ATT errors after which a central's OS secures the link and retries a write (BlueZ,
# CoreBluetooth and Windows do this for a Write Request; a Write Command gets no error)
INSUFFICIENT_SECURITY = (0x05, 0x0F)  # Insufficient Authentication, Insufficient Encryption

_PROPERTY_NAMES: dict[int, CharacteristicPropertyName] = {
    0x01: "broadcast",
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
    0x40: "authenticated-signed-writes",
    0x80: "extended-properties",
}


def uuid_str(u: core.UUID) -> str:
    """bleak's spelling of a UUID: 128-bit, lower case, dashed."""
    return str(uuidlib.UUID(bytes=bytes(reversed(u.to_bytes(force_128=True)))))


def pairing_config(_conn: Connection) -> PairingConfig:
    """LE Secure Connections, Just Works (no display, no keyboard), bonding asked for."""
    delegate = PairingDelegate(io_capability=PairingDelegate.NO_OUTPUT_NO_INPUT)
    return PairingConfig(
        sc=True,
        mitm=False,
        bonding=True,
        delegate=delegate,
        identity_address_type=PairingConfig.AddressType.RANDOM,  # the fixed static address
    )


class BondingKeys(KeyStore):
    """A key store that keeps a pairing's keys only when both sides asked to bond.

    Bumble's SMP stores every pairing's keys; a real stack (NimBLE, BlueZ) keeps them only
    for a bond (Core Vol 3 Part H 3.5.1: the AuthReq bonding flags of both sides).
    `bonded` holds the names (peer addresses) with keys, for synchronous checks."""

    def __init__(self, device: Device, inner: KeyStore) -> None:
        self.device = device
        self.inner = inner
        self.bonded: set[str] = set()

    async def load(self) -> None:
        self.bonded = {name for name, _ in await self.inner.get_all()}

    async def update(self, name: str, keys: PairingKeys) -> None:
        sessions = self.device.smp_manager.sessions.values()
        if any(not s.bonding for s in sessions):
            return
        self.bonded.add(name)
        await self.inner.update(name, keys)

    async def delete(self, name: str) -> None:
        self.bonded.discard(name)
        await self.inner.delete(name)

    async def get(self, name: str) -> PairingKeys | None:
        return await self.inner.get(name)

    async def get_all(self) -> list[tuple[str, PairingKeys]]:
        return await self.inner.get_all()

    async def delete_all(self) -> None:
        self.bonded.clear()
        await self.inner.delete_all()


def json_keys(path: str) -> JsonKeyStore:
    return JsonKeyStore("footfall", path)


class VirtualRadio:
    """One shared Bluetooth LE 'air' in this process: a bumble LocalLink plus devices on it."""

    def __init__(self) -> None:
        require("bumble")  # MissingExtra, naming footfall[ble-sim], when it is not installed

        self.link = LocalLink()
        self._count = 0
        self._central: Device | None = None
        self._central_lock = asyncio.Lock()

    def new_device(self, name: str) -> Device:
        """A bumble Device on its own virtual controller, with a unique static address."""
        from bumble.device import Device
        from bumble.hci import Address

        self._count += 1
        address = f"F0:00:00:00:{self._count >> 8:02X}:{self._count & 0xFF:02X}"
        controller = Controller(name, link=self.link, public_address=address)
        host = Host(controller, AsyncPipeSink(controller))
        device = Device(name=name, address=Address(address), host=host)
        device.random_address = Address(address)
        return device

    async def central(self) -> Device:
        """The host side's adapter, created and powered on at first use."""
        async with self._central_lock:
            if self._central is None:
                device = await self._make_central()
                device.pairing_config_factory = pairing_config
                keys = BondingKeys(device, device.keystore or MemoryKeyStore())
                await keys.load()
                device.keystore = keys
                self._central = device
        return self._central

    async def _make_central(self) -> Device:
        device = self.new_device("footfall-host")
        await device.power_on()
        return device

    def bleak_backends(self) -> tuple[type[BumbleScanner], type[BumbleClient]]:
        """bleak backend classes (scanner, client) bound to this radio."""
        attrs = {"radio": self}
        scanner = type("BumbleScanner", (BumbleScanner,), attrs)
        client = type("BumbleClient", (BumbleClient,), attrs)
        return scanner, client


def _radio(obj: BumbleScanner | BumbleClient) -> VirtualRadio:
    if obj.radio is None:
        raise BleakError("no VirtualRadio: use the classes from VirtualRadio.bleak_backends()")
    return obj.radio


def _advertisement_data(adv: Advertisement) -> AdvertisementData:

    data = adv.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
        AdvertisingData.SHORTENED_LOCAL_NAME
    )
    uuids: list[str] = []
    for kind in (
        AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    ):
        for found in data.get_all(kind):
            uuids.extend(uuid_str(u) for u in found)
    maker = {c: bytes(v) for c, v in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)}
    tx = data.get(AdvertisingData.TX_POWER_LEVEL)
    return AdvertisementData(
        local_name=name if isinstance(name, str) else None,
        manufacturer_data=maker,
        service_data={},
        service_uuids=uuids,
        tx_power=tx if isinstance(tx, int) else None,
        rssi=adv.rssi,
        platform_data=(adv,),
    )


class BumbleScanner(BaseBleakScanner):
    """BaseBleakScanner on the radio's central: active scanning, duplicates reported."""

    radio: ClassVar[VirtualRadio | None] = None

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **options: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._central: Device | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._central = await _radio(self).central()
        self._central.on(self._central.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self._central.start_scanning(active=self._active, filter_duplicates=False)

    async def stop(self) -> None:
        if self._central is not None:
            self._central.remove_listener(
                self._central.EVENT_ADVERTISEMENT, self._on_advertisement
            )
            await self._central.stop_scanning()
            self._central = None

    def _on_advertisement(self, adv: Advertisement) -> None:
        ad = _advertisement_data(adv)
        if not self.is_allowed_uuid(ad.service_uuids):
            return
        address = str(adv.address).split("/")[0]
        device = self.create_or_update_device(address, address, ad.local_name, adv, ad)
        self.call_detection_callbacks(device, ad)


class BumbleClient(BaseBleakClient):
    """BaseBleakClient on the radio's central: connect, discover, read, write, notify."""

    radio: ClassVar[VirtualRadio | None] = None

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        **options: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._seen = isinstance(address_or_ble_device, BLEDevice)
        details = getattr(address_or_ble_device, "details", None)
        # the advertised address with its type (public or random), as the scan saw it
        self._target: Address | str = (
            details.address if isinstance(details, Advertisement) else self.address
        )
        self._name = getattr(address_or_ble_device, "name", None) or self.address
        self._wanted_mtu = int(options.get("bumble", {}).get("mtu", DEFAULT_MTU))
        self._conn: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._closing = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def mtu_size(self) -> int:
        return self._conn.att_mtu if self._conn is not None else ATT_MIN_MTU

    @property
    def is_connected(self) -> bool:
        return self._conn is not None

    async def _wait_for_advertiser(self) -> None:
        # Like bleak's own backends: an address never seen must be found by a scan first,
        # so a device that is not there fails within `timeout` with a clear error.
        found = asyncio.Event()
        scanner = type(self)._scanner_class()(None, None)
        scanner.register_detection_callback(
            lambda d, _ad: found.set() if d.address.upper() == self.address.upper() else None
        )
        await scanner.start()
        try:
            await asyncio.wait_for(found.wait(), self._timeout)
        except TimeoutError:
            raise BleakDeviceNotFoundError(
                self.address, f"device {self.address} was not found within {self._timeout} s"
            ) from None
        finally:
            await scanner.stop()

    @classmethod
    def _scanner_class(cls) -> type[BumbleScanner]:
        return type("BumbleScanner", (BumbleScanner,), {"radio": cls.radio})

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        from bumble import core
        from bumble.device import Connection, Peer

        central = await _radio(self).central()
        if not self._seen:
            await self._wait_for_advertiser()
        try:
            conn = await asyncio.wait_for(central.connect(self._target), self._timeout)
        except (TimeoutError, core.BaseBumbleError) as e:
            raise BleakError(f"could not connect to {self.address}: {e}") from e
        self._conn = conn
        self._closing = False
        conn.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        self._peer = Peer(conn)
        if self._wanted_mtu > ATT_MIN_MTU:
            await self._peer.request_mtu(self._wanted_mtu)
        self.services = await self._discover()

    def _on_disconnection(self, _reason: int) -> None:
        self._conn = None
        self._peer = None
        if not self._closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def _discover(self) -> BleakGATTServiceCollection:
        peer = self._require_peer()
        out = BleakGATTServiceCollection()
        await peer.discover_services()
        for service in peer.services:
            out.add_service(BleakGATTService(service, service.handle, uuid_str(service.uuid)))
            await service.discover_characteristics()
            for c in service.characteristics:
                props = [n for bit, n in _PROPERTY_NAMES.items() if c.properties & bit]
                char = BleakGATTCharacteristic(
                    c,
                    c.handle,
                    uuid_str(c.uuid),
                    props,
                    lambda: self.mtu_size - 3,
                    out.services[service.handle],
                )
                out.add_characteristic(char)
                await c.discover_descriptors()
                for d in c.descriptors:
                    out.add_descriptor(BleakGATTDescriptor(d, d.handle, uuid_str(d.type), char))
        return out

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError(f"not connected to {self.address}")
        return self._peer

    async def disconnect(self) -> None:
        from bumble.device import Connection

        conn = self._conn
        if conn is None:
            return
        self._closing = True
        gone = asyncio.Event()
        conn.once(Connection.EVENT_DISCONNECTION, lambda _r: gone.set())
        await conn.disconnect()
        await asyncio.wait_for(gone.wait(), self._timeout)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pair (and bond, if the peripheral lets it) now."""
        conn = self._require_conn()
        try:
            await conn.pair()
        except (core.BaseBumbleError, hci.HCI_Error) as e:
            raise BleakError(f"pairing with {self.address} failed: {e}") from e

    def _require_conn(self) -> Connection:
        if self._conn is None:
            raise BleakError(f"not connected to {self.address}")
        return self._conn

    async def _secure(self) -> None:
        # What a central's OS does on "insufficient encryption": re-encrypt with the bond's
        # keys if it has some, else pair; keys the peripheral no longer knows are dropped.
        conn = self._require_conn()
        central = await _radio(self).central()
        name = str(conn.peer_address)
        if central.keystore is not None and await central.keystore.get(name) is not None:
            try:
                await conn.encrypt()
                return
            except (core.BaseBumbleError, hci.HCI_Error):
                await central.keystore.delete(name)
        await self.pair()

    async def unpair(self) -> None:
        raise NotImplementedError("pairing is not supported by the bumble backend")

    async def _att(self, op: Any) -> Any:
        from bumble import core

        if self._peer is None:
            op.close()  # never awaited: close the coroutine so no warning is left behind
        self._require_peer()
        try:
            return await op
        except core.ProtocolError as e:
            if e.error_namespace == "att" and e.error_code is not None:
                raise BleakGATTProtocolError(e.error_code) from e
            raise BleakError(str(e)) from e

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kw: Any
    ) -> bytearray:
        proxy: gatt_client.CharacteristicProxy = characteristic.obj
        return bytearray(await self._att(proxy.read_value()))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kw: Any
    ) -> bytearray:
        return bytearray(await self._att(descriptor.obj.read_value()))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        proxy: gatt_client.CharacteristicProxy = characteristic.obj
        try:
            await self._att(proxy.write_value(bytes(data), with_response=response))
        except BleakGATTProtocolError as e:
            if not response or e.code not in INSUFFICIENT_SECURITY:
                raise
            await self._secure()
            await self._att(proxy.write_value(bytes(data), with_response=True))

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        await self._att(descriptor.obj.write_value(bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = subscriber
        await self._att(characteristic.obj.subscribe(subscriber, prefer_notify=True))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await self._att(characteristic.obj.unsubscribe(subscriber))
