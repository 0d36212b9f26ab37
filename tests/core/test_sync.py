"""Sync frames and the device-side SyncServer, each checked under CPython and the unix port."""

import ast

import pytest

from tests.conftest import MPY_SCRIPTS, run_body
from tests.unixport import run_mpy_file


@pytest.fixture
def run(interpreter):
    """A body after `from sync_rig import *` (tests/mpy/sync_rig.py) in one interpreter."""
    return lambda body: run_body(interpreter, "sync_rig", body)


PARSE = """
def parse(data, by_byte=False):
    got = []
    errs = []
    p = FrameParser(lambda t, s, b, o, n: got.append((t, s, bytes(b[o:o + n]))), errs.append)
    if by_byte:
        for b in data:
            p.feed_byte(b)
    else:
        p.feed(data)
    return got, errs, (p.frames, p.garbage_bytes, p.bad_header, p.bad_crc)
"""


def test_empty_frame_golden_bytes(run):
    assert run("result = pack_frame(P.HELLO, 1)") == bytes.fromhex("f50101010000d9fa")


def test_frame_with_payload_golden_bytes(run):
    got = run("result = pack_frame(P.ACK, 0x2A, P.request_u32s(1, 0x01020304))")
    # The CRC was checked independently with binascii.crc_hqx(frame[1:-2], 0xFFFF).
    assert got == bytes.fromhex("f501052a08000100000004030201f323")


@pytest.mark.parametrize("size", [0, 1, 255, 256, 512])
def test_frame_round_trips_at_edge_sizes(run, size):
    body = PARSE + "result = parse(pack_frame(0x7E, 255, bytes(range(256)) * 2)[:0] or "
    body += f"pack_frame(0x7E, 255, (bytes(range(256)) * 2)[:{size}]))"
    got, errs, counts = run(body)
    assert got == [(0x7E, 255, (bytes(range(256)) * 2)[:size])]
    assert errs == [] and counts == (1, 0, 0, 0)


def test_garbage_between_frames_is_skipped_and_counted(run):
    body = PARSE + "result = parse(b'junk' + pack_frame(1, 1) + b'\\x00\\x01' + pack_frame(2, 2))"
    got, errs, counts = run(body)
    assert [(t, s) for t, s, _ in got] == [(1, 1), (2, 2)]
    assert counts == (2, 6, 0, 0)


def test_frame_hidden_behind_a_false_start_is_found_once_the_bogus_length_passes(run):
    # A stray SYNC + version + a length of 300 swallows the real frame until 300 more bytes
    # (e.g. the host's retry) fail its CRC; the parser then rescans and finds the frame.
    body = PARSE + "false = b'\\xf5\\x01\\x09\\x00\\x2c\\x01'\n"
    body += "result = parse(false + pack_frame(3, 9, b'abc') + bytes(300))"
    got, errs, counts = run(body)
    assert got == [(3, 9, b"abc")]
    assert errs == [2]


def test_frame_fed_byte_by_byte_is_parsed(run):
    got, errs, counts = run(PARSE + "result = parse(pack_frame(4, 5, b'xyz') * 2, True)")
    assert got == [(4, 5, b"xyz")] * 2


def test_bad_crc_is_counted_and_reported(run):
    body = PARSE + "f = bytearray(pack_frame(4, 5, b'xyz')); f[7] ^= 1\n"
    body += "result = parse(bytes(f) + pack_frame(6, 7))"
    got, errs, counts = run(body)
    assert [(t, s) for t, s, _ in got] == [(6, 7)]
    assert errs == [2] and counts[3] == 1


def test_oversize_length_is_too_long_and_counted_as_a_bad_header(run):
    got, errs, counts = run(PARSE + "result = parse(b'\\xf5\\x01\\x01\\x00\\x01\\x02')")
    assert errs == [9] and counts[2] == 1 and got == []


def test_an_unknown_frame_version_is_a_bad_header(run):
    got, errs, counts = run(PARSE + "result = parse(b'\\xf5\\x02\\x01\\x00\\x00\\x00')")
    assert errs == [1] and counts[2] == 1 and got == []


def test_oversize_payload_cannot_be_packed(run):
    body = "try:\n    pack_frame_into(bytearray(20), 1, 1, bytes(13))\n    result = 'packed'\n"
    body += "except FrameError as e:\n    result = 'FrameError'\n"
    body = "from footfall_core.frames import pack_frame_into\n" + body
    assert run(body) == "FrameError"


