"""UsbLink in the unix port: the handshake, Ctrl-C off only in sync mode, and every way out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from footfall_core import frames
from footfall_core import protocol as P

from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy

REPORT = """
print(json.dumps({'kbd': calls, 'tx': tx.data.hex(), 'active': link.active,
                  'counters': link.counters()}))
"""


def run_link(tmp_path: Path, data: bytes, actions: str = "link.step()\n", timeout=10000) -> dict:
    path = tmp_path / "rx.bin"
    path.write_bytes(data)
    script = "from usb_link_rig import *\n"  # tests/mpy/usb_link_rig.py
    script += f"calls, tx, link = open_link({str(path)!r}, {timeout})\n" + actions + REPORT
    out = run_mpy(script, extra_paths=(str(MPY_SCRIPTS),)).stdout
    return json.loads(out.splitlines()[-1])  # after any traceback


def replies(out: dict) -> list[tuple[int, int]]:
    got: list[tuple[int, int]] = []
    parser = frames.FrameParser(lambda t, s, b, o, n: got.append((t, s)))
    parser.feed(bytes.fromhex(out["tx"]))
    return got


HELLO = frames.pack_frame(P.HELLO, 7)
BYE = frames.pack_frame(P.BYE, 8)


@pytest.mark.e2e
def test_frames_before_the_handshake_get_no_reply_and_ctrl_c_stays_on(tmp_path: Path) -> None:
    out = run_link(tmp_path, HELLO)
    assert (out["kbd"], out["tx"], out["active"]) == ([], "", False)


def test_the_handshake_turns_ctrl_c_off_and_frames_after_it_are_answered(tmp_path) -> None:
    out = run_link(tmp_path, b"print('x')\r\n" + P.SERIAL_ENTER + HELLO)
    assert out["kbd"] == [-1] and out["active"]
    assert replies(out) == [(P.HELLO | P.REPLY, 7)]


@pytest.mark.e2e
def test_bye_is_answered_and_turns_ctrl_c_back_on(tmp_path: Path) -> None:
    out = run_link(tmp_path, P.SERIAL_ENTER + HELLO + BYE)
    assert out["kbd"] == [-1, 3] and not out["active"]
    assert replies(out)[-1] == (P.BYE | P.REPLY, 8)


@pytest.mark.e2e
def test_a_silent_host_times_out_and_ctrl_c_comes_back(tmp_path: Path) -> None:
    out = run_link(tmp_path, P.SERIAL_ENTER, timeout=-1)
    assert out["kbd"] == [-1, 3] and out["counters"]["timeouts"] == 1


@pytest.mark.e2e
def test_a_stream_error_turns_ctrl_c_back_on_and_the_link_keeps_going(tmp_path: Path) -> None:
    actions = "link.step()\nlink.rx = Broken()\nlink.step()\nlink.step()\n"
    out = run_link(tmp_path, P.SERIAL_ENTER, actions)
    assert out["kbd"][:2] == [-1, 3] and not out["active"]
    assert out["counters"]["errors"] == 2


@pytest.mark.e2e
def test_a_handshake_split_across_reads_is_still_found(tmp_path: Path) -> None:
    # The second read holds the rest: the matcher keeps its place between wakes.
    path = tmp_path / "more.bin"
    path.write_bytes(P.SERIAL_ENTER[8:] + HELLO)
    actions = f"link.step()\nlink.rx = open({str(path)!r}, 'rb')\nlink.step()\n"
    out = run_link(tmp_path, b"\r\n\r\n" + P.SERIAL_ENTER[:8], actions)
    assert out["kbd"] == [-1] and replies(out) == [(P.HELLO | P.REPLY, 7)]


@pytest.mark.e2e
def test_reading_and_parsing_acks_in_sync_mode_allocates_nothing(tmp_path: Path) -> None:
    ack = frames.pack_frame(P.ACK, 9, P.request_u32s(1, 100))  # for no transfer: no reply
    actions = (
        "import micropython\nlink.step()\n"
        "def steps():\n    for _ in range(60):\n        link.step()\n"  # no new globals
        "micropython.heap_lock()\nsteps()\nmicropython.heap_unlock()\n"
    )
    out = run_link(tmp_path, P.SERIAL_ENTER + ack * 200, actions)
    assert out["counters"]["rx_frames"] == 200 and out["counters"]["errors"] == 0


SYNC_STACK = ("footfall_core.protocol", "footfall_core.frames", "footfall_core.sync_server")


@pytest.mark.e2e
def test_the_sync_stack_is_loaded_at_the_first_handshake_not_before(tmp_path: Path) -> None:
    # RAM (docs/firmware.md): a board that never syncs must not hold the sync stack. The
    # link and the app are imported as at boot, then the link reads text, then the handshake.
    path = tmp_path / "rx.bin"
    path.write_bytes(b"print('x')\r\n")
    more = tmp_path / "more.bin"
    more.write_bytes(P.SERIAL_ENTER)
    script = (
        "import json\nimport footfall_fw.app\nfrom footfall_fw.usb_link import UsbLink\n"
        "class Tx:\n    def write(self, buf, off, n): return n\n"
        f"link = UsbLink(None, None, None, open({str(path)!r}, 'rb'), Tx(), lambda v: None)\n"
        f"link.step()\nseen = [m for m in {SYNC_STACK!r} if m in sys.modules]\n"
        f"link.rx = open({str(more)!r}, 'rb')\nlink.step()\n"
        "print(json.dumps([seen, [m for m in sys.modules if m.startswith('footfall')]]))\n"
    )
    before, after = json.loads(run_mpy(script).stdout.splitlines()[-1])
    assert before == [] and set(SYNC_STACK) <= set(after)
