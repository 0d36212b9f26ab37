"""The shared BLE object, IRQ fan-out to the other modules, config() and stop()."""

import bluetooth

log_level = 1


def log_error(*args):
    if log_level > 0:
        print("[aioble] E:", *args)


def log_warn(*args):
    if log_level > 1:
        print("[aioble] W:", *args)


def log_info(*args):
    if log_level > 2:
        print("[aioble] I:", *args)


class GattError(Exception):
    def __init__(self, status):
        self._status = status


_handlers = []  # (irq handler or None, shutdown handler or None) per module


def register_irq_handler(irq, shutdown):
    _handlers.append((irq, shutdown))


def _irq(event, data):
    # The first handler that answers decides the IRQ's return value (a read request).
    for irq, _ in _handlers:
        if irq is not None:
            result = irq(event, data)
            if result is not None:
                return result
    return None


def ensure_active():
    if ble.active():
        return
    try:
        from .security import load_secrets

        load_secrets()
    except ImportError:
        pass
    ble.active(True)


def config(*args, **kwargs):
    ensure_active()
    return ble.config(*args, **kwargs)


def stop():
    """Radio off; every module forgets its state (connections, characteristics)."""
    ble.active(False)
    for _, shutdown in _handlers:
        if shutdown is not None:
            shutdown()


ble = bluetooth.BLE()
ble.irq(_irq)
