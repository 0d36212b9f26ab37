"""Test double of the part of micropython-lib's aioble that footfall_fw.ble_link uses.

Not aioble: no radio and no IRQs. It records what the firmware registers, advertises, writes
and notifies, and lets a test play the central: `await connect(mtu)`, `write(conn, data)`,
`conn.drop()` (the central goes away). `state["bond"] = False` makes `config(bond=...)`
refuse, as on a port built without pairing; `state["nomem"] = n` makes the next n
notifications fail with ENOMEM, as NimBLE does when its buffers are all in flight;
`state["register_error"] = n` makes the next n register_services() raise OSError;
`state["advertise_error"] = n` the next n advertise() calls, and `state["update_error"] = n`
the next n writes that notify subscribers (send_update=True), as NimBLE's gap_advertise and
gatts_write do when the controller refuses.
"""

import asyncio
import time

_FLAG_READ = 0x0002
_FLAG_WRITE_NO_RESPONSE = 0x0004
_FLAG_WRITE = 0x0008
_FLAG_NOTIFY = 0x0010
_FLAG_INDICATE = 0x0020

state = {"active": False, "bond": True, "nomem": 0, "advertising": None, "config": {}}
registered = []  # [(service uuid, [characteristic, ...]), ...] of the last register_services
events = []  # ("advertise" | "advertise_stopped" | "stop" | "disconnect", ...) in order
_pending = []  # connections waiting for advertise() to return them
_links = []  # every connection made
_connect = asyncio.Event()


class DeviceDisconnectedError(Exception):
    pass


def config(*args, **kwargs):
    if "bond" in kwargs and not state["bond"]:
        raise ValueError("unknown config param")
    state["active"] = True
    state["config"].update(kwargs)


def stop():
    state["active"] = False
    events.append(("stop",))
    for conn in _links:
        conn.connected = False  # radio off: every link ends (no disconnect IRQ follows)
    for service in registered:
        for c in service[1]:
            c.registered = False


class Service:
    def __init__(self, uuid):
        self.uuid = uuid
        self.characteristics = []


class Characteristic:
    def __init__(
        self,
        service,
        uuid,
        read=False,
        write=False,
        write_no_response=False,
        notify=False,
        indicate=False,
        initial=None,
        capture=False,
    ):
        service.characteristics.append(self)
        self.uuid = uuid
        self.flags = (
            (_FLAG_READ if read else 0)
            | (_FLAG_WRITE if write else 0)
            | (_FLAG_WRITE_NO_RESPONSE if write_no_response else 0)
            | (_FLAG_NOTIFY if notify else 0)
            | (_FLAG_INDICATE if indicate else 0)
        )
        self.capture = capture
        self.max_len = 20  # the stack's default attribute buffer
        self.value = bytes(initial) if initial is not None else b""
        self.registered = False
        self.updates = []  # values written with send_update=True (notified to subscribers)
        self.notified = []  # (connection, value) sent with notify()
        self.stamps = []  # time.ticks_ms() of each notify()
        self._writes = []
        self._written = asyncio.Event()

    def read(self):
        return self.value

    def write(self, data, send_update=False):
        self.value = bytes(data)
        if send_update:
            if state.get("update_error"):
                state["update_error"] -= 1
                raise OSError(5)  # EIO
            if not self.registered:
                raise OSError("characteristic not registered (radio off?)")
            self.updates.append(self.value)

    def notify(self, connection, data=None):
        if not self.flags & _FLAG_NOTIFY:
            raise ValueError("Not supported")
        if state["nomem"]:
            state["nomem"] -= 1
            raise OSError(12)  # ENOMEM
        if not connection.is_connected():
            raise OSError(128)  # ENOTCONN
        self.notified.append((connection, bytes(data)))
        self.stamps.append(time.ticks_ms())

    async def written(self, timeout_ms=None):
        while not self._writes:
            self._written.clear()
            await self._written.wait()
        item = self._writes.pop(0)
        return item if self.capture else item[0]


class BufferedCharacteristic(Characteristic):
    def __init__(self, *args, max_len=20, append=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_len = max_len


def register_services(*services):
    if state.get("register_error"):
        state["register_error"] -= 1
        raise OSError(5)  # EIO: the stack refused
    state["active"] = True
    registered.clear()
    for s in services:
        for c in s.characteristics:
            c.registered = True
        registered.append((s.uuid, list(s.characteristics)))


async def advertise(interval_us, adv_data=None, resp_data=None, **kwargs):
    if state.get("advertise_error"):
        state["advertise_error"] -= 1
        events.append(("advertise_failed",))
        raise OSError(5)  # EIO: the controller refused
    state["advertising"] = (bytes(adv_data), bytes(resp_data))
    events.append(("advertise",))
    try:
        while not _pending:
            _connect.clear()
            await _connect.wait()
    except asyncio.CancelledError:
        state["advertising"] = None
        events.append(("advertise_stopped",))
        return None  # as aioble does when advertising is cancelled
    state["advertising"] = None
    return _pending.pop(0)


class _Timeout:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.task = asyncio.current_task()
        self.conn._waiters.append(self.task)

    def __exit__(self, exc_type, exc, tb):
        self.conn._waiters.remove(self.task)
        if exc_type is asyncio.CancelledError and not self.conn.connected:
            raise DeviceDisconnectedError


class DeviceConnection:
    def __init__(self, mtu, bonded=True):
        self.mtu = mtu  # None until an MTU exchange, as in aioble
        self.encrypted = self.bonded = bonded  # as _IRQ_ENCRYPTION_UPDATE leaves them
        self.connected = True
        self._waiters = []

    def is_connected(self):
        return self.connected

    def timeout(self, timeout_ms):
        return _Timeout(self)

    async def disconnect(self, timeout_ms=2000):
        self.drop()

    def drop(self):
        if self.connected:
            self.connected = False
            events.append(("disconnect",))
            for task in self._waiters:
                task.cancel()


async def connect(mtu=None, tries=100, bonded=True):
    """A central connects once something advertises; returns its DeviceConnection
    (bonded=False: one that paired outside the pairing window, encrypted but not bonded)."""
    for _ in range(tries):
        if state["advertising"] is not None:
            conn = DeviceConnection(mtu, bonded)
            _links.append(conn)
            _pending.append(conn)
            _connect.set()
            await asyncio.sleep_ms(0)
            return conn
        await asyncio.sleep_ms(0)
    raise AssertionError("no advertiser to connect to")


def write(conn, char, data):
    """The central writes `data` to `char` (one ATT write, at most MTU - 3 bytes)."""
    limit = min(char.max_len, (conn.mtu or 23) - 3)
    if len(data) > limit:
        raise AssertionError(f"write of {len(data)} bytes exceeds {limit}")
    char.value = bytes(data)
    char._writes.append((conn, char.value))
    char._written.set()


def find(uuid):
    """The registered characteristic with this UUID."""
    for _, chars in registered:
        for c in chars:
            if c.uuid == uuid:
                return c
    raise KeyError(uuid)
