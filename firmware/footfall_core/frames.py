"""Sync protocol framing: pack frames into buffers and parse them back out of a byte stream.

A frame on the wire (all integers little-endian):

    offset  size  field
    0       1     SYNC = 0xF5, where a parser resynchronises after garbage
    1       1     FRAME_VERSION = 1
    2       1     type (see protocol.py)
    3       1     sequence number (a reply carries its request's number)
    4       2     payload length n, 0..max_payload
    6       n     payload
    6+n     2     CRC-16/CCITT-FALSE of bytes 1 .. 6+n-1 (everything but SYNC and the CRC)

Overhead is OVERHEAD = 8 bytes per frame. The parser never raises: garbage, bad headers,
oversize lengths and bad CRCs are skipped, counted and reported through `on_error`.
It keeps the bytes of a rejected frame and rescans them, so a real frame hidden behind a
false start is still found. A false start whose claimed bytes never come (a stray header
claiming 512 bytes, a frame cut off by a dropped link) would hold every frame after it:
the transport calls `expire()` once the bytes have stopped arriving, and the frames held
behind it come out. FrameError is only raised for misuse (packing a payload above
MAX_PAYLOAD) and by payload decoders given short or malformed payloads.
"""

from footfall_core.crc import crc16

SYNC = 0xF5
FRAME_VERSION = 1
HEADER = 6
OVERHEAD = HEADER + 2
MAX_PAYLOAD = 512

# Protocol error codes (also sent in ERROR frames, see protocol.py).
ERR_BAD_HEADER = 1  # unknown frame version
ERR_BAD_CRC = 2
ERR_TOO_LONG = 9  # a header claiming a payload above max_payload
ERR_TRUNCATED = 10  # a frame whose bytes stopped arriving (expire)


class FrameError(ValueError):
    """The protocol's own error: a malformed frame or payload, or an oversize payload."""


def pack_frame_into(buf, ftype, seq, payload=b"", n=-1, off=0):
    """Write a frame carrying payload[0:n] (n=-1: all of it) at buf[off:]; return its size.

    Passing payload=buf means the n payload bytes were already written in place at
    buf[off + HEADER:], so nothing is copied (the zero-copy path for DATA chunks).
    """
    if n < 0:
        n = len(payload)
    if n > MAX_PAYLOAD:
        raise FrameError(f"payload of {n} bytes is over the {MAX_PAYLOAD}-byte frame limit")
    if off + OVERHEAD + n > len(buf):
        raise FrameError(f"payload of {n} bytes does not fit the frame buffer")
    buf[off] = SYNC
    buf[off + 1] = FRAME_VERSION
    buf[off + 2] = ftype & 0xFF
    buf[off + 3] = seq & 0xFF
    buf[off + 4] = n & 0xFF
    buf[off + 5] = n >> 8
    p = off + HEADER
    if payload is not buf:
        for i in range(n):
            buf[p + i] = payload[i]
    end = p + n
    crc = crc16(buf, off + 1, end)
    buf[end] = crc & 0xFF
    buf[end + 1] = crc >> 8
    return n + OVERHEAD


def pack_frame(ftype, seq, payload=b""):
    """A new bytes object holding one frame (host side and tests; allocates)."""
    buf = bytearray(len(payload) + OVERHEAD)
    pack_frame_into(buf, ftype, seq, payload)
    return bytes(buf)


