"""The device's request handlers under CPython, built from the firmware's own modules.

A DeviceRig is the part of footfall_fw.app that sync reaches: the real session Store on a
folder, Tracker, Sessions, SyncConfig and SyncDevice behind one SyncServer. Only the board
is a double (hw.set_clock moves a stand-in port clock and marks it valid, as
board.write_clock does), and coach_tick() runs the auto start/stop of the app's coach task.

    with DeviceRig(folder) as rig:
        replies = rig.ask(P.SET_TIME, P.request_u32s(0xFFFFFFF0))
        rig.auto_start()          # runs until a session starts: what crashed on a bad clock
"""

from __future__ import annotations  # noqa: I001 - fwpath first: it finds footfall_fw

import os
from pathlib import Path

import tests.firmware.fwpath  # noqa: F401
from footfall_core import protocol as P
from footfall_core import records as rec
from footfall_core.activity import RUNNING
from footfall_core.frames import FrameParser, pack_frame
from footfall_core.header import Header
from footfall_core.sync_defs import CAP_SERIAL
from footfall_core.sync_server import SyncServer
from footfall_core.tracker import Tracker
from footfall_fw import clock, config, session_writer, store_index
from footfall_fw.sessions import Sessions
from footfall_fw.store import Store
from footfall_fw.sync_device import SyncConfig, SyncDevice

DEVICE_ID = b"\x10\x20\x30\x40\x50\x60"
BOOT_S = 1_800_000_000  # the clock the rig starts with (2027, set by a sync)


def _no_sync() -> None:
    pass


class PortTime:
    """The port's `time` as footfall_fw.clock reads it: time() and ticks_ms()."""

    def __init__(self, unix_s: int) -> None:
        self.unix_s = unix_s
        self.uptime_ms = 60_000

    def time(self) -> int:
        return self.unix_s

    def ticks_ms(self) -> int:
        return self.uptime_ms


class Board:
    """The hardware SyncDevice touches: its id and the clock (board.Hardware.set_clock)."""

    device_id = DEVICE_ID

    def __init__(self, port_time: PortTime) -> None:
        self.port_time = port_time

    def set_clock(self, unix_s: int) -> None:
        self.port_time.unix_s = unix_s  # write_clock: the ESP32 clock, then valid
        clock.set_valid(True)


class Battery:
    adc = None


class Sampler:
    overflows = 0


class App:
    """The attributes of footfall_fw.app.App that SyncDevice and SyncConfig use."""

    def __init__(self, root: Path, cfg: dict, port_time: PortTime) -> None:
        self.hw = Board(port_time)
        self.cfg = cfg
        self.tracker = Tracker(100, cfg["placement"], self._on_step)
        self.store = Store(str(root / "sessions"), free_bytes_fn=lambda: 10**7)
        self.store.total_bytes_fn = lambda: 6 * 2**20
        self.sessions = Sessions(self.store, self.tracker, cfg, DEVICE_ID, (0, 1, 0))
        self.battery = Battery()
        self.sampler = Sampler()
        self.coach = None

    def _on_step(self, index: int, peak_mg: int, cadence_spm: int) -> None:
        self.sessions.on_step(index, peak_mg, cadence_spm)


