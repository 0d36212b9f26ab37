"""Every request field the SyncServer checks: a value the device cannot use gets an ERROR
frame and reaches nothing, under CPython and in the unix port (docs/store-and-sync.md,
Requests the device refuses)."""

import pytest

from tests.conftest import run_body

CLOCK_MIN_S = 1704067200  # 2024-01-01 UTC
CLOCK_MAX_S = 4102444799  # 2099-12-31 23:59:59 UTC


@pytest.fixture
def run(interpreter):
    """A body after `from sync_rig import *` (tests/mpy/sync_rig.py) in one interpreter."""
    return lambda body: run_body(interpreter, "sync_rig", body)


SET_TIME = """
r = Rig()
r.device.time_s = 1800000000
replies = r.ask(P.SET_TIME, 6, P.request_u32s({unix_s}))
(t, s, p), = replies
result = t, (P.unpack_error(p, 0, len(p))[:2] if t == P.ERROR else p), r.device.time_s
"""


@pytest.mark.parametrize("unix_s", [0xFFFFFFF0, 0xFFFFFFFF, 0, CLOCK_MIN_S - 1, CLOCK_MAX_S + 1])
def test_set_time_outside_2024_to_2099_is_refused_and_never_reaches_the_clock(run, unix_s):
    assert run(SET_TIME.format(unix_s=unix_s)) == (0xFF, (4, 9), 1800000000)


@pytest.mark.parametrize("unix_s", [CLOCK_MIN_S, 1800000000, CLOCK_MAX_S])
def test_set_time_inside_2024_to_2099_is_applied(run, unix_s):
    assert run(SET_TIME.format(unix_s=unix_s)) == (0x89, b"", unix_s)


def test_the_range_is_the_session_headers_clock_range():
    from footfall_core import header

    assert (header.CLOCK_MIN_S, header.CLOCK_MAX_S) == (CLOCK_MIN_S, CLOCK_MAX_S)


@pytest.mark.parametrize(("on", "live"), [(0, False), (1, True)])
def test_live_0_and_1_switch_live_mode(run, on, live):
    body = f"r = Rig()\nr.device.live = None\nresult = r.ask(P.LIVE, 2, bytes([{on}]))"
    body += ", r.device.live"
    assert run(body) == ([(0x8A, 2, b"")], live)


@pytest.mark.parametrize("on", [2, 0x80, 0xFF])
def test_live_other_than_0_or_1_is_refused(run, on):
    body = f"r = Rig()\nr.device.live = None\n(t, s, p), = r.ask(P.LIVE, 2, bytes([{on}]))\n"
    body += "result = t, P.unpack_error(p, 0, len(p))[:2], r.device.live"
    assert run(body) == (0xFF, (4, 0x0A), None)


def test_get_with_a_window_of_0_is_refused_and_sends_no_data(run):
    body = "r = Rig()\nresult = [(t, P.unpack_error(p, 0, len(p))[:2]) if t == P.ERROR else t "
    body += "for t, s, p in r.ask(P.GET, 4, P.request_get(1, 0, 0, 100))]"
    assert run(body) == [(0xFF, (4, 4))]


def test_get_past_the_end_of_a_session_is_refused(run):
    body = "r = Rig()\n(t, s, p), = r.ask(P.GET, 4, P.request_get(2, 51, 1, 0))\n"
    body += "result = t, P.unpack_error(p, 0, len(p))[:2]"
    assert run(body) == (0xFF, (4, 4))


@pytest.mark.parametrize("req", ["GET", "DELETE"])
def test_a_session_id_that_is_not_listed_is_no_such_session(run, req):
    payload = "P.request_get(0xFFFFFFFF, 0)" if req == "GET" else "P.request_delete(3, 0)"
    body = f"r = Rig()\n(t, s, p), = r.ask(P.{req}, 4, {payload})\n"
    body += "result = t, P.unpack_error(p, 0, len(p))[0], r.store.sessions()"
    assert run(body) == (0xFF, 5, [1, 2])


ACK_PAST = """
r = Rig()
first = r.ask(P.GET, 4, P.request_get(1, 0, 2, 100))  # 200 bytes sent of 1000
late = r.ask(P.ACK, 5, P.request_u32s(1, 1000))
fair = r.ask(P.ACK, 6, P.request_u32s(1, 200))
result = (len(first), [(t, P.unpack_error(p, 0, len(p))[:2]) for t, s, p in late],
          [(t, P.get_u32_le(p, 0)) for t, s, p in fair])
"""


def test_an_ack_past_the_bytes_sent_is_refused_and_opens_no_window(run):
    # Honoured, it would send the rest of the session in one burst, past max_window.
    assert run(ACK_PAST) == (2, [(0xFF, (4, 5))], [(0x84, 200), (0x84, 300)])


def test_a_stale_ack_for_another_session_is_ignored(run):
    body = "r = Rig()\nr.ask(P.GET, 4, P.request_get(1, 0, 2, 100))\n"
    body += "result = r.ask(P.ACK, 5, P.request_u32s(2, 50))"
    assert run(body) == []


@pytest.mark.parametrize(
    ("ftype", "short"),
    [(0x03, 1), (0x04, 10), (0x05, 7), (0x06, 5), (0x09, 3), (0x0A, 0)],
)
def test_a_request_shorter_than_its_fields_is_a_payload_error(run, ftype, short):
    body = f"r = Rig()\n(t, s, p), = r.ask({ftype}, 3, bytes({short}))\n"
    body += "result = t, P.unpack_error(p, 0, len(p))[:2]"
    assert run(body) == (0xFF, (4, ftype))


def test_a_value_the_device_itself_refuses_is_a_payload_error(run):
    body = "r = Rig()\ndef refuse(unix_s):\n    raise ValueError('clock: no')\n"
    body += "r.device.set_time = refuse\n"
    body += "(t, s, p), = r.ask(P.SET_TIME, 3, P.request_u32s(1800000000))\n"
    body += "result = t, P.unpack_error(p, 0, len(p)), r.server.failures"
    assert run(body) == (0xFF, (4, 9, "clock: no"), 0)


def test_an_unexpected_failure_is_an_err_device_frame_and_the_next_request_is_served(run):
    body = "r = Rig()\ndef broken(on):\n    raise RuntimeError('radio')\n"
    body += "r.device.set_live = broken\n(t, s, p), = r.ask(P.LIVE, 3, b'\\x01')\n"
    body += "result = (t, P.unpack_error(p, 0, len(p))[:2], r.server.failures,\n"
    body += "          [t for t, s, p in r.ask(P.HELLO, 4)])"
    assert run(body) == (0xFF, (11, 0x0A), 1, [0x81])
