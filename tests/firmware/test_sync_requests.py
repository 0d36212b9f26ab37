"""Crafted requests against the firmware's own handlers (SyncServer, SyncDevice, SyncConfig,
Store, Sessions): each gets a reply or an ERROR frame, never an exception, and leaves a
device whose next auto-start and LIST work. CPython here; the cases that touch the board
run again in the unix port on the virtual board's stand-ins (the last tests)."""

import ast  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
import json
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall.sim import MPY_DIR
from footfall_core import protocol as P
from footfall_core.header import CLOCK_MAX_S, CLOCK_MIN_S
from footfall_fw import config
from tests.firmware.device_rig import BOOT_S, DeviceRig, files
from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy_file


@pytest.fixture
def rig(tmp_path: Path):
    with DeviceRig(tmp_path) as r:
        yield r


def error(replies: list) -> tuple[int, int]:
    ((t, _s, p),) = replies
    assert t == P.ERROR, (t, p)
    return P.unpack_error(p, 0, len(p))[:2]


@pytest.mark.parametrize("unix_s", [0xFFFFFFF0, 0xFFFFFFFF, 0, CLOCK_MIN_S - 1, CLOCK_MAX_S + 1])
def test_set_time_out_of_range_is_refused_and_the_next_auto_start_keeps_the_clock(
    rig: DeviceRig, unix_s: int
) -> None:
    assert error(rig.ask(P.SET_TIME, P.request_u32s(unix_s))) == (P.ERR_BAD_PAYLOAD, P.SET_TIME)
    header = rig.auto_start()
    assert header.clock_set and BOOT_S < header.start_s() < BOOT_S + 60
    rig.stop()
    assert len(rig.listing()) == 3


def test_set_time_at_the_last_second_of_2099_starts_sessions_a_day_later(rig: DeviceRig) -> None:
    assert rig.ask(P.SET_TIME, P.request_u32s(CLOCK_MAX_S))[0][0] == P.SET_TIME | P.REPLY
    rig.port_time.unix_s += 86_400  # the clock runs on past 2099: no longer a usable time
    header = rig.auto_start()
    assert header.clock_set is False  # the host re-bases it by uptime
    rig.stop()
    assert len(rig.listing()) == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"min_gap_s": 3600},  # the config took it, the session header could not: crashed
        {"below_s": 256},
        {"rearm_s": 600},
        {"target_spm": 170.5},
        {"placement": "wrist"},
        {"colour": "red"},
        {"target_spm": [170]},
        {"auto_start": 1},
    ],
)
def test_set_config_outside_the_configs_rules_is_refused_and_nothing_is_saved(
    rig: DeviceRig, changes: dict
) -> None:
    before = files(rig.root), dict(rig.app.cfg), rig.app.coach
    payload = json.dumps(changes).encode()
    assert error(rig.ask(P.SET_CONFIG, payload)) == (P.ERR_BAD_CONFIG, P.SET_CONFIG)
    assert (files(rig.root), rig.app.cfg, rig.app.coach) == before
    rig.auto_start()


def test_set_config_at_every_fields_bounds_is_saved_and_the_next_session_starts(
    rig: DeviceRig,
) -> None:
    for name, (_default, kind, low, high) in config.FIELDS.items():
        values = (low, high) if kind == "int" else (True, False) if kind == "bool" else kind
        for value in values:
            ((t, _s, p),) = rig.ask(P.SET_CONFIG, json.dumps({name: value}).encode())
            assert t == P.SET_CONFIG | P.REPLY, P.unpack_error(p, 0, len(p))
    extremes = {n: f[3] for n, f in config.FIELDS.items() if f[1] == "int"}
    extremes.update(start_spm=60, start_s=1, auto_start=True)
    ((t, _s, p),) = rig.ask(P.SET_CONFIG, json.dumps(extremes).encode())
    assert t == P.SET_CONFIG | P.REPLY
    assert config.load(rig.config_path) == (rig.app.cfg, [])
    header = rig.auto_start()  # raised "min_gap_s must be 0..255" for a min_gap_s of 3600
    assert (header.below_s, header.min_gap_s, header.rearm_s) == (255, 255, 255)