class FrameParser:
    """Streaming parser: feed bytes, get on_frame(ftype, seq, buf, start, n) per good frame.

    The payload is buf[start:start + n] and is valid only during the call (buf is the
    parser's own buffer). on_error(code) is called for each rejected frame; during the
    call, rejected_type, rejected_seq and rejected_len hold what its header said (not
    checked by any CRC). Counters: frames, garbage_bytes (bytes skipped while hunting for
    SYNC), bad_header (unknown version or too long), bad_crc, truncated (given up by
    expire). Allocates nothing per frame.
    """

    def __init__(self, on_frame, on_error=None, max_payload=MAX_PAYLOAD):
        if not 0 <= max_payload <= 0xFFFF:
            raise FrameError("max_payload must be 0..65535")
        self.on_frame = on_frame
        self.on_error = on_error
        self.max_payload = max_payload
        self._buf = bytearray(max_payload + OVERHEAD)
        self._start = 0  # held bytes are _buf[_start:_end]
        self._end = 0
        self.frames = 0
        self.garbage_bytes = 0
        self.bad_header = 0
        self.bad_crc = 0
        self.truncated = 0
        self.rejected_type = 0
        self.rejected_seq = 0
        self.rejected_len = 0

    @property
    def errors(self):
        """Rejected frames so far (bad headers, bad CRCs, truncated)."""
        return self.bad_header + self.bad_crc + self.truncated

    @property
    def pending(self):
        """Bytes of a frame that has not arrived whole are held."""
        return self._end > self._start

    def reset(self):
        """Drop any partial frame (e.g. when a link is re-established)."""
        self._start = self._end = 0

    def expire(self):
        """The bytes stopped arriving: give up on each partial frame held (ERR_TRUNCATED),
        rescanning the bytes after its SYNC, so the frames behind a false start come out
        now. Call after a silence longer than any frame takes to arrive."""
        while self._end > self._start:
            self.truncated += 1
            self._reject(ERR_TRUNCATED)
            self._scan()

    def feed_byte(self, b):
        """Feed one byte."""
        buf = self._buf
        if self._end == len(buf):
            self._compact()
        buf[self._end] = b
        self._end += 1
        self._scan()

    def feed(self, data, n=-1):
        """Feed data[0:n] (n=-1: all of it)."""
        if n < 0:
            n = len(data)
        buf = self._buf
        size = len(buf)
        i = 0
        while i < n:
            if self._end == size:
                self._compact()
            k = min(n - i, size - self._end)
            e = self._end
            for j in range(k):
                buf[e + j] = data[i + j]
            self._end = e + k
            i += k
            self._scan()

    def _compact(self):
        # Move held bytes to the front; a loop because overlapping slice copies allocate.
        buf = self._buf
        s = self._start
        k = self._end - s
        for j in range(k):
            buf[j] = buf[s + j]
        self._start = 0
        self._end = k

    def _reject(self, code):
        # Drop only the SYNC byte: the rest is rescanned for a frame hidden inside.
        s = self._start
        buf = self._buf
        held = self._end - s
        self.rejected_type = buf[s + 2] if held > 2 else 0
        self.rejected_seq = buf[s + 3] if held > 3 else 0
        self.rejected_len = buf[s + 4] | (buf[s + 5] << 8) if held >= HEADER else 0
        self._start = s + 1
        if self.on_error is not None:
            self.on_error(code)

    def _scan(self):
        buf = self._buf
        while True:
            s = self._start
            e = self._end
            if s < e and buf[s] != SYNC:
                i = s + 1
                while i < e and buf[i] != SYNC:
                    i += 1
                self.garbage_bytes += i - s
                self._start = s = i
            if s == e:
                self._start = self._end = 0
                return
            if e - s < HEADER:
                return
            n = buf[s + 4] | (buf[s + 5] << 8)
            if buf[s + 1] != FRAME_VERSION or n > self.max_payload:
                self.bad_header += 1
                self._reject(ERR_BAD_HEADER if buf[s + 1] != FRAME_VERSION else ERR_TOO_LONG)
                continue
            end = s + HEADER + n
            if e < end + 2:
                if s > 0 and end + 2 > len(buf):
                    self._compact()
                return
            if crc16(buf, s + 1, end) != buf[end] | (buf[end + 1] << 8):
                self.bad_crc += 1
                self._reject(ERR_BAD_CRC)
                continue
            self._start = end + 2
            self.frames += 1
            self.on_frame(buf[s + 2], buf[s + 3], buf, s + HEADER, n)
