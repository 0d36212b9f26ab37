"""Pairing and bonding: pair(), the encryption state of a connection, the bond key store.

As aioble.security: _IRQ_ENCRYPTION_UPDATE sets conn.encrypted, authenticated, bonded and
key_size; the stack's secrets (_IRQ_GET_SECRET / _IRQ_SET_SECRET) are kept in
ble_secrets.json, loaded before the stack starts. On the virtual board the Bumble device
keeps its own bond keys (footfall.sim.ble_bridge), so no secret IRQ arrives here.
"""

import asyncio
import binascii
import json

from .core import ble, log_warn, register_irq_handler
from .device import DeviceConnection

_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30
_IO_NO_INPUT_OUTPUT = 3
_DEFAULT_PATH = "ble_secrets.json"

_secrets = {}
_path = None
_dirty = False


def load_secrets(path=None):
    global _path, _secrets
    _path = path or _path or _DEFAULT_PATH
    _secrets = {}
    try:
        with open(_path) as f:
            for kind, key, value in json.load(f):
                _secrets[kind, binascii.a2b_base64(key)] = binascii.a2b_base64(value)
    except (OSError, ValueError):
        log_warn("No secrets available")


def _save_secrets(_arg=None):
    global _dirty
    with open(_path or _DEFAULT_PATH, "w") as f:
        rows = [
            (kind, binascii.b2a_base64(key), binascii.b2a_base64(value))
            for (kind, key), value in _secrets.items()
        ]
        json.dump(rows, f)
    _dirty = False


def _security_irq(event, data):
    global _dirty
    if event == _IRQ_ENCRYPTION_UPDATE:
        conn = DeviceConnection._connected.get(data[0])
        if conn is not None:
            conn.encrypted, conn.authenticated, conn.bonded, conn.key_size = data[1:5]
            if conn.encrypted and conn._pair_event is not None:
                conn._pair_event.set()
    elif event == _IRQ_SET_SECRET:
        kind, key, value = data
        key = (kind, bytes(key))
        if value is None:
            if key not in _secrets:
                return False
            del _secrets[key]
        else:
            _secrets[key] = bytes(value)
        if not _dirty:
            _dirty = True
            import micropython

            micropython.schedule(_save_secrets, None)  # not to flash inside the IRQ
        return True
    elif event == _IRQ_GET_SECRET:
        kind, index, key = data
        if key is not None:
            return _secrets.get((kind, bytes(key)))
        found = [v for (t, _), v in _secrets.items() if t == kind]
        return found[index] if index < len(found) else None
    return None


def _security_shutdown():
    global _secrets, _path, _dirty
    _secrets = {}
    _path = None
    _dirty = False


register_irq_handler(_security_irq, _security_shutdown)


async def pair(
    connection, bond=True, le_secure=True, mitm=False, io=_IO_NO_INPUT_OUTPUT, timeout_ms=20000
):
    """Ask the central to pair (the peripheral's Security Request); returns once encrypted."""
    ble.config(bond=bond, le_secure=le_secure, mitm=mitm, io=io)
    with connection.timeout(timeout_ms):
        connection._pair_event = asyncio.ThreadSafeFlag()
        ble.gap_pair(connection._conn_handle)
        await connection._pair_event.wait()
