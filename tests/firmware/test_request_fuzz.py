"""Fuzz the device's request handlers (hypothesis, CPython) on the firmware's own modules.

Arbitrary well-framed requests, with payloads either random or shaped like the real ones
with arbitrary field values, go to a DeviceRig (tests/firmware/device_rig.py: the real
SyncServer, SyncDevice, SyncConfig, Store and Sessions), with the app's auto start/stop
running between them. The contract: every reply is its request's reply, DATA or an ERROR
frame that is not ERR_DEVICE; nothing raises; and afterwards LIST and GET serve every
session, config.json loads as the config in use, and the next auto-start writes a header
whose clock is the last one SET_TIME accepted.
"""

import json  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.firmware.fwpath  # noqa: F401
from footfall_core import protocol as P
from footfall_core.activity import IDLE, RUNNING, WALKING
from footfall_core.crc import session_crc
from footfall_core.frames import MAX_PAYLOAD, pack_frame
from footfall_core.header import CLOCK_MAX_S, CLOCK_MIN_S
from footfall_fw import config
from tests.firmware.device_rig import BOOT_S, DeviceRig

REQUESTS = [P.HELLO, P.INFO, P.LIST, P.GET, P.ACK, P.DELETE, P.GET_CONFIG, P.SET_CONFIG]
REQUESTS += [P.SET_TIME, P.LIVE, P.BYE]
U16 = st.integers(0, 0xFFFF)
U32 = st.integers(0, 0xFFFFFFFF)
TIMES = st.one_of(
    U32,
    st.integers(CLOCK_MIN_S - 2, CLOCK_MIN_S + 2),
    st.integers(CLOCK_MAX_S - 2, CLOCK_MAX_S + 2),
    st.sampled_from([0, 0xFFFFFFF0, 0xFFFFFFFF, 1_900_000_000]),
)
JSON_VALUES = st.one_of(
    st.integers(-10, 5000),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.sampled_from(["waist", "shoe", "wrist", ""]),
    st.text(max_size=20),
    st.lists(st.integers(0, 300), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
CONFIG_KEYS = st.one_of(st.sampled_from(sorted(config.FIELDS)), st.text(max_size=12))


@st.composite
def near_the_rules(draw: st.DrawFn) -> dict:
    """One field with a value around its own rule's bounds: most are accepted, some not."""
    name = draw(st.sampled_from(sorted(config.FIELDS)))
    _default, kind, low, high = config.FIELDS[name]
    if kind == "int":
        value = draw(st.one_of(st.integers(low - 3, high + 3), st.integers(low, 20 * high)))
    elif kind == "bool":
        value = draw(st.one_of(st.booleans(), st.integers(0, 1)))
    else:
        value = draw(st.sampled_from([*kind, "wrist"]))
    return {name: value}


CHANGES = st.one_of(
    near_the_rules(),
    st.lists(near_the_rules(), max_size=4).map(
        lambda ds: {k: v for d in ds for k, v in d.items()}
    ),
    st.dictionaries(CONFIG_KEYS, JSON_VALUES, max_size=4),
)


def u16(v: int) -> bytes:
    return bytes([v & 0xFF, v >> 8])


def shaped(data: st.DataObject, rig: DeviceRig, ftype: int) -> bytes:
    """A payload laid out as ftype's fields, each drawn from its range and past it."""
    listed = rig.app.store.sessions()
    sid = data.draw(st.one_of(st.sampled_from(listed), U32) if listed else U32)
    size = rig.app.store.session_info(sid)[3] if sid in listed else 100
    offset = data.draw(st.one_of(st.integers(0, size + 2), U32))
    if ftype == P.LIST:
        return u16(data.draw(st.one_of(st.integers(0, 4), U16)))
    if ftype == P.GET:
        window, chunk = data.draw(st.integers(0, 255)), data.draw(st.one_of(U16, st.just(0)))
        return P.request_get(sid, offset, window, chunk)
    if ftype == P.ACK:
        return P.request_u32s(sid, offset)
    if ftype == P.DELETE:
        crc = rig.app.store.session_info(sid)[4] if sid in listed else 0
        return P.request_delete(sid, data.draw(st.one_of(st.just(crc), U16)))
    if ftype == P.SET_CONFIG:
        changes = data.draw(CHANGES)
        return json.dumps(changes).encode()[:MAX_PAYLOAD]
    if ftype == P.SET_TIME:
        return P.request_u32s(data.draw(TIMES))
    if ftype == P.LIVE:
        return bytes([data.draw(st.integers(0, 255))])
    return b""


def check_replies(ftype: int, replies: list, max_window: int) -> None:
    # One request's DATA is at most one window of chunks (and the empty end-of-file DATA):
    # the burst the link can take before the sampler runs again (SyncServer's max_window).
    assert sum(t == P.DATA and len(p) > P.DATA_HEADER for t, _s, p in replies) <= max_window
    for t, _seq, p in replies:
        if t == P.ERROR:
            code, req, _reason = P.unpack_error(p, 0, len(p))
            assert code != P.ERR_DEVICE, P.unpack_error(p, 0, len(p))
            assert req == ftype
        else:
            assert t in (ftype | P.REPLY, P.DATA), (ftype, t)


def accepted_time(ftype: int, payload: bytes, replies: list) -> int | None:
    if ftype == P.SET_TIME and [t for t, _s, _p in replies] == [P.SET_TIME | P.REPLY]:
        return P.get_u32_le(payload, 0)
    return None


def check_device_still_works(rig: DeviceRig, clock_s: int, ticks: int) -> None:
    assert rig.server.failures == 0
    if rig.app.sessions.active:
        rig.stop()
    entries = rig.listing()
    for sid, _start, _dur, _steps, size, crc in entries:
        data = rig.fetch(sid)
        assert (len(data), session_crc(data, 0, len(data))) == (size, crc)
    cfg, problems = config.load(rig.config_path)
    assert problems == []
    assert {k: v for k, v in cfg.items() if k != "live"} == {
        k: v for k, v in rig.app.cfg.items() if k != "live"
    }
    rig.coach_tick(0, IDLE)  # auto-start waits for running to stop after a session
    before = rig.port_time.unix_s
    header = rig.auto_start()
    now_s = rig.port_time.unix_s
    assert before == clock_s + ticks + 1  # the clock SET_TIME last set, run on
    if CLOCK_MIN_S <= now_s <= CLOCK_MAX_S:
        assert header.clock_set and header.start_s() == now_s
    else:  # set near the end of 2099 and run past it: an unset clock's start
        assert not header.clock_set and header.start_s() < CLOCK_MIN_S
    rig.stop()
    assert len(rig.listing()) == len(entries) + 1


# The requests that change state come up twice as often; a step is a request 4 times in 6.
CHANGING = [P.GET, P.ACK, P.DELETE, P.SET_CONFIG, P.SET_TIME, P.LIVE]
REQUEST = st.tuples(
    st.just("request"), st.sampled_from(REQUESTS + CHANGING), st.sampled_from([True, True, False])
)
STEPS = st.lists(
    st.one_of(
        REQUEST,
        REQUEST,
        REQUEST,
        REQUEST,
        st.tuples(st.just("other type"), st.integers(0, 255), st.just(False)),
        st.tuples(st.just("tick"), st.sampled_from([RUNNING, WALKING, IDLE]), st.booleans()),
    ),
    min_size=1,
    max_size=16,
)


def send(rig: DeviceRig, ftype: int, payload: bytes, seq: int = 7) -> list:
    """One request; its replies checked (check_replies)."""
    replies = rig.feed(pack_frame(ftype, seq, payload))
    check_replies(ftype, replies, rig.server.max_window)
    return replies


def requests_then_auto_start(steps: list, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder, DeviceRig(Path(folder)) as rig:
        clock_s, ticks = BOOT_S, 0
        for kind, what, flag in steps:
            if kind == "tick":
                rig.coach_tick(175 if flag else 90, what)
                ticks += 1
                continue
            ftype = what
            if kind == "request" and flag:
                payload = shaped(data, rig, ftype)
            else:
                payload = data.draw(st.binary(max_size=64))
            replies = send(rig, ftype, payload, data.draw(st.integers(0, 255)))
            t = accepted_time(ftype, payload, replies)
            if t is not None:
                assert CLOCK_MIN_S <= t <= CLOCK_MAX_S
                clock_s, ticks = t, 0
        check_device_still_works(rig, clock_s, ticks)


SLOW = [HealthCheck.too_slow]


@pytest.mark.e2e
@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(STEPS, st.data())
def test_any_requests_get_a_reply_or_an_error_and_leave_a_working_device(steps, data):
    requests_then_auto_start(steps, data)


@pytest.mark.e2e
@settings(max_examples=3000, deadline=None, suppress_health_check=SLOW)
@given(STEPS, st.data())
def test_thousands_of_request_sequences_leave_a_working_device(steps, data):
    requests_then_auto_start(steps, data)


# One request type at a time, its payload's fields drawn with more care:


@pytest.mark.e2e
@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.lists(CHANGES, min_size=1, max_size=4))
def test_any_config_changes_leave_a_device_that_starts_its_next_session(changes_list):
    with tempfile.TemporaryDirectory() as folder, DeviceRig(Path(folder)) as rig:
        for changes in changes_list:
            send(rig, P.SET_CONFIG, json.dumps(changes).encode())
        check_device_still_works(rig, BOOT_S, 0)


@pytest.mark.e2e
@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.lists(TIMES, min_size=1, max_size=4))
def test_any_set_times_leave_a_clock_the_next_session_can_hold(times):
    with tempfile.TemporaryDirectory() as folder, DeviceRig(Path(folder)) as rig:
        clock_s = BOOT_S
        for unix_s in times:
            payload = P.request_u32s(unix_s)
            t = accepted_time(P.SET_TIME, payload, send(rig, P.SET_TIME, payload))
            if t is not None:
                assert CLOCK_MIN_S <= t <= CLOCK_MAX_S
                clock_s = t
        check_device_still_works(rig, clock_s, 0)


@pytest.mark.e2e
@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.data())
def test_any_acks_during_a_transfer_send_the_session_in_order_a_window_at_most(data):
    with tempfile.TemporaryDirectory() as folder, DeviceRig(Path(folder)) as rig:
        sid = data.draw(st.sampled_from(rig.app.store.sessions()))
        size = rig.app.store.session_info(sid)[3]
        at = data.draw(st.integers(0, size))
        window, chunk = data.draw(st.integers(1, 255)), data.draw(st.integers(0, 300))
        replies = send(rig, P.GET, P.request_get(sid, at, window, chunk))
        for _ in range(data.draw(st.integers(0, 12))):
            for t, _s, p in replies:
                if t == P.DATA:
                    assert P.get_u32_le(p, 0) == at  # no gap, no repeat
                    at += len(p) - P.DATA_HEADER
            offset = data.draw(st.one_of(st.integers(0, size + 40), U32, st.just(at)))
            replies = send(rig, P.ACK, P.request_u32s(sid, offset))
        check_device_still_works(rig, BOOT_S, 0)
