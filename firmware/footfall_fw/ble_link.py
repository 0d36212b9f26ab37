"""BLE with aioble: sync service (core SyncServer frames), RSC live cadence, DIS and Battery.

The only module that imports `aioble` and `bluetooth` (the app imports it only when the port
has `bluetooth`). Installed with `mpremote mip install aioble` or frozen (manifest.py).

    link = BleLink(device, store, config, tracker, placement="waist", model="m5stickc_plus2")
    await link.start()   # radio on, services registered, advertising as footfall-XXXX
    await link.stop()    # radio off (the app: off during a run unless live mode is on)

Services (UUIDs and encodings from footfall_core.ble_defs): sync (SYNC_RX write / write
without response, SYNC_TX notify), Running Speed and Cadence 0x1814 (RSC Measurement
notified every RSC_MS, RSC Feature, Sensor Location), Device Information 0x180A, Battery
0x180F.

One central is served at a time. Its writes are fed to one SyncServer (buffers made once);
reply frames go into a preallocated ring and a notifier sends them in slices of ATT MTU - 3
bytes. Notifications are paced (a short sleep after every BURST of them, and a back-off
retry when the stack is out of buffers: NimBLE's gatts_notify raises OSError ENOMEM) so the
ESP32's mbuf pool is never exhausted. Writes wait while the ring is nearly full; a frame
that still does not fit is dropped and counted, and the host's GET window logic recovers.

BLE trouble stays in this module: a stack that will not start is retried every
START_RETRY_MS, a failed advertise() after a doubling back-off, a refused RSC or battery
update is skipped, and a connection that fails is dropped; each is counted (failures,
adv_errors, rsc_errors) and none reaches the loop's exception handler, which would reset
the board, or the sampler.

Security (docs/store-and-sync.md, BLE security): sync needs an encrypted link
(_FLAG_*_ENCRYPTED) and is served only to a bonded central. A central may bond only in the
pairing window (open_pairing(): button B held, PAIRING_MS); outside it the stack pairs
without bonding and a central encrypted but not bonded is hung up on at its first sync
write. Just Works: no MITM protection. A port whose `BLE.config` refuses `bond` serves no
sync at all (`sync_refused`); RSC, DIS and Battery stay open, as watches expect. NimBLE drops
an unencrypted Write Command without a word: a host writes with response first.
"""

import asyncio  # noqa: I001 - bluetooth before aioble: the app reads which one is missing
import sys
import time

import bluetooth
import aioble  # type: ignore[import-not-found]  # micropython-lib, no stubs
from footfall_core import ble_defs as B
from footfall_core.activity import RUNNING
from footfall_core.sync_server import SyncServer
from micropython import const

_FLAG_READ_ENCRYPTED = const(0x0200)
_FLAG_WRITE_ENCRYPTED = const(0x1000)
_IO_NO_INPUT_OUTPUT = const(3)

# 1 s: a phone still finds the board within a few seconds, at a quarter of the radio's
# advertising cost at 250 ms (hardware/power_currents.csv, ble.advertising_event_mA_ms).
ADV_INTERVAL_US = 1_000_000
RSC_MS = 1000  # RSC Measurement period (1 Hz)
BATTERY_TICKS = 30  # battery level refreshed every this many RSC periods
MTU = 247  # ATT MTU offered in the exchange the central starts
RX_MAX = MTU - 3  # longest write (the attribute buffer; the default would be 20 bytes)
RING = 4096  # reply bytes waiting to be notified: a GET window of 8 frames at MTU 247 + room
FEED_ROOM = 2560  # a write is fed only with this much room left in the ring
BURST = 4  # notifications between pacing sleeps
PACE_MS = 8  # about one connection interval
RETRY_MS = 20  # back-off when the stack is out of buffers
RETRIES = 50  # then the link is given up as stuck
START_RETRY_MS = 60_000  # after the stack failed to start
PAIRING_MS = 60_000  # the pairing window a button hold opens
ADV_RETRY_MS = 1000  # first back-off after advertising failed; doubles up to START_RETRY_MS


