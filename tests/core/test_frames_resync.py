"""The frame parser resynchronises on the next valid frame after a false start whose bytes
never come (a stray header claiming 512 bytes, a frame cut off), and the device answers an
oversize request with an ERROR its sender can pair with it. Under CPython and the unix port;
the property-based sweep of garbage between frames runs under CPython."""

from __future__ import annotations

import pytest
from footfall_core import protocol as P
from footfall_core.crc import crc16
from footfall_core.frames import (
    ERR_TOO_LONG,
    ERR_TRUNCATED,
    MAX_PAYLOAD,
    SYNC,
    FrameParser,
    pack_frame,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import run_body


@pytest.fixture
def run(interpreter):
    """A body after `from sync_rig import *` (tests/mpy/sync_rig.py) in one interpreter."""
    return lambda body: run_body(interpreter, "sync_rig", body)


PARSER = """
got, errs = [], []
p = FrameParser(lambda t, s, b, o, n: got.append((t, s, bytes(b[o:o + n]))), errs.append)
"""
STRAY = "b'\\xf5\\x01\\x09\\x00\\x00\\x02'"  # SYNC, version, type 9, seq 0, 512 bytes


def test_a_stray_header_holds_the_frame_behind_it_until_expire_gives_it_up(run):
    body = PARSER + f"p.feed({STRAY} + pack_frame(P.HELLO | P.REPLY, 7, b'hi'))\n"
    body += "held = (list(got), p.pending)\np.expire()\n"
    body += "result = held, got, errs, p.pending, p.truncated, p.errors"
    held, got, errs, pending, truncated, errors = run(body)
    assert held == ([], True)
    assert got == [(0x81, 7, b"hi")] and errs == [ERR_TRUNCATED]
    assert (pending, truncated, errors) == (False, 1, 1)


def test_expire_gives_up_every_false_start_and_keeps_every_frame_between_them(run):
    body = PARSER + f"p.feed({STRAY} + pack_frame(1, 1) + {STRAY} + pack_frame(2, 2, b'x'))\n"
    body += "p.expire()\nresult = got, errs, p.pending"
    got, errs, pending = run(body)
    assert got == [(1, 1, b""), (2, 2, b"x")] and errs == [ERR_TRUNCATED] * 2 and not pending


def test_expire_with_nothing_held_does_nothing(run):
    body = PARSER + "p.feed(pack_frame(1, 1))\np.expire()\nresult = got, errs, p.truncated"
    assert run(body) == ([(1, 1, b"")], [], 0)


def test_a_frame_cut_short_and_expired_is_truncated_not_a_bad_crc(run):
    body = PARSER + "p.feed(pack_frame(3, 3, b'abcdef')[:9])\np.expire()\n"
    body += "p.feed(pack_frame(4, 4))\nresult = got, errs"
    assert run(body) == ([(4, 4, b"")], [ERR_TRUNCATED])


def test_an_oversize_request_is_answered_with_too_long_and_its_sequence_number(run):
    # SET_CONFIG claiming 600 bytes, then the 600 bytes and a CRC: not a frame any parser
    # takes, so the device says why, under the request's number, and serves the next one.
    body = "head = b'\\xf5\\x01' + bytes([P.SET_CONFIG, 0x2A]) + (600).to_bytes(2, 'little')\n"
    body += "r = Rig()\nr.feed(head + b'{\"a\": 1' + b' ' * 592 + b'}' + b'\\x00\\x00')\n"
    body += "first = r.replies()\nresult = first, r.ask(P.HELLO, 5)[0][:2]"
    first, hello = run(body)
    assert [(t, s) for t, s, _ in first] == [(P.ERROR, 0x2A)]
    code, req, reason = P.unpack_error(first[0][2], 0, len(first[0][2]))
    assert (code, req) == (ERR_TOO_LONG, P.SET_CONFIG)
    assert "600 bytes" in reason and f"{MAX_PAYLOAD}-byte" in reason
    assert hello == (P.HELLO | P.REPLY, 5)


def test_a_payload_over_the_frame_limit_cannot_be_packed(run):
    body = f"try:\n    pack_frame(1, 1, bytes({MAX_PAYLOAD + 1}))\n    result = 'packed'\n"
    body += "except FrameError as e:\n    result = str(e)\n"
    assert f"over the {MAX_PAYLOAD}-byte frame limit" in run(body)


# -- garbage interleaved with valid frames (CPython, hypothesis) ----------------------------

frame_st = st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=MAX_PAYLOAD))
noise_st = st.binary(max_size=40).map(lambda b: bytes(x for x in b if x != SYNC))


@st.composite
def false_start(draw: st.DrawFn) -> bytes:
    """Garbage that looks like the start of a frame: a stray header (any claimed length up
    to the limit, or above it) followed by some of its bytes, or a real frame cut short."""
    if draw(st.booleans()):
        n = draw(st.integers(0, 0xFFFF))
        head = bytes([SYNC, 1, draw(st.integers(0, 255)), draw(st.integers(0, 255))])
        return head + n.to_bytes(2, "little") + draw(noise_st)
    ftype, seq, payload = draw(frame_st)
    whole = pack_frame(ftype, seq, payload)
    return whole[: draw(st.integers(1, len(whole) - 1))]


def accidental_frames(stream: bytes) -> bool:
    """Whether a SYNC in the stream that starts no planted frame still heads a CRC-valid
    frame (a 1 in 65536 coincidence the property cannot rule out)."""
    for i in range(len(stream) - 7):
        if stream[i] != SYNC or stream[i + 1] != 1:
            continue
        n = stream[i + 4] | stream[i + 5] << 8
        end = i + 6 + n
        if n <= MAX_PAYLOAD and end + 2 <= len(stream):
            if crc16(stream, i + 1, end) == stream[end] | stream[end + 1] << 8:
                yield i


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.lists(false_start() | noise_st, max_size=3), frame_st), max_size=6),
    st.lists(st.integers(1, 700), max_size=20),
)
@pytest.mark.e2e
def test_every_valid_frame_after_any_garbage_is_received(pieces, cuts) -> None:
    stream = bytearray()
    starts = set()
    want = []
    for garbage, (ftype, seq, payload) in pieces:
        for g in garbage:
            stream += g
        starts.add(len(stream))
        stream += pack_frame(ftype, seq, payload)
        want.append((ftype, seq, payload))
    assume(set(accidental_frames(bytes(stream))) <= starts)
    got: list = []
    parser = FrameParser(lambda t, s, b, o, n: got.append((t, s, bytes(b[o : o + n]))))
    pos = 0
    for cut in cuts:  # arriving in any pieces
        parser.feed(stream[pos : pos + cut])
        pos += cut
    parser.feed(stream[pos:])
    parser.expire()  # then the bytes stop
    assert got == want and not parser.pending