class DeviceRig:
    def __init__(self, root: Path, sessions: int = 2) -> None:
        self.root = root
        self.config_path = str(root / "config.json")
        self.port_time = PortTime(BOOT_S)
        self._saved = (clock.time, clock.EPOCH_OFFSET_S, clock.valid, session_writer.sync_fs)
        clock.time, clock.EPOCH_OFFSET_S = self.port_time, 0
        # CPython's os.sync() flushes every disk of the machine: slow, and no part of a test
        session_writer.sync_fs = store_index.sync_fs = _no_sync
        clock.set_valid(True)
        cfg, problems = config.load(self.config_path)
        assert problems == []
        self.app = App(root, cfg, self.port_time)
        self.config = SyncConfig(self.app, self.config_path)
        self.config.set({})  # builds the coach as the app does
        self.wire = bytearray()
        self.server = SyncServer(
            self.app.store, self.config, SyncDevice(self.app, CAP_SERIAL), self._send, 236, 4
        )
        for k in range(sessions):
            self.log_session(20 + 10 * k)

    def close(self) -> None:
        self.app.store._close_reader()
        clock.time, clock.EPOCH_OFFSET_S = self._saved[:2]
        clock.set_valid(self._saved[2])
        session_writer.sync_fs = store_index.sync_fs = self._saved[3]

    def __enter__(self) -> DeviceRig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, buf: bytearray, n: int) -> None:
        self.wire += buf[:n]

    # -- the host's side ------------------------------------------------------------------

    def feed(self, data: bytes) -> list[tuple[int, int, bytes]]:
        self.server.feed(data)
        return self.replies()

    def ask(self, ftype: int, payload: bytes = b"", seq: int = 7) -> list[tuple[int, int, bytes]]:
        return self.feed(pack_frame(ftype, seq, payload))

    def replies(self) -> list[tuple[int, int, bytes]]:
        out: list[tuple[int, int, bytes]] = []
        FrameParser(lambda t, s, b, o, n: out.append((t, s, bytes(b[o : o + n])))).feed(self.wire)
        self.wire = bytearray()
        return out

    def listing(self) -> list[tuple]:
        """Every LIST page, as the host reads them."""
        entries: list[tuple] = []
        while True:
            ((t, _s, p),) = self.ask(P.LIST, P.request_u32s(len(entries))[:2])
            assert t == P.LIST | P.REPLY, (t, p)
            total, _first, page = P.unpack_list(p, 0, len(p))
            entries += page
            if not page or len(entries) >= total:
                return entries

    def fetch(self, sid: int) -> bytes:
        """GET a whole session, acknowledging each window."""
        data = bytearray()
        replies = self.ask(P.GET, P.request_get(sid, 0, 4, 0))
        while True:
            for t, _s, p in replies:
                assert t == P.DATA and P.get_u32_le(p, 0) == len(data), (t, p)
                if len(p) == P.DATA_HEADER:
                    return bytes(data)
                data += p[P.DATA_HEADER :]
            replies = self.ask(P.ACK, P.request_u32s(sid, len(data)))

    # -- the device's own side --------------------------------------------------------------

    def log_session(self, steps: int) -> int:
        w = self.app.store.begin(Header(device_id=DEVICE_ID, fw=(0, 1, 0), start_s=BOOT_S))
        for k in range(steps):
            w.add_step(350, 2100, 171, 2)
            w.tick(350 * (k + 1))
        w.close(now_ms=350 * steps)
        return w.id

    def coach_tick(self, cadence_spm: int, state: int) -> str | None:
        """One tick of app._coach_task's session control and coach, 1 s on."""
        s = self.app.sessions
        self.port_time.unix_s += 1
        self.port_time.uptime_ms += 1000
        action = s.update_auto(1000, cadence_spm, state)
        if action == "start":
            s.start(True, self.app.cfg["start_s"] * 1000)
        elif action == "stop":
            s.stop(rec.END_AUTO)
        self.app.coach.update(self.port_time.uptime_ms, cadence_spm, state, not s.active)
        return action

    def auto_start(self) -> Header:
        """Run at a cadence above start_spm until a session starts; its header as written.
        With auto_start off in the config, the button starts it after that run."""
        cfg = self.app.cfg
        for _ in range(cfg["start_s"] + 2):
            if self.coach_tick(max(cfg["start_spm"], 150), RUNNING) == "start":
                return self.header()
        assert not cfg["auto_start"], "no auto-start"
        self.app.sessions.start()  # button A (app.start_session)
        return self.header()

    def header(self) -> Header:
        """The open session's header, read back from its file."""
        path = self.app.store.path(self.app.sessions.writer.name)
        with open(path, "rb") as f:
            return Header.unpack_from(f.read(rec.HEADER_BYTES))

    def stop(self) -> None:
        self.app.sessions.stop(rec.END_STOPPED)


def files(root: Path) -> dict[str, bytes]:
    """Every file under root (to show that a refused request wrote nothing)."""
    out = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = path.read_bytes()
    return out
