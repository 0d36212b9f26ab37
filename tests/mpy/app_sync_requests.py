"""The app on the virtual board's stand-in machine with a SyncServer on its own handlers:
ask() sends one request and returns the replies, auto_start() starts and stops a session and
returns its header's start and clock flag. stdin: (flash folder, board, body); the body runs
here and leaves a literal in `result`, which is printed."""

import os
import sys
import time

import _sim

FOLDER, BOARD, BODY = eval(sys.stdin.read())
os.chdir(FOLDER)
_sim.scenario = {"board": BOARD, "epoch_s": 1800000000}  # the RTC chip kept UTC
_sim.samples = open("/dev/null", "rb")
time.set_epoch(1800000000)  # the clocks set by an earlier sync

# The firmware is imported only now, once the stand-ins are set up as the board would be.
from footfall_core import protocol as P  # noqa: E402, F401 (P is for the body)
from footfall_core import records as rec  # noqa: E402
from footfall_core.activity import RUNNING  # noqa: E402
from footfall_core.frames import FrameParser, pack_frame  # noqa: E402
from footfall_core.header import Header  # noqa: E402
from footfall_core.sync_server import SyncServer  # noqa: E402
from footfall_fw import app as A  # noqa: E402
from footfall_fw import board, clock, config  # noqa: E402
from footfall_fw.sync_device import SyncConfig, SyncDevice  # noqa: E402

hw = board.Hardware(BOARD, 100)
clock.set_valid(True)
app = A.App(hw, config.defaults(), "sessions")
wire = bytearray()


def send(buf, n):
    wire.extend(buf[:n])


server = SyncServer(app.store, SyncConfig(app), SyncDevice(app, 8), send)


def ask(ftype, payload):
    server.feed(pack_frame(ftype, 9, payload))
    got = []
    FrameParser(lambda t, s, b, o, n: got.append((t, bytes(b[o : o + n])))).feed(wire)
    wire[:] = b""
    return got


def auto_start():
    for _ in range(12):
        if app.sessions.update_auto(1000, 160, RUNNING) == "start":
            app.start_session(True, app.cfg["start_s"] * 1000)
            with open(app.store.path(app.sessions.writer.name), "rb") as f:
                h = Header.unpack_from(f.read(rec.HEADER_BYTES))
            app.stop_session()
            return h.start_s(), h.clock_set


namespace = globals()
exec(BODY, namespace)  # the test's requests; it leaves its findings in `result`
print(repr(namespace["result"]))