class BleLink:
    def __init__(self, device, store, config, tracker, placement="waist", model="footfall"):
        self.device = device
        self.tracker = tracker
        self.name = B.device_name(device.device_id)
        self.placement = placement
        self.model = model
        self.rsc_ms = RSC_MS
        self.running = False
        self.secure = False  # the sync service requires encryption (set by start)
        self.sync_refused = False  # no sync over BLE: this port cannot encrypt (set by start)
        self.pairing = False  # the pairing window is open
        self._pairing_until = time.ticks_ms()  # until open_pairing() sets the end
        self.refused = 0  # centrals hung up on: encrypted but not bonded
        self.connections = 0
        self.tx_dropped = 0  # reply frames that did not fit the ring
        self.failures = 0  # failed starts and connections ended by an unexpected exception
        self.adv_errors = 0  # advertise() calls that raised (retried after a back-off)
        self.rsc_errors = 0  # RSC / battery updates the stack refused (skipped)
        self.adv_retry_ms = ADV_RETRY_MS
        self.retry_ms = START_RETRY_MS
        self._retry_at = time.ticks_ms()
        self.server = SyncServer(store, config, device, self._enqueue, B.sync_payload_size(23))
        self._ring = bytearray(RING)
        self._mv = memoryview(self._ring)
        self._head = 0
        self._used = 0
        self._src = None
        self._src_mv = self._mv
        self._rsc_buf = bytearray(B.RSC_MEASUREMENT_SIZE)
        self._battery_buf = bytearray(1)
        self._ready = asyncio.Event()
        self._tasks = []
        self._conn = None
        self._mtu = 23

    # -- power -----------------------------------------------------------------------------

    async def start(self):
        """Radio on: register the services, advertise, serve sync and notify RSC.

        Never raises: a stack that will not start is reported, counted and tried again
        after retry_ms, so BLE trouble cannot take the sampler (or the app) down."""
        if self.running or time.ticks_diff(time.ticks_ms(), self._retry_at) < 0:
            return
        try:
            self.secure = self._enable_bonding()
            self.sync_refused = not self.secure
            aioble.config(gap_name=self.name, mtu=MTU)
            self._register()
            adv, resp = self._advertising_data()
        except Exception as exc:
            self.failures += 1
            sys.print_exception(exc)
            self._retry_at = time.ticks_add(time.ticks_ms(), self.retry_ms)
            self._radio_off()
            return
        self.running = True
        self._tasks = [
            asyncio.create_task(self._serve(adv, resp)),
            asyncio.create_task(self._rsc_loop()),
        ]

    async def stop(self):
        """Stop advertising, drop any connection and turn the radio off."""
        if not self.running:
            return
        self.running = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # a task that died must not stop the caller (coach)
                self._trouble(exc)
        self._tasks = []
        self._radio_off()

    def _trouble(self, exc):
        # Count BLE trouble; show the first traceback only, so a radio that keeps failing
        # does not flood the console.
        self.failures += 1
        if self.failures == 1:
            sys.print_exception(exc)

    def _radio_off(self):
        try:
            aioble.stop()  # radio off; also drops the connection and aioble's state
        except Exception as exc:
            sys.print_exception(exc)

    def _enable_bonding(self):
        try:
            from aioble import security  # noqa: F401  # bonding needs its key store

            aioble.config(bond=self.pairing, le_secure=True, mitm=False, io=_IO_NO_INPUT_OUTPUT)
        except (ImportError, ValueError, OSError):
            return False  # no pairing on this port: no sync over BLE
        return True

    # -- the pairing window ----------------------------------------------------------------

    def open_pairing(self, ms=PAIRING_MS):
        """Let a central bond for the next ms (the runner's button hold). False when this
        port cannot pair."""
        if self.sync_refused:
            return False
        self.pairing = True
        self._pairing_until = time.ticks_add(time.ticks_ms(), ms)
        self._set_bonding()
        return True

    def _check_pairing(self):
        if self.pairing and time.ticks_diff(time.ticks_ms(), self._pairing_until) >= 0:
            self.pairing = False
            self._set_bonding()

    def _set_bonding(self):
        if not self.running:
            return  # applied by start()
        try:
            aioble.config(bond=self.pairing)
        except Exception as exc:  # the stack refused: the window state applies at start
            self._trouble(exc)

    # -- services and advertising ------------------------------------------------------------

    def _register(self):
        # Characteristics are built on every start: aioble.stop() forgets them.
        d = self.device
        services = []
        self._rx = self._tx = None
        if self.secure:
            sync = aioble.Service(bluetooth.UUID(B.SYNC_SERVICE_UUID))
            self._rx = aioble.BufferedCharacteristic(
                sync,
                bluetooth.UUID(B.SYNC_RX_UUID),
                write=True,
                write_no_response=True,
                capture=True,
                max_len=RX_MAX,
            )
            self._tx = aioble.Characteristic(sync, bluetooth.UUID(B.SYNC_TX_UUID), notify=True)
            self._rx.flags |= _FLAG_WRITE_ENCRYPTED
            self._tx.flags |= _FLAG_READ_ENCRYPTED
            services.append(sync)
        rsc = aioble.Service(bluetooth.UUID(B.RSC_SERVICE))
        self._rsc = aioble.Characteristic(rsc, bluetooth.UUID(B.RSC_MEASUREMENT), notify=True)
        feature = bytes(
            (B.RSC_FEATURE_WALKING_OR_RUNNING & 0xFF, B.RSC_FEATURE_WALKING_OR_RUNNING >> 8)
        )
        aioble.Characteristic(rsc, bluetooth.UUID(B.RSC_FEATURE), read=True, initial=feature)
        location = B.PLACEMENT_LOCATION.get(self.placement, B.LOCATION_OTHER)
        aioble.Characteristic(
            rsc, bluetooth.UUID(B.SENSOR_LOCATION), read=True, initial=bytes((location,))
        )
        dis = aioble.Service(bluetooth.UUID(B.DEVICE_INFORMATION_SERVICE))
        serial = "".join(f"{b:02X}" for b in d.device_id)
        version = ".".join(str(v) for v in d.fw_version)
        for uuid, text in (
            (B.MANUFACTURER_NAME, "footfall"),
            (B.MODEL_NUMBER, self.model),
            (B.SERIAL_NUMBER, serial),
            (B.FIRMWARE_REVISION, version),
        ):
            aioble.Characteristic(dis, bluetooth.UUID(uuid), read=True, initial=text.encode())
        battery = aioble.Service(bluetooth.UUID(B.BATTERY_SERVICE))
        self._battery = aioble.Characteristic(
            battery, bluetooth.UUID(B.BATTERY_LEVEL), read=True, notify=True
        )
        aioble.register_services(*services, rsc, dis, battery)
        self._update_battery(False)

    def _advertising_data(self):
        # Name and RSC in the advertisement (watches filter on 0x1814); the 128-bit sync
        # UUID in the scan response, which has room for it.
        name = self.name.encode()
        adv = bytes((2, 0x01, 0x06, len(name) + 1, 0x09)) + name
        adv += bytes((3, 0x03, B.RSC_SERVICE & 0xFF, B.RSC_SERVICE >> 8))
        sync_le = bytes(reversed(bytes.fromhex(B.SYNC_SERVICE_UUID.replace("-", ""))))
        resp = bytes((17, 0x07)) + sync_le
        return adv, resp

    # -- live cadence and battery ------------------------------------------------------------

    async def _rsc_loop(self):
        due = time.ticks_ms()
        ticks = 0
        while True:
            due = time.ticks_add(due, self.rsc_ms)
            await asyncio.sleep_ms(max(0, time.ticks_diff(due, time.ticks_ms())))
            t = self.tracker
            B.pack_rsc_measurement(self._rsc_buf, t.cadence_spm(), t.state() == RUNNING)
            ticks += 1
            self._check_pairing()
            try:
                self._rsc.write(self._rsc_buf, True)  # notifies subscribed centrals only
                if ticks % BATTERY_TICKS == 0:
                    self._update_battery(True)
            except Exception as exc:  # the stack refused: skip this period, never stop
                self.rsc_errors += 1
                if self.rsc_errors == 1:
                    sys.print_exception(exc)

    def _update_battery(self, notify):
        pct = self.device.status()[1]
        if 0 <= pct <= 100 and (pct != self._battery_buf[0] or not notify):
            self._battery_buf[0] = pct
            self._battery.write(self._battery_buf, notify)

    # -- sync ------------------------------------------------------------------------------

    async def _advertise(self, adv, resp):
        # A connection, or None when advertising was cancelled. A stack error (NimBLE
        # raises OSError from gap_advertise) is counted and retried after a back-off that
        # doubles up to START_RETRY_MS, so a failing radio never reaches the loop's handler.
        backoff_ms = self.adv_retry_ms
        while True:
            try:
                return await aioble.advertise(ADV_INTERVAL_US, adv_data=adv, resp_data=resp)
            except Exception as exc:
                self.adv_errors += 1
                if self.adv_errors == 1:
                    sys.print_exception(exc)
            await asyncio.sleep_ms(backoff_ms)
            backoff_ms = min(2 * backoff_ms, START_RETRY_MS)

    async def _serve(self, adv, resp):
        while True:
            conn = await self._advertise(adv, resp)
            if conn is None:
                return  # advertising cancelled (aioble returns None): stop() is running
            self.connections += 1
            notifier = asyncio.create_task(self._notifier(conn))
            try:
                await self._sync(conn)
            except aioble.DeviceDisconnectedError:
                pass
            except Exception as exc:  # a bug must not take the sampler down: drop the link
                self.failures += 1
                sys.print_exception(exc)
                await self._hang_up(conn)
            finally:
                notifier.cancel()
                self._conn = None

    async def _sync(self, conn):
        self._conn = conn
        self._head = self._used = 0
        self.server.reset()
        with conn.timeout(None):  # a disconnect cancels the wait with DeviceDisconnectedError
            rx = self._rx
            if rx is None:  # no sync on this port: RSC, DIS and Battery only
                while conn.is_connected():
                    await asyncio.sleep_ms(self.rsc_ms)
                return
            while True:
                c, data = await rx.written()
                if c is not conn:
                    continue
                if not conn.bonded:  # encrypted (the stack checked) but never let bond
                    self.refused += 1
                    await self._hang_up(conn)
                    return
                while self._used > RING - FEED_ROOM:
                    await asyncio.sleep_ms(PACE_MS)  # let the notifier catch up
                mtu = conn.mtu or 23
                if mtu != self._mtu:
                    self._mtu = mtu
                    self.server.max_payload = B.sync_payload_size(mtu)
                self.server.feed(data)

    def _enqueue(self, buf, n):
        # SyncServer's send(): copy the frame into the ring now; the notifier sends it.
        if n > RING - self._used:
            self.tx_dropped += 1
            return
        if buf is not self._src:
            self._src = buf
            self._src_mv = memoryview(buf)
        tail = (self._head + self._used) % RING
        k = min(n, RING - tail)
        self._mv[tail : tail + k] = self._src_mv[:k]
        if k < n:
            self._mv[: n - k] = self._src_mv[k:n]
        self._used += n
        self._ready.set()

    async def _notifier(self, conn):
        try:
            await self._drain(conn)
        except Exception as exc:  # never let a send failure reach the loop's handler
            self.failures += 1
            sys.print_exception(exc)
        await self._hang_up(conn)

    async def _drain(self, conn):
        burst = 0
        while conn.is_connected():
            if not self._used:
                self._ready.clear()
                await self._ready.wait()
                continue
            per = (conn.mtu or 23) - 3
            k = min(self._used, per, RING - self._head)
            if not await self._notify(conn, self._mv[self._head : self._head + k]):
                return  # the stack never freed a buffer: give the link up
            self._head = (self._head + k) % RING
            self._used -= k
            burst += 1
            if burst >= BURST:
                burst = 0
                await asyncio.sleep_ms(PACE_MS)

    async def _notify(self, conn, chunk):
        tx = self._tx
        if tx is None:
            return False
        for _ in range(RETRIES):
            try:
                tx.notify(conn, chunk)
                return True
            except OSError:  # ENOMEM: the stack's buffers are all in flight
                await asyncio.sleep_ms(RETRY_MS)
        return False

    async def _hang_up(self, conn):
        try:
            await conn.disconnect()
        except Exception as exc:  # already gone, or the radio is off
            sys.print_exception(exc)
