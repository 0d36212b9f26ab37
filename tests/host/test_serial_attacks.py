"""Raw bytes on the pty against the real firmware (`footfall sim --serve serial`): a stray
frame header, an oversize request, garbage between requests. The link resynchronises on the
next valid frame, and the host's FrameLink does the same with what comes back (a property
over any garbage between frames, as the core's parser sweep in tests/core)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from footfall.cli import main
from footfall.errors import DeviceError
from footfall.transport.link import FrameLink, decode
from footfall_core import frames
from footfall_core import protocol as P
from footfall_core.crc import crc16
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.core.test_frames_resync import accidental_frames, false_start, frame_st
from tests.host.test_serial_sync import Board, connect, recording, run  # noqa: F401

STRAY = bytes([frames.SYNC, frames.FRAME_VERSION, P.INFO, 0x33]) + (512).to_bytes(2, "little")


@pytest.fixture(scope="module")
def board(recording: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    b = Board(recording, tmp_path_factory.mktemp("flash"))
    yield b
    b.kill()


def oversize_frame(ftype: int, seq: int, payload: bytes) -> bytes:
    """A frame as a host without the limit would pack it (pack_frame refuses to)."""
    head = bytes([frames.SYNC, frames.FRAME_VERSION, ftype, seq]) + len(payload).to_bytes(
        2, "little"
    )
    crc = crc16(head + payload, 1, len(head) + len(payload))
    return head + payload + crc.to_bytes(2, "little")


@pytest.mark.e2e
def test_a_stray_header_claiming_512_bytes_holds_the_next_request_for_a_stall_not_10_s(
    board: Board,
) -> None:
    async def scenario() -> tuple[float, int, list[int]]:
        sync = await connect(board.url)
        try:
            await sync._write(STRAY)
            t0 = time.monotonic()
            hello = await sync.link.request(P.HELLO, timeout_s=3.0)
            return time.monotonic() - t0, hello.type, sync.link.errors
        finally:
            await sync.close()

    waited_s, reply, _ = run(scenario)
    assert reply == P.HELLO | P.REPLY
    assert waited_s < 2.0  # the firmware gives the header up after STALL_MS of silence


@pytest.mark.e2e
def test_an_oversize_request_is_refused_at_once_under_its_own_sequence_number(
    board: Board,
) -> None:
    body = json.dumps({"target_spm": 176, "note": "x" * 600}).encode()

    async def scenario() -> tuple[float, DeviceError, dict]:
        sync = await connect(board.url)
        try:
            seq = sync.link.next_seq()
            t0 = time.monotonic()
            await sync._write(oversize_frame(P.SET_CONFIG, seq, body))
            while True:
                frame = await sync.link.recv(3.0)
                if frame.type == P.ERROR and frame.seq == seq:
                    break
            waited_s = time.monotonic() - t0
            code, req, reason = decode(P.unpack_error, frame)
            cfg = decode(P.decode_config, await sync.link.request(P.GET_CONFIG))
            return waited_s, DeviceError(code, reason), {"req": req, "cfg": cfg}
        finally:
            await sync.close()

    waited_s, error, got = run(scenario)
    assert error.code == P.ERR_TOO_LONG and got["req"] == P.SET_CONFIG
    assert f"{len(body)} bytes" in error.reason and waited_s < 2.0
    assert got["cfg"].get("target_spm") != 176  # not applied


@pytest.mark.e2e
def test_config_refuses_a_change_over_one_frame_before_opening_the_device(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = time.monotonic()
    status = main(["config", "--device", board.url, "--set", "note=" + "x" * 600])
    err = capsys.readouterr().err
    assert status == 2 and "one request carries at most 512" in err
    assert time.monotonic() - t0 < 2.0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=64),
            st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF)).map(
                lambda t: bytes([frames.SYNC, 1, t[0], 0]) + t[1].to_bytes(2, "little")
            ),
        ),
        min_size=1,
        max_size=4,
    )
)
@pytest.mark.e2e
def test_every_request_after_garbage_on_the_pty_is_answered(board: Board, garbage: list) -> None:
    async def scenario() -> list[int]:
        sync = await connect(board.url)
        try:
            answered = []
            for junk in garbage:
                await sync._write(junk)
                answered.append((await sync.link.request(P.HELLO, timeout_s=3.0)).type)
            return answered
        finally:
            await sync.close()

    assert run(scenario) == [P.HELLO | P.REPLY] * len(garbage)


def test_the_host_link_resynchronises_on_a_stray_header_from_the_device() -> None:
    # What the board's console could print in sync mode is text; a stray header among it
    # must not hide the reply behind it until the request times out.
    async def scenario() -> tuple[float, int]:
        sent: list[bytes] = []

        async def write(data: bytes) -> None:
            sent.append(data)

        link = FrameLink(write, stall_s=0.2)
        task = asyncio.ensure_future(link.request(P.HELLO, timeout_s=5.0))
        await asyncio.sleep(0)
        seq = sent[0][3]
        link.on_bytes(STRAY + frames.pack_frame(P.HELLO | P.REPLY, seq, bytes(P.HELLO_SIZE)))
        t0 = time.monotonic()
        reply = await task
        return time.monotonic() - t0, reply.type

    waited_s, reply = asyncio.run(scenario())
    assert reply == P.HELLO | P.REPLY and 0.1 < waited_s < 1.0


@pytest.mark.e2e
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(false_start(), frame_st), min_size=1, max_size=4))
def test_the_host_link_receives_every_frame_after_garbage_once_the_bytes_stop(pieces) -> None:
    stream = bytearray()
    starts = set()
    want = []
    for garbage, (ftype, seq, payload) in pieces:
        stream += garbage
        starts.add(len(stream))
        stream += frames.pack_frame(ftype, seq, payload)
        want.append((ftype, seq, payload))
    assume(set(accidental_frames(bytes(stream))) <= starts)

    async def receive() -> list:
        async def write(_data: bytes) -> None:
            return None

        link = FrameLink(write, stall_s=0.01)  # the silence after the last byte, shortened
        link.on_bytes(bytes(stream))
        return [(f.type, f.seq, f.payload) for f in [await link.recv(5) for _ in want]]

    assert asyncio.run(receive()) == want
