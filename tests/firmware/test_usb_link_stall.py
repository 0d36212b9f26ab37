"""UsbLink in the unix port: a partial frame whose bytes stop for STALL_MS is given up, and
the requests held behind it are answered; a request still arriving is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from footfall_core import frames
from footfall_core import protocol as P

from tests.firmware.test_usb_link import HELLO, replies, run_link

pytestmark = pytest.mark.e2e

STRAY = bytes([frames.SYNC, frames.FRAME_VERSION, P.INFO, 0]) + (512).to_bytes(2, "little")
QUIET = "import time\nfrom footfall_fw import usb_link\n"
QUIET += "link._last_rx_ms = time.ticks_add(time.ticks_ms(), -usb_link.STALL_MS - {extra})\n"


def test_requests_behind_a_stray_header_are_answered_once_the_bytes_stop(tmp_path: Path) -> None:
    actions = "link.step()\n" + QUIET.format(extra=1) + "link.step()\n"
    out = run_link(tmp_path, P.SERIAL_ENTER + STRAY + HELLO, actions)
    assert replies(out)[-1] == (P.HELLO | P.REPLY, 7) and out["counters"]["stalls"] == 1
    assert (P.ERROR, 0) in replies(out)  # the header given up, reported as cut short


def test_a_partial_frame_is_kept_while_its_bytes_may_still_come(tmp_path: Path) -> None:
    actions = "link.step()\n" + QUIET.format(extra=-50) + "link.step()\n"
    out = run_link(tmp_path, P.SERIAL_ENTER + STRAY + HELLO, actions)
    assert replies(out) == [] and out["counters"]["stalls"] == 0 and out["active"]
