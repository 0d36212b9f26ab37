"""An emulated footfall BLE peripheral on a bumble virtual radio, serving the core's protocol.

Services (UUIDs and encodings from footfall_core.ble_defs, as the firmware uses them):
sync (write SYNC_RX, notify SYNC_TX) answered by footfall_core's SyncServer, one per
connection, its frames cut into notifications of ATT MTU - 3 bytes; Running Speed and
Cadence 0x1814 (RSC Measurement notified every `rsc_interval_s`, RSC Feature, Sensor
Location); Device Information 0x180A; Battery 0x180F.

    radio = VirtualRadio()
    peripheral = FootfallPeripheral(radio, store=MemoryStore({1: (start_s, dur_s, steps, data)}))
    await peripheral.start()
    peripheral.set_cadence(172, running=True)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from footfall_core import ble_defs as B
from footfall_core import protocol as P
from footfall_core.crc import session_crc
from footfall_core.sync_server import SyncServer

from footfall.transport.ble_bumble import VirtualRadio

if TYPE_CHECKING:  # bumble (the ble-sim extra) is imported where it is used: a VirtualRadio
    # checks it is installed before any peripheral can exist
    from bumble import gatt
    from bumble.device import Connection

log = logging.getLogger(__name__)


class MemoryStore:
    """SyncServer's store interface over sessions held in memory: {id: (start_s, duration_s,
    steps, file bytes)}."""

    def __init__(self, sessions: dict[int, tuple[int, int, int, bytes]] | None = None) -> None:
        self.files = dict(sessions or {})
        self.synced: set[int] = set()  # the sessions a host marked SYNCED

    def sessions(self) -> list[int]:
        return sorted(self.files)

    def session_info(self, sid: int) -> tuple[int, int, int, int, int]:
        start_s, duration_s, steps, data = self.files[sid]
        return start_s, duration_s, steps, len(data), session_crc(data)

    def read_into(self, sid: int, offset: int, buf: bytearray, start: int, n: int) -> int:
        data = self.files[sid][3][offset : offset + n]
        buf[start : start + len(data)] = data
        return len(data)

    def delete(self, sid: int) -> None:
        del self.files[sid]
        self.synced.discard(sid)

    def mark_synced(self, sid: int) -> bool:
        new = sid not in self.synced
        self.synced.add(sid)
        return new

    def free_bytes(self) -> int:
        return 6 * 1024 * 1024 - sum(len(f[3]) for f in self.files.values())

    def total_bytes(self) -> int:
        return 6 * 1024 * 1024


class MemoryConfig:
    """SyncServer's config interface: a dict; `check(name, value)` raises ValueError."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        defaults = {"target_spm": 170, "tolerance_spm": 3, "auto_target": True}
        self.values: dict[str, Any] = dict(values or defaults)

    def get(self) -> dict[str, Any]:
        return dict(self.values)

    def set(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name not in self.values:
                raise ValueError(f"config: unknown field {name!r}")
            if type(value) is not type(self.values[name]):
                raise ValueError(f"config: {name} must be {type(self.values[name]).__name__}")
        self.values.update(changes)


class _Link:
    """One connection's SyncServer and the notifications waiting to go out."""

    def __init__(self, peripheral: FootfallPeripheral, conn: Connection) -> None:
        self.conn = conn
        self.pending = bytearray()
        self.ready = asyncio.Event()
        self.server = SyncServer(
            peripheral.store, peripheral.config, peripheral, self._send, self.payload_size()
        )
        self.task = asyncio.create_task(peripheral._notifier(self))

    def payload_size(self) -> int:
        return B.sync_payload_size(self.conn.att_mtu)

    def _send(self, buf: bytearray, n: int) -> None:
        # Called inside SyncServer.feed: only enqueue; the notifier task sends.
        self.pending += buf[:n]
        self.ready.set()


class FootfallPeripheral:
    """The emulated sensor. Also the `device` object SyncServer needs (identity, status)."""

    fw_version = (0, 1, 0)
    capabilities = P.CAP_LIVE | P.CAP_RSC | P.CAP_BLE

    def __init__(
        self,
        radio: VirtualRadio,
        *,
        device_id: bytes = bytes.fromhex("246f281a2b3c"),
        store: MemoryStore | None = None,
        config: MemoryConfig | None = None,
        placement: str = "waist",
        max_mtu: int = 247,
        rsc_interval_s: float = 1.0,
    ) -> None:
        self.device_id = device_id
        self.name = B.device_name(device_id)
        self.store = store or MemoryStore()
        self.config = config or MemoryConfig()
        self.rsc_interval_s = rsc_interval_s
        self.cadence_spm = 0
        self.running = False
        self.battery_pct = 87
        self.time_s = 0
        self.live = False
        self.links: dict[int, _Link] = {}
        self.device = radio.new_device(self.name)
        self.device.gatt_server.max_mtu = max_mtu
        self._rsc_task: asyncio.Task[None] | None = None
        self._build(placement)

    @property
    def address(self) -> str:
        return str(self.device.public_address).split("/")[0]

    def status(self) -> tuple[int, int, int, int]:
        return 3900, self.battery_pct, 2 if self.running else 0, 0

    def set_time(self, unix_s: int) -> None:
        self.time_s = unix_s

    def set_live(self, on: bool) -> None:
        self.live = on

    def set_cadence(self, cadence_spm: int, running: bool = True) -> None:
        """What the next RSC Measurement notification reports."""
        self.cadence_spm = cadence_spm
        self.running = running

    def _build(self, placement: str) -> None:
        from bumble import gatt
        from bumble.core import UUID

        Props = gatt.Characteristic.Properties
        rx: gatt.Characteristic[bytes] = gatt.Characteristic(
            B.SYNC_RX_UUID,
            Props.WRITE | Props.WRITE_WITHOUT_RESPONSE,
            gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue(write=self._on_sync_write),
        )
        self.sync_tx = gatt.Characteristic(
            B.SYNC_TX_UUID, Props.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        self.rsc_measurement = gatt.Characteristic(
            UUID.from_16_bits(B.RSC_MEASUREMENT), Props.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        feature = B.RSC_FEATURE_WALKING_OR_RUNNING.to_bytes(2, "little")
        location = bytes([B.PLACEMENT_LOCATION.get(placement, B.LOCATION_OTHER)])
        self.battery_level: gatt.Characteristic[bytes] = gatt.Characteristic(
            UUID.from_16_bits(B.BATTERY_LEVEL),
            Props.READ | Props.NOTIFY,
            gatt.Characteristic.READABLE,
            gatt.CharacteristicValue(read=lambda _c: bytes([self.battery_pct])),
        )
        dis = [
            (B.MANUFACTURER_NAME, b"footfall"),
            (B.MODEL_NUMBER, b"footfall-sim"),
            (B.SERIAL_NUMBER, self.device_id.hex().upper().encode()),
            (B.FIRMWARE_REVISION, ".".join(map(str, self.fw_version)).encode()),
        ]

        def readable(uuid16: int, value: bytes) -> gatt.Characteristic:
            return gatt.Characteristic(
                UUID.from_16_bits(uuid16), Props.READ, gatt.Characteristic.READABLE, value
            )

        self.device.add_services(
            [
                gatt.Service(B.SYNC_SERVICE_UUID, [rx, self.sync_tx]),
                gatt.Service(
                    UUID.from_16_bits(B.RSC_SERVICE),
                    [
                        self.rsc_measurement,
                        readable(B.RSC_FEATURE, feature),
                        readable(B.SENSOR_LOCATION, location),
                    ],
                ),
                gatt.Service(
                    UUID.from_16_bits(B.DEVICE_INFORMATION_SERVICE),
                    [readable(u, v) for u, v in dis],
                ),
                gatt.Service(UUID.from_16_bits(B.BATTERY_SERVICE), [self.battery_level]),
            ]
        )
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)

    def _advertising_data(self) -> tuple[bytes, bytes]:
        from bumble.core import UUID, AdvertisingData

        adv = AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),  # LE general discoverable, no BR/EDR
                (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                (
                    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                    B.RSC_SERVICE.to_bytes(2, "little"),
                ),
            ]
        )
        sync_uuid = UUID(B.SYNC_SERVICE_UUID).to_bytes(force_128=True)
        scan = AdvertisingData(
            [(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, sync_uuid)]
        )
        return bytes(adv), bytes(scan)

    async def start(self) -> None:
        """Power on, advertise as footfall-XXXX, and notify RSC every rsc_interval_s."""
        await self.device.power_on()
        adv, scan = self._advertising_data()
        await self.device.start_advertising(
            advertising_data=adv,
            scan_response_data=scan,
            auto_restart=True,
            advertising_interval_min=20,
            advertising_interval_max=20,
        )
        self._rsc_task = asyncio.create_task(self._rsc_loop())

    async def stop(self) -> None:
        if self._rsc_task is not None:
            self._rsc_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rsc_task
        for link in list(self.links.values()):
            link.task.cancel()
        await self.device.stop_advertising()

    async def disconnect_all(self) -> None:
        """Drop every connection from the peripheral's side (e.g. the runner walks away)."""
        for link in list(self.links.values()):
            await link.conn.disconnect()

    def _on_connection(self, conn: Connection) -> None:
        self.links[conn.handle] = _Link(self, conn)

        def gone(_reason: int) -> None:
            link = self.links.pop(conn.handle, None)
            if link is not None:
                link.task.cancel()

        conn.on(conn.EVENT_DISCONNECTION, gone)

    def _on_sync_write(self, conn: Connection, value: bytes) -> None:
        link = self.links.get(conn.handle)
        if link is None:
            return
        link.server.max_payload = link.payload_size()  # the MTU may have changed
        link.server.feed(value)

    async def _notifier(self, link: _Link) -> None:
        while True:
            await link.ready.wait()
            link.ready.clear()
            while link.pending:
                size = link.conn.att_mtu - 3
                chunk = bytes(link.pending[:size])
                del link.pending[:size]
                await self.device.notify_subscriber(link.conn, self.sync_tx, chunk)

    async def _rsc_loop(self) -> None:
        value = bytearray(B.RSC_MEASUREMENT_SIZE)
        while True:
            B.pack_rsc_measurement(value, self.cadence_spm, self.running)
            await self.device.notify_subscribers(self.rsc_measurement, bytes(value))
            await asyncio.sleep(self.rsc_interval_s)
