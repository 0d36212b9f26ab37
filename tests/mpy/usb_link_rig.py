"""UsbLink rig for the unix port: fakes for the host side (Tx collects what the link writes),
the store, the device and the config, a reader that always fails, and open_link(), which
starts a UsbLink reading the bytes of a file. Test scripts take it with
`from usb_link_rig import *`."""

# Re-exported for the test scripts, which take everything here with `import *`.
import json  # noqa: F401

from footfall_core import protocol as P
from footfall_fw.usb_link import UsbLink


class Tx:
    def __init__(self):
        self.data = bytearray()

    def write(self, buf, off, n):
        self.data += bytes(buf[off : off + n])
        return n


class Store:
    def sessions(self):
        return []

    def free_bytes(self):
        return 1000

    def total_bytes(self):
        return 2000


class Device:
    device_id = bytes(6)
    fw_version = (0, 1, 0)
    capabilities = P.CAP_SERIAL

    def status(self):
        return (4000, 90, 0, 0)


class Config:
    def get(self):
        return {}


class Broken:
    def readinto(self, buf):
        raise OSError(5)


def open_link(path, timeout):
    """(calls, tx, link): a UsbLink reading `path`; calls logs its keyboard-interrupt
    switches."""
    calls = []
    tx = Tx()
    link = UsbLink(Store(), Config(), Device(), open(path, "rb"), tx, calls.append, timeout)
    return calls, tx, link