def test_hello_reply_carries_device_identity(run):
    got = run(
        "r = Rig()\n(t, s, p), = r.ask(P.HELLO, 9)\nresult = t, s, P.unpack_hello(p, 0, len(p))"
    )
    assert got == (0x81, 9, (4, bytes.fromhex("246f281a2b3c"), (0, 1, 0), 3, 236))


def test_hello_reply_carries_the_device_clock_after_its_identity(run):
    got = run(
        "r = Rig()\nr.device.clock = lambda: (0xBEEF, 2**30 - 1, False)\n"
        "(t, s, p), = r.ask(P.HELLO, 9)\n"
        "result = len(p), P.unpack_hello(p, 0, len(p))[1], P.unpack_hello_clock(p, 0, len(p))"
    )
    assert got == (21, bytes.fromhex("246f281a2b3c"), (0xBEEF, 2**30 - 1, False))


def test_a_device_without_a_clock_sends_the_protocol_1_hello_layout(run):
    got = run(
        "r = Rig()\n(t, s, p), = r.ask(P.HELLO, 9)\nresult = len(p), "
        "P.unpack_hello_clock(p, 0, len(p))"
    )
    assert got == (14, None)


def test_info_reply_carries_battery_storage_counters_and_config(run):
    got = run("r = Rig()\n(t, s, p), = r.ask(P.INFO, 2)\nresult = P.unpack_info(p, 0, len(p))")
    config = {"target_spm": 170, "tolerance_spm": 3}
    assert got == (3900, 80, 2, 5000000, 6000000, 2, 1, 0, 7, config)


def test_list_reports_every_session(run):
    got = run(
        "r = Rig()\n(t, s, p), = r.ask(P.LIST, 3, b'\\0\\0')\nresult = P.unpack_list(p, 0, len(p))"
    )
    total, first, entries = got
    assert (total, first) == (2, 0)
    assert [e[0] for e in entries] == [1, 2]
    assert entries[1][1:5] == (1700000002, 120, 200, 50)


GET_ALL = """
r = Rig()
data = bytearray()
replies = r.ask(P.GET, 4, P.request_get(1, {offset}, 2, 0))
while True:
    for t, s, p in replies:
        off = P.get_u32_le(p, 0)
        assert off == {offset} + len(data)
        data += p[4:]
    if len(replies[-1][2]) == 4:
        break
    replies = r.ask(P.ACK, 5, P.request_u32s(1, {offset} + len(data)))
result = bytes(data) == r.store.files[1][{offset}:], len(data)
"""


def test_get_streams_the_whole_session_in_acknowledged_windows(run):
    assert run(GET_ALL.format(offset=0)) == (True, 1000)


def test_get_resumes_from_any_offset(run):
    assert run(GET_ALL.format(offset=777)) == (True, 223)


def test_get_sends_no_more_than_one_window_before_an_ack(run):
    got = run(
        "r = Rig()\nresult = [(t, s) for t, s, p in r.ask(P.GET, 4, P.request_get(1, 0, 3, 100))]"
    )
    assert got == [(0x84, 0), (0x84, 1), (0x84, 2)]


def test_the_device_caps_a_host_window_larger_than_its_link_allows(run):
    body = "r = Rig(max_window=2)\n"
    body += "result = [(t, s) for t, s, p in r.ask(P.GET, 4, P.request_get(1, 0, 8, 100))]"
    assert run(body) == [(0x84, 0), (0x84, 1)]


def test_delete_with_a_wrong_crc_is_refused_and_keeps_the_session(run):
    body = "r = Rig()\n(t, s, p), = r.ask(P.DELETE, 7, P.request_delete(2, 0x1234))\n"
    body += "result = t, P.unpack_error(p, 0, len(p))[:2], r.store.sessions()"
    assert run(body) == (0xFF, (6, 6), [1, 2])


def test_delete_with_the_matching_crc_deletes(run):
    body = "r = Rig()\ncrc = r.store.session_info(2)[4]\n"
    body += "result = r.ask(P.DELETE, 7, P.request_delete(2, crc)), r.store.sessions()"
    assert run(body) == ([(0x86, 7, b"")], [1])


def test_bad_config_value_is_refused_with_a_reason(run):
    body = "r = Rig()\n(t, s, p), = r.ask(P.SET_CONFIG, 8, b'{\"target_spm\": 999}')\n"
    body += "result = P.unpack_error(p, 0, len(p)), r.config.values['target_spm']"
    assert run(body) == ((7, 8, "target_spm must be an integer 100..250"), 170)


