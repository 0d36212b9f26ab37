"""Sync frames over any byte pipe: requests out, replies matched by sequence number.

A transport (BLE, serial) gives FrameLink an async `write(bytes)` and calls `on_bytes(data)`
from its receive callback; that callback only parses and enqueues, never blocks. Requests
are written in pieces of at most `max_write` bytes (BLE: max_write_without_response_size).
While it waits for a frame, a partial frame whose bytes have stopped for STALL_S is given
up (FrameParser.expire), so a stray header claiming 512 bytes does not hide the frames
behind it until the request times out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from footfall_core import frames
from footfall_core import protocol as P

from footfall.errors import DeviceError, FrameError, TransportError

STALL_S = 0.5  # a frame's bytes arrive within ms; BLE notifications within a few intervals


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes


class FrameLink:
    """Send requests and receive frames; `request()` pairs a request with its reply."""

    def __init__(
        self,
        write: Callable[[bytes], Awaitable[None]],
        max_write: int = 4096,
        stall_s: float = STALL_S,
    ) -> None:
        self._write = write
        self.max_write = max_write
        self.stall_s = stall_s
        self.frames: asyncio.Queue[Frame] = asyncio.Queue()
        self.errors: list[int] = []  # protocol error codes of frames that arrived corrupt
        self._parser = frames.FrameParser(self._on_frame, self.errors.append, frames.MAX_PAYLOAD)
        self._seq = 0
        self._last_rx_s = time.monotonic()

    def on_bytes(self, data: bytes | bytearray) -> None:
        """Feed received bytes (call from the transport's receive callback)."""
        self._last_rx_s = time.monotonic()
        self._parser.feed(data)

    def _on_frame(self, ftype: int, seq: int, buf: bytearray, off: int, n: int) -> None:
        self.frames.put_nowait(Frame(ftype, seq, bytes(buf[off : off + n])))

    @property
    def parser(self) -> frames.FrameParser:
        return self._parser

    def next_seq(self) -> int:
        # 1..255: sequence 0 is what the device puts on errors about frames it could not read
        self._seq = self._seq % 255 + 1
        return self._seq

    async def send(self, ftype: int, payload: bytes = b"", seq: int | None = None) -> int:
        """Write one frame; returns its sequence number."""
        seq = self.next_seq() if seq is None else seq
        try:
            wire = frames.pack_frame(ftype, seq, payload)
        except frames.FrameError as e:
            raise FrameError(str(e)) from e
        for i in range(0, len(wire), self.max_write):
            await self._write(wire[i : i + self.max_write])
        return seq

    async def recv(self, timeout_s: float = 5.0) -> Frame:
        """The next frame from the device; TransportError when none comes in time."""
        deadline = time.monotonic() + timeout_s
        while self.frames.empty():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TransportError(f"no frame from the device within {timeout_s} s")
            try:
                return await asyncio.wait_for(self.frames.get(), min(left, self.stall_s))
            except TimeoutError:
                await asyncio.sleep(0)  # bytes a reader thread has handed over are fed first
                if self._parser.pending and time.monotonic() - self._last_rx_s >= self.stall_s:
                    self._parser.expire()
        return self.frames.get_nowait()

    async def request(self, ftype: int, payload: bytes = b"", timeout_s: float = 5.0) -> Frame:
        """Send a request and return its reply; DeviceError for an ERROR reply."""
        seq = await self.send(ftype, payload)
        while True:
            frame = await self.recv(timeout_s)
            if frame.seq != seq:
                continue  # a stale reply or DATA from an abandoned transfer
            if frame.type == P.ERROR:
                code, _req, reason = decode(P.unpack_error, frame)
                raise DeviceError(code, reason)
            if frame.type == ftype | P.REPLY:
                return frame


def decode(unpack: Callable, frame: Frame):  # -> the decoder's tuple
    """Run a footfall_core.protocol decoder on a frame's payload, as a host FrameError."""
    try:
        return unpack(frame.payload, 0, len(frame.payload))
    except frames.FrameError as e:
        raise FrameError(f"frame type 0x{frame.type:02x}: {e}") from e


async def fetch(
    link: FrameLink,
    sid: int,
    offset: int = 0,
    window: int = 8,
    timeout_s: float = 5.0,
    on_chunk: Callable[[int], None] | None = None,
    on_data: Callable[[bytes], None] | None = None,
) -> bytes:
    """GET session sid from `offset` to its end, acknowledging as chunks arrive.

    Returns the bytes from offset on. A gap or a stray frame raises FrameError; a silent
    device TransportError: either way, call again with offset + what was kept to resume.
    on_chunk(total_bytes_so_far) is called per chunk (progress bars); on_data(chunk) gets
    each chunk's bytes before it is acknowledged (to keep them through a dropped link).
    """
    data = bytearray()
    seq = await link.send(P.GET, P.request_get(sid, offset, window, 0))
    while True:
        frame = await link.recv(timeout_s)
        if frame.type == P.ERROR and frame.seq == seq:
            code, _req, reason = decode(P.unpack_error, frame)
            raise DeviceError(code, reason)
        if frame.type != P.DATA:
            continue  # e.g. an error about a corrupt frame: the window logic recovers
        (at,) = decode(lambda b, o, n: P.unpack_u32s(b, o, n, 1, "DATA"), frame)
        if at != offset + len(data):
            raise FrameError(f"DATA at {at}, expected {offset + len(data)}")
        if len(frame.payload) == P.DATA_HEADER:
            return bytes(data)
        data += frame.payload[P.DATA_HEADER :]
        if on_data is not None:
            on_data(frame.payload[P.DATA_HEADER :])
        if on_chunk is not None:
            on_chunk(offset + len(data))
        await link.send(P.ACK, P.request_ack(sid, offset + len(data)))


async def read_at(link: FrameLink, sid: int, offset: int, n: int, timeout_s: float = 5.0) -> bytes:
    """One DATA chunk of at most n bytes of session sid at offset (a GET with a window of
    one). Ask only for bytes before the session's end: the device then sends this chunk
    alone and waits for an ACK that never comes, and the next GET starts afresh."""
    seq = await link.send(P.GET, P.request_get(sid, offset, 1, n))
    while True:
        frame = await link.recv(timeout_s)
        if frame.type == P.ERROR and frame.seq == seq:
            code, _req, reason = decode(P.unpack_error, frame)
            raise DeviceError(code, reason)
        if frame.type != P.DATA:
            continue
        (at,) = decode(lambda b, o, k: P.unpack_u32s(b, o, k, 1, "DATA"), frame)
        if at != offset:
            raise FrameError(f"DATA at {at}, expected {offset}")
        return frame.payload[P.DATA_HEADER :]