def test_a_config_too_large_for_a_frame_is_a_payload_error(rig: DeviceRig) -> None:
    body = b'{"target_spm": 170, "x": "' + b"y" * 600 + b'"}'
    replies = rig.ask(P.SET_CONFIG, body[: 512 - 1])  # cut: no longer JSON
    assert error(replies) == (P.ERR_BAD_PAYLOAD, P.SET_CONFIG)


def test_delete_of_the_session_being_sent_ends_the_transfer(rig: DeviceRig) -> None:
    sid, crc = rig.listing()[0][0], rig.listing()[0][5]
    assert rig.ask(P.GET, P.request_get(sid, 0, 1, 16))[0][0] == P.DATA
    assert rig.ask(P.DELETE, P.request_delete(sid, crc)) == [(P.DELETE | P.REPLY, 7, b"")]
    assert rig.ask(P.ACK, P.request_u32s(sid, 16)) == []  # stale: nothing more is sent
    assert [e[0] for e in rig.listing()] == [2]
    assert len(rig.fetch(2)) > 44


# -- the unix port, on the virtual board's stand-in machine ---------------------------------

STANDINS = (str(MPY_DIR), str(MPY_DIR.parent))


def run_app(tmp_path: Path, board: str, script: str) -> object:
    """Run script in tests/mpy/app_sync_requests.py's app on `board`; its `result`."""
    params = repr((str(tmp_path), board, script)).encode()
    out = run_mpy_file(MPY_SCRIPTS / "app_sync_requests.py", stdin=params, paths=STANDINS)
    return ast.literal_eval(out.stdout.decode().strip().splitlines()[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("board", ["m5stickc_plus2", "esp32_lis3dh"])  # BM8563, none
def test_unix_port_set_time_0xfffffff0_is_refused_and_auto_start_logs_the_run(
    tmp_path: Path, board: str
) -> None:
    # Was: OK (or, with the BM8563, an exception out of feed and the link dropped); the
    # ESP32 clock in 2106; the next auto-start raised in the coach task and reset.
    script = """
got = ask(P.SET_TIME, P.request_u32s(0xFFFFFFF0))
result = ([(t, P.unpack_error(p, 0, len(p))[:2]) for t, p in got], time.time(),
          auto_start(), ask(P.LIST, b"\\0\\0")[0][0], server.failures)
"""
    replies, now_s, (start_s, clock_set), list_type, failures = run_app(tmp_path, board, script)
    assert replies == [(0xFF, (P.ERR_BAD_PAYLOAD, P.SET_TIME))]
    assert 1_800_000_000 <= now_s < 1_800_000_100  # the clock as it was
    assert clock_set is True and 1_800_000_000 <= start_s < 1_800_000_100
    assert list_type == P.LIST | P.REPLY and failures == 0


@pytest.mark.e2e
def test_unix_port_a_clock_that_ran_past_2106_cannot_crash_the_auto_start(tmp_path: Path) -> None:
    # However the ESP32 clock got there (a garbled RTC read, a port's clock run wild).
    script = """
import machine
machine.RTC().datetime((2150, 1, 1, 0, 0, 0, 0, 0))
clock.set_valid(True)
result = time.time() > 2**32, auto_start(), ask(P.HELLO, b"")[0][1][20]
"""
    past, (start_s, clock_set), hello_clock = run_app(tmp_path, "m5stickc_plus2", script)
    assert past and clock_set is False and 946_684_800 <= start_s < 1_000_000_000
    assert hello_clock == 0  # HELLO says the clock is not set: the host re-bases


@pytest.mark.e2e
def test_unix_port_set_config_min_gap_3600_is_refused_and_255_runs(tmp_path: Path) -> None:
    # Was: saved, and every session start after it raised "min_gap_s must be 0..255".
    script = """
import json
refused = ask(P.SET_CONFIG, b'{"min_gap_s": 3600}')
saved = ask(P.SET_CONFIG, b'{"min_gap_s": 255, "below_s": 255, "rearm_s": 255}')
result = ([t for t, p in refused], refused[0][1][0], saved[0][0],
          config.load()[0]["min_gap_s"], auto_start()[1], server.failures)
"""
    got = run_app(tmp_path, "m5stickc_plus2", script)
    assert got == ([0xFF], P.ERR_BAD_CONFIG, P.SET_CONFIG | P.REPLY, 255, True, 0)
