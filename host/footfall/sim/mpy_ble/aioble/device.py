"""A peer (Device), its connection (DeviceConnection) and the timeout/disconnect guard."""

import asyncio

from .core import ble, log_error, register_irq_handler

_IRQ_MTU_EXCHANGED = 21


class DeviceDisconnectedError(Exception):
    pass


def _device_irq(event, data):
    if event == _IRQ_MTU_EXCHANGED:
        conn = DeviceConnection._connected.get(data[0])
        if conn is not None:
            conn.mtu = data[1]
            if conn._mtu_event is not None:
                conn._mtu_event.set()


register_irq_handler(_device_irq, None)


class DeviceTimeout:
    """`with conn.timeout(ms)`: the task is cancelled after ms (TimeoutError) or when the
    connection drops (DeviceDisconnectedError); either may be None."""

    def __init__(self, connection, timeout_ms):
        self._connection = connection
        self._timeout_ms = timeout_ms
        self._timer = None
        self._expired = False
        self._task = asyncio.current_task()
        if connection is not None:
            connection._timeouts.append(self)

    async def _sleep(self):
        try:
            await asyncio.sleep_ms(self._timeout_ms)
        except asyncio.CancelledError:
            return  # the operation finished first
        self._expired = True
        self._task.cancel()

    def __enter__(self):
        if self._timeout_ms:
            self._timer = asyncio.create_task(self._sleep())

    def __exit__(self, exc_type, exc, tb):
        if self._connection is not None:
            self._connection._timeouts.remove(self)
        if self._timer is not None and not self._expired:
            self._timer.cancel()
        if exc_type is not asyncio.CancelledError:
            return
        if self._expired:
            raise TimeoutError
        if self._connection is not None and self._connection._conn_handle is None:
            raise DeviceDisconnectedError
        # cancelled by something else: the cancellation goes on


class Device:
    def __init__(self, addr_type, addr):
        self.addr_type = addr_type
        self.addr = bytes(addr)
        self._connection = None

    def __eq__(self, other):
        return self.addr_type == other.addr_type and self.addr == other.addr

    def __hash__(self):
        return hash((self.addr_type, self.addr))

    def addr_hex(self):
        return ":".join(f"{b:02x}" for b in self.addr)

    def __str__(self):
        kind = "ADDR_PUBLIC" if self.addr_type == 0 else "ADDR_RANDOM"
        state = ", CONNECTED" if self._connection else ""
        return f"Device({kind}, {self.addr_hex()}{state})"


class DeviceConnection:
    _connected = {}  # conn handle -> DeviceConnection, for the IRQs

    def __init__(self, device):
        self.device = device
        device._connection = self
        self.encrypted = False
        self.authenticated = False
        self.bonded = False
        self.key_size = False
        self.mtu = None  # until the central exchanges MTUs
        self._conn_handle = None
        self._event = asyncio.ThreadSafeFlag()  # set by the disconnect IRQ
        self._mtu_event = None
        self._pair_event = None
        self._timeouts = []
        self._task = None

    async def device_task(self):
        await self._event.wait()
        del DeviceConnection._connected[self._conn_handle]
        self._conn_handle = None
        self.device._connection = None
        for t in self._timeouts:
            t._task.cancel()

    def _run_task(self):
        self._task = asyncio.create_task(self.device_task())

    def is_connected(self):
        return self._conn_handle is not None

    def timeout(self, timeout_ms):
        return DeviceTimeout(self, timeout_ms)

    async def disconnect(self, timeout_ms=2000):
        await self.disconnected(timeout_ms, disconnect=True)

    async def disconnected(self, timeout_ms=None, disconnect=False):
        if not self.is_connected():
            return
        if disconnect:
            try:
                ble.gap_disconnect(self._conn_handle)
            except OSError as exc:
                log_error("Disconnect", exc)
        with DeviceTimeout(None, timeout_ms):
            await self._task

    async def pair(self, *args, **kwargs):
        from .security import pair

        await pair(self, *args, **kwargs)

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.disconnect()
