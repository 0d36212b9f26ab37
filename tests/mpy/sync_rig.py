"""Sync rig shared by CPython and the unix port: fake store, config and device around a real
SyncServer, plus a request helper. Scripts and tests take it with `from sync_rig import *`."""

from footfall_core import protocol as P
from footfall_core.crc import session_crc
from footfall_core.frames import FrameError, FrameParser, pack_frame  # noqa: F401 (for bodies)
from footfall_core.sync_server import SyncServer


class FakeStore:
    def __init__(self, files):
        self.files = dict(files)  # sid -> bytes
        self.deleted = []

    def sessions(self):
        return sorted(self.files)

    def session_info(self, sid):
        data = self.files[sid]
        return (1700000000 + sid, 60 * sid, 100 * sid, len(data), session_crc(data))

    def read_into(self, sid, offset, buf, start, n):
        data = self.files[sid]
        k = min(n, len(data) - offset)
        for i in range(k):
            buf[start + i] = data[offset + i]
        return k

    def delete(self, sid):
        del self.files[sid]
        self.deleted.append(sid)

    def free_bytes(self):
        return 5000000

    def total_bytes(self):
        return 6000000


class FakeConfig:
    def __init__(self):
        self.values = {"target_spm": 170, "tolerance_spm": 3}

    def get(self):
        return dict(self.values)

    def set(self, changes):
        for key, value in changes.items():
            if key not in self.values:
                raise ValueError("unknown setting " + key)
            if key == "target_spm" and not (isinstance(value, int) and 100 <= value <= 250):
                raise ValueError("target_spm must be an integer 100..250")
        self.values.update(changes)


class FakeDevice:
    device_id = b"\x24\x6f\x28\x1a\x2b\x3c"
    fw_version = (0, 1, 0)
    capabilities = P.CAP_LIVE | P.CAP_RSC
    time_s = 0
    live = False

    def status(self):
        return (3900, 80, 2, 7)

    def set_time(self, unix_s):
        self.time_s = unix_s

    def set_live(self, on):
        self.live = on


def session(sid, size):
    return bytes((sid * 7 + i * 13) & 0xFF for i in range(size))


class Rig:
    def __init__(self, files=None, max_payload=236, max_window=255):
        self.store = FakeStore(files or {1: session(1, 1000), 2: session(2, 50)})
        self.config = FakeConfig()
        self.device = FakeDevice()
        self.wire = bytearray()
        self.server = SyncServer(
            self.store, self.config, self.device, self._send, max_payload, max_window
        )

    def _send(self, buf, n):
        self.wire += buf[:n]

    def ask(self, ftype, seq, payload=b""):
        self.feed(pack_frame(ftype, seq, payload))
        return self.replies()

    def feed(self, data):
        self.server.feed(data)

    def replies(self):
        out = []
        p = FrameParser(lambda t, s, b, o, n: out.append((t, s, bytes(b[o : o + n]))))
        p.feed(self.wire)
        self.wire = bytearray()
        return out
