"""BLE link rig for the unix port: footfall_fw.ble_link.BleLink over the aioble test double
(tests/firmware/fake_aioble) with a fake device, store, config and tracker, and helpers to
let its tasks run. Test bodies take it with `from ble_rig import *` and report with out()."""

import asyncio
import json

import aioble
import bluetooth
from footfall_core import ble_defs as B
from footfall_core import protocol as P
from footfall_core.crc import session_crc
from footfall_fw import ble_link  # noqa: F401 (for bodies)
from footfall_fw.ble_link import BleLink

SESSION = bytes(range(256)) * 9


class Device:
    device_id = bytes.fromhex("246f281a2b3c")
    fw_version = (0, 1, 0)
    capabilities = P.CAP_BLE | P.CAP_RSC | P.CAP_LIVE

    def status(self):
        return (3900, 87, 0, 0)

    def set_time(self, unix_s):
        pass

    def set_live(self, on):
        pass


class Config:
    def get(self):
        return {"target_spm": 170}

    def set(self, changes):
        raise ValueError("read-only")


class Store:
    def sessions(self):
        return [1]

    def session_info(self, sid):
        if sid != 1:
            raise KeyError(sid)
        return (1800000000, 60, 100, len(SESSION), session_crc(SESSION))

    def read_into(self, sid, offset, buf, start, n):
        data = SESSION[offset : offset + n]
        buf[start : start + len(data)] = data
        return len(data)

    def delete(self, sid):
        pass

    def free_bytes(self):
        return 1 << 20

    def total_bytes(self):
        return 1 << 21


class Tracker:
    spm = 0
    running = False

    def cadence_spm(self):
        return self.spm

    def state(self):
        return 2 if self.running else 1


tracker = Tracker()
link = BleLink(Device(), Store(), Config(), tracker, placement="waist", model="test-board")


def rx():
    return aioble.find(bluetooth.UUID(B.SYNC_RX_UUID))


def tx():
    return aioble.find(bluetooth.UUID(B.SYNC_TX_UUID))


async def settle(n=50):
    for _ in range(n):
        await asyncio.sleep_ms(0)


async def drain(conn):
    # Let the notifier empty its ring (it sleeps a little after every burst); bounded, so a
    # stuck notifier fails the test instead of hanging it.
    await settle()
    for _ in range(2000):
        if not link._used:
            break
        await asyncio.sleep_ms(1)
    await settle()


def out(**values):
    print("RESULT " + json.dumps(values))
