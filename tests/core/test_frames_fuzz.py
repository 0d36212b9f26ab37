"""Fuzz the frame parser and the SyncServer (hypothesis runs under CPython only).

The contract: nothing but clean frames and counted errors come out of the parser, nothing
but FrameError out of the payload decoders, and nothing at all out of SyncServer.feed().
"""

import pytest
from footfall_core import protocol as P
from footfall_core.frames import MAX_PAYLOAD, FrameError, FrameParser, pack_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.mpy.sync_rig import Rig

DECODERS = {
    0x81: P.unpack_hello,
    0x82: P.unpack_info,
    0x83: P.unpack_list,
    0x87: P.decode_config,
    0xFF: P.unpack_error,
}


def parse_all(data: bytes) -> tuple[list, FrameParser]:
    got: list = []
    parser = FrameParser(lambda t, s, b, o, n: got.append((t, s, bytes(b[o : o + n]))))
    parser.feed(data)
    return got, parser


def decode(ftype: int, payload: bytes) -> None:
    decoder = DECODERS.get(ftype)
    if decoder is None:
        return
    try:
        decoder(payload, 0, len(payload))
    except FrameError:
        pass


frames_st = st.lists(
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=600)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_give_only_clean_frames_and_counts(data):
    got, parser = parse_all(data)
    for ftype, _seq, payload in got:
        assert len(payload) <= MAX_PAYLOAD
        decode(ftype, payload)
    assert parser.garbage_bytes <= len(data)


@pytest.mark.e2e
@settings(max_examples=400, deadline=None)
@given(frames_st, st.data())
def test_mutated_valid_frames_give_only_clean_frames_or_counted_errors(specs, data):
    stream = bytearray()
    for ftype, seq, payload in specs:
        stream += pack_frame(ftype, seq, payload[:MAX_PAYLOAD])
    for _ in range(data.draw(st.integers(0, 8))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        i = data.draw(st.integers(0, len(stream)))
        if op == "flip" and i < len(stream):
            stream[i] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "insert":
            stream[i:i] = data.draw(st.binary(min_size=1, max_size=20))
        elif op == "delete":
            del stream[i : i + data.draw(st.integers(1, 20))]
    got, parser = parse_all(bytes(stream))
    for ftype, _seq, payload in got:
        decode(ftype, payload)
    assert parser.frames == len(got)


@pytest.mark.e2e
@settings(max_examples=300, deadline=None)
@given(frames_st)
def test_every_unmutated_frame_comes_back_exactly(specs):
    stream = b"".join(pack_frame(t, s, p[:MAX_PAYLOAD]) for t, s, p in specs)
    got, parser = parse_all(stream)
    assert got == [(t, s, p[:MAX_PAYLOAD]) for t, s, p in specs]
    assert parser.errors == 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(range(0, 16)), st.integers(0, 255), st.binary(max_size=40)),
        max_size=12,
    ),
    st.binary(max_size=200),
)
@pytest.mark.e2e
def test_sync_server_survives_any_requests_and_garbage(requests, garbage):
    rig = Rig()
    for ftype, seq, payload in requests:
        rig.feed(pack_frame(ftype, seq, payload))
    rig.feed(garbage)
    for ftype, _seq, payload in rig.replies():
        decode(ftype, payload)
    rig.feed(bytes(MAX_PAYLOAD + 8))  # outlasts any false start the garbage began
    assert (0x81, 0x5A) in [(t, s) for t, s, _ in rig.ask(P.HELLO, 0x5A)]


@pytest.mark.e2e
@settings(max_examples=200, deadline=None)
@given(frames_st, st.lists(st.integers(1, 700), max_size=30))
def test_any_split_of_the_stream_parses_the_same_as_whole(specs, cuts):
    stream = b"".join(pack_frame(t, s, p[:MAX_PAYLOAD]) for t, s, p in specs)
    got: list = []
    parser = FrameParser(lambda t, s, b, o, n: got.append((t, s, bytes(b[o : o + n]))))
    pos = 0
    for cut in cuts:
        parser.feed(stream[pos : pos + cut])
        pos += cut
    parser.feed(stream[pos:])
    assert got == parse_all(stream)[0]
