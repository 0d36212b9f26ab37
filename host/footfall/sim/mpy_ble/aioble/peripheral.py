"""advertise(): wait, advertising, for one central to connect; returns its connection."""

import asyncio
import struct

from .core import ble, ensure_active, register_irq_handler
from .device import Device, DeviceConnection, DeviceTimeout

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_ADV_MAX = 31

_incoming = None
_connected = None  # ThreadSafeFlag set by the connect IRQ, made at the first advertise()


def _peripheral_irq(event, data):
    global _incoming
    if event == _IRQ_CENTRAL_CONNECT:
        handle, addr_type, addr = data
        conn = DeviceConnection(Device(addr_type, bytes(addr)))
        conn._conn_handle = handle
        DeviceConnection._connected[handle] = conn
        _incoming = conn
        _connected.set()
    elif event == _IRQ_CENTRAL_DISCONNECT:
        conn = DeviceConnection._connected.get(data[0])
        if conn is not None:
            conn._event.set()


def _peripheral_shutdown():
    global _incoming, _connected
    _incoming = None
    _connected = None


register_irq_handler(_peripheral_irq, _peripheral_shutdown)


def _field(adv, resp, kind, value):
    # One AD structure into the advertisement, or into the scan response once it is full.
    data = struct.pack("BB", len(value) + 1, kind) + value
    if len(adv) + len(data) < _ADV_MAX:
        adv += data
        return resp
    resp = resp or bytearray()
    if len(resp) + len(data) < _ADV_MAX:
        resp += data
        return resp
    raise ValueError("Advertising payload too long")


def _payload(limited_disc, br_edr, name, services, appearance, manufacturer):
    adv = bytearray()
    flags = (0x01 if limited_disc else 0x02) + (0x18 if br_edr else 0x04)
    resp = _field(adv, None, 0x01, struct.pack("B", flags))
    for size, kind in ((2, 0x03), (4, 0x05), (16, 0x07)):
        uuids = [bytes(u) for u in services or () if len(bytes(u)) == size]
        if uuids:
            resp = _field(adv, resp, kind, b"".join(uuids))
    if name:
        resp = _field(adv, resp, 0x09, name)
    if appearance:
        resp = _field(adv, resp, 0x19, struct.pack("<H", appearance))
    if manufacturer:
        resp = _field(adv, resp, 0xFF, struct.pack("<H", manufacturer[0]) + manufacturer[1])
    return adv, resp


async def advertise(
    interval_us,
    adv_data=None,
    resp_data=None,
    connectable=True,
    limited_disc=False,
    br_edr=False,
    name=None,
    services=None,
    appearance=0,
    manufacturer=None,
    timeout_ms=None,
):
    """The connection of the central that connected; None if cancelled (advertising stops);
    asyncio.TimeoutError after timeout_ms."""
    global _incoming, _connected
    ensure_active()
    if not adv_data and not resp_data:
        adv_data, resp_data = _payload(
            limited_disc, br_edr, name, services, appearance, manufacturer
        )
    _connected = _connected or asyncio.ThreadSafeFlag()
    ble.gap_advertise(interval_us, adv_data=adv_data, resp_data=resp_data, connectable=connectable)
    try:
        with DeviceTimeout(None, timeout_ms):
            await _connected.wait()
    except asyncio.CancelledError:
        ble.gap_advertise(None)
        return None
    except TimeoutError:
        ble.gap_advertise(None)
        raise
    conn, _incoming = _incoming, None
    conn._run_task()
    return conn
