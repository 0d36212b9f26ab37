"""GATT server: Service, Characteristic, BufferedCharacteristic, Descriptor, register_services.

Writes are captured as aioble does: a characteristic made with capture=True queues every
(connection, value) in one queue shared by all capturing characteristics, which holds
CAPTURE_QUEUE writes and silently drops the oldest when a write arrives while it is full
(a collections.deque with a maxlen). One task hands them out in arrival order, each to its
characteristic's written(), and waits for that to be consumed before the next.
"""

import asyncio
from collections import deque

from .core import GattError, ble, ensure_active, register_irq_handler
from .device import DeviceConnection, DeviceTimeout

_IRQ_GATTS_WRITE = 3
_IRQ_GATTS_READ_REQUEST = 4
_IRQ_GATTS_INDICATE_DONE = 20

_FLAG_READ = 0x0002
_FLAG_WRITE_NO_RESPONSE = 0x0004
_FLAG_WRITE = 0x0008
_FLAG_NOTIFY = 0x0010
_FLAG_INDICATE = 0x0020
_FLAG_WRITE_CAPTURE = 0x10000  # aioble's own bit: never reaches the stack's flags meaning

CAPTURE_QUEUE = 10

_by_handle = {}  # value handle -> characteristic or descriptor
_capture = None  # [queue, write flag, consumed flag, task] once a capturing char exists


def _server_irq(event, data):
    if event == _IRQ_GATTS_WRITE:
        _remote_write(data[0], data[1])
    elif event == _IRQ_GATTS_READ_REQUEST:
        char = _by_handle.get(data[1])
        if char is not None:
            return char.on_read(DeviceConnection._connected.get(data[0]))
    elif event == _IRQ_GATTS_INDICATE_DONE:
        char = _by_handle.get(data[1])
        if char is not None and char._indicate_connection is not None:
            char._indicate_status = data[2]
            char._indicate_event.set()
    return None


def _server_shutdown():
    global _capture
    _by_handle.clear()
    if _capture is not None:
        _capture[3].cancel()
        _capture = None


register_irq_handler(_server_irq, _server_shutdown)


def _remote_write(conn_handle, value_handle):
    char = _by_handle.get(value_handle)
    if char is None:
        return
    conn = DeviceConnection._connected.get(conn_handle)
    if char.flags & _FLAG_WRITE_CAPTURE:
        _capture[0].append((conn, char.read(), char))
        _capture[1].set()
    else:
        char._write_data = conn
        char._write_event.set()


def _start_capture():
    global _capture
    if _capture is None:
        q = deque((), CAPTURE_QUEUE)
        _capture = [q, asyncio.ThreadSafeFlag(), asyncio.ThreadSafeFlag(), None]
        _capture[3] = asyncio.create_task(_hand_out(_capture))


async def _hand_out(capture):
    q, written, consumed = capture[0], capture[1], capture[2]
    while True:
        if q:
            conn, data, char = q.popleft()
            char._write_data = (conn, data)
            char._write_event.set()
            await consumed.wait()
        if not q:
            await written.wait()


class Service:
    def __init__(self, uuid):
        self.uuid = uuid
        self.characteristics = []

    def _tuple(self):
        return (self.uuid, tuple(c._tuple() for c in self.characteristics))


class BaseCharacteristic:
    def _register(self, value_handle):
        self._value_handle = value_handle
        _by_handle[value_handle] = self
        if self._initial is not None:
            self.write(self._initial)
            self._initial = None

    def read(self):
        if self._value_handle is None:
            return self._initial or b""
        return ble.gatts_read(self._value_handle)

    def write(self, data, send_update=False):
        if self._value_handle is None:
            self._initial = data
        else:
            ble.gatts_write(self._value_handle, data, send_update)

    async def written(self, timeout_ms=None):
        """The connection that wrote (with capture: (connection, value))."""
        if not hasattr(self, "_write_event"):
            return None
        with DeviceTimeout(None, timeout_ms):
            await self._write_event.wait()
        data, self._write_data = self._write_data, None
        if self.flags & _FLAG_WRITE_CAPTURE:
            _capture[2].set()
        return data

    def on_read(self, connection):
        return 0


class Characteristic(BaseCharacteristic):
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
        self.descriptors = []
        self.uuid = uuid
        self._value_handle = None
        self._initial = initial
        flags = (_FLAG_READ if read else 0) | (_FLAG_NOTIFY if notify else 0)
        if write or write_no_response:
            flags |= (_FLAG_WRITE if write else 0) | (
                _FLAG_WRITE_NO_RESPONSE if write_no_response else 0
            )
            if capture:
                flags |= _FLAG_WRITE_CAPTURE
                _start_capture()
            self._write_event = asyncio.ThreadSafeFlag()
            self._write_data = None
        if indicate:
            flags |= _FLAG_INDICATE
            self._indicate_connection = None
            self._indicate_event = asyncio.ThreadSafeFlag()
            self._indicate_status = None
        self.flags = flags

    def _tuple(self):
        if self.descriptors:
            return (self.uuid, self.flags, tuple(d._tuple() for d in self.descriptors))
        return (self.uuid, self.flags)

    def notify(self, connection, data=None):
        if not self.flags & _FLAG_NOTIFY:
            raise ValueError("Not supported")
        ble.gatts_notify(connection._conn_handle, self._value_handle, data)

    async def indicate(self, connection, data=None, timeout_ms=1000):
        if not self.flags & _FLAG_INDICATE:
            raise ValueError("Not supported")
        if self._indicate_connection is not None:
            raise ValueError("In progress")
        if not connection.is_connected():
            raise ValueError("Not connected")
        self._indicate_connection = connection
        self._indicate_status = None
        try:
            with connection.timeout(timeout_ms):
                ble.gatts_indicate(connection._conn_handle, self._value_handle, data)
                await self._indicate_event.wait()
                if self._indicate_status != 0:
                    raise GattError(self._indicate_status)
        finally:
            self._indicate_connection = None


class BufferedCharacteristic(Characteristic):
    """A characteristic whose stack buffer holds max_len bytes (the default is 20)."""

    def __init__(self, *args, max_len=20, append=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._max_len = max_len
        self._append = append

    def _register(self, value_handle):
        super()._register(value_handle)
        ble.gatts_set_buffer(value_handle, self._max_len, self._append)


class Descriptor(BaseCharacteristic):
    def __init__(self, characteristic, uuid, read=False, write=False, initial=None):
        characteristic.descriptors.append(self)
        self.uuid = uuid
        self._value_handle = None
        self._initial = initial
        self.flags = (_FLAG_READ if read else 0) | (_FLAG_WRITE if write else 0)
        if write:
            self._write_event = asyncio.ThreadSafeFlag()
            self._write_data = None

    def _tuple(self):
        return (self.uuid, self.flags)


def register_services(*services):
    """Register the services with the stack and give each characteristic its handle."""
    ensure_active()
    _by_handle.clear()
    handles = ble.gatts_register_services(tuple(s._tuple() for s in services))
    for k, service in enumerate(services):
        service_handles = handles[k]
        i = 0
        for char in service.characteristics:
            char._register(service_handles[i])
            i += 1
            for desc in char.descriptors:
                desc._register(service_handles[i])
                i += 1