def test_good_config_is_applied_and_echoed(run):
    body = "r = Rig()\n(t, s, p), = r.ask(P.SET_CONFIG, 8, b'{\"target_spm\": 180}')\n"
    body += "result = t, P.decode_config(p, 0, len(p))['target_spm']"
    assert run(body) == (0x88, 180)


def test_config_that_is_not_json_is_a_payload_error(run):
    body = "r = Rig()\n(t, s, p), = r.ask(P.SET_CONFIG, 8, b'{target')\n"
    body += "result = P.unpack_error(p, 0, len(p))[:2]"
    assert run(body) == (4, 8)


def test_set_time_and_live_reach_the_device(run):
    body = "r = Rig()\na = r.ask(P.SET_TIME, 1, P.request_u32s(1763780000))\n"
    body += "b = r.ask(P.LIVE, 2, b'\\x01')\nresult = a, b, r.device.time_s, r.device.live"
    assert run(body) == ([(0x89, 1, b"")], [(0x8A, 2, b"")], 1763780000, True)


def test_corrupt_frame_gets_an_error_frame_and_the_next_request_is_served(run):
    body = "r = Rig()\nf = bytearray(pack_frame(P.HELLO, 1)); f[3] ^= 0x40\n"
    body += "r.feed(bytes(f) + pack_frame(P.HELLO, 2))\n"
    body += "result = [(t, s, p[:1]) for t, s, p in r.replies()], r.server.rx_errors"
    assert run(body) == ([(0xFF, 0, b"\x02"), (0x81, 2, b"\x04")], 1)  # protocol 4


def test_unknown_request_type_is_an_error(run):
    got = run("r = Rig()\n(t, s, p), = r.ask(0x33, 4)\nresult = P.unpack_error(p, 0, len(p))[:2]")
    assert got == (3, 0x33)


@pytest.mark.e2e
def test_parser_and_data_path_allocate_nothing_under_heap_lock():
    out = run_mpy_file(MPY_SCRIPTS / "sync_heap_lock.py").stdout.decode()
    # 3000 bytes in 232-byte chunks: 13 DATA frames and the empty end-of-file DATA.
    assert ast.literal_eval(out.strip().splitlines()[-1]) == (5, 14)


EFFICIENCY = """
r = Rig(files={{1: session(1, 100000)}}, max_payload={max_payload})
r.feed(pack_frame(P.GET, 1, P.request_get(1, 0, 8, 0)))
for acked in range(0, 100001, 1000):
    r.feed(pack_frame(P.ACK, 2, P.request_u32s(1, acked)))
frames = r.replies()
wire = sum(len(p) + 8 for t, s, p in frames)
result = sum(len(p) - 4 for t, s, p in frames), wire, max(len(p) + 8 for t, s, p in frames)
"""


def test_serial_transfer_efficiency_is_at_least_95_percent():
    data, wire, _ = run_body("cpython", "sync_rig", EFFICIENCY.format(max_payload=512))
    assert data == 100000
    assert data / wire >= 0.95  # 508 of every 520 bytes: 97.7 %


def test_ble_frames_fill_one_att_packet_at_mtu_247_with_over_90_percent_payload():
    data, wire, largest = run_body("cpython", "sync_rig", EFFICIENCY.format(max_payload=236))
    assert largest == 247 - 3  # one notification per frame
    assert data / wire >= 0.90  # 232 of every 244 ATT payload bytes: 95.1 %


def test_bye_is_answered_and_marks_the_server_closed(run):
    assert run("r = Rig()\nresult = r.ask(P.BYE, 3), r.server.closed") == ([(0x8B, 3, b"")], True)


def test_list_pages_when_the_sessions_do_not_fit_one_frame(run):
    # max_payload 100 holds (100 - 4) // 22 = 4 entries per page.
    body = """
r = Rig(files={sid: session(sid, 10) for sid in range(1, 11)}, max_payload=100)
pages = []
first = 0
while True:
    (t, s, p), = r.ask(P.LIST, 1, bytes([first, 0]))
    total, at, entries = P.unpack_list(p, 0, len(p))
    pages.append([e[0] for e in entries])
    first += len(entries)
    if not entries or first >= total:
        break
result = pages
"""
    assert run(body) == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
