"""aioble for the virtual board: the peripheral and GATT-server half of micropython-lib's aioble.

Written from reading micropython-lib's micropython/bluetooth/aioble (aioble 0.6.2:
aioble-core 0.4.0, aioble-peripheral, aioble-server 0.4.1, aioble-security) and matching its
behaviour where footfall's firmware relies on it: the same names and signatures, the same
IRQ handling on `bluetooth.BLE()`, the shared write-capture queue of 10 writes that drops the
oldest when full, `conn.mtu` None until an MTU exchange, advertise() returning None when
cancelled, DeviceDisconnectedError out of `with conn.timeout(...)`, stop() forgetting the
registered characteristics. The central and client halves (scan, connect, discovery) and
L2CAP are not here: the firmware is a peripheral only.

The unix port runs it over the stand-in `bluetooth` (a Bumble GATT server behind a pipe);
on a board, `mpremote mip install aioble` installs the real one.
"""

from .core import GattError, config, log_error, log_info, log_warn, stop  # noqa: F401
from .device import Device, DeviceConnection, DeviceDisconnectedError  # noqa: F401
from .peripheral import advertise  # noqa: F401
from .server import (  # noqa: F401
    BufferedCharacteristic,
    Characteristic,
    Descriptor,
    Service,
    register_services,
)

ADDR_PUBLIC = 0
ADDR_RANDOM = 1
