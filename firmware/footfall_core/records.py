"""Session file format, defined once: header, step blocks, summaries, events, end record.

A session file is a 34-byte header followed by records. All integers are big-endian.

Header (34 bytes, its CRC last):
    0  magic b"FFS1"            4  format version u8 (1)   5  header length u8 (34)
    6  device id (6 bytes)     12  firmware major, minor, patch (3 x u8)
    15 placement u8 (0 waist, 1 shoe)   16 start time, unix seconds u32
    20 rate_hz u16   22 session id u16  24 target_spm u8   25 tolerance_spm u8
    26 below_s u8    27 min_gap_s u8    28 rearm_s u8      29 config flags u8 (bit 0 auto-target)
    30 baseline_s u16                   32 CRC-16 of bytes 0..31

Record: type u8, payload length u8, payload, CRC-16 of type..payload (4 bytes of framing).
    STEPS   (1): t0_ms u32 (session time of the block's first step), then 4 bytes per step:
                 u16 interval_ms << 3 | flags, peak u8 in 100 mg units, cadence_spm u8.
                 flags: bits 0-1 activity state (IDLE/WALKING/RUNNING), bit 2 cue given.
                 Intervals saturate at MAX_INTERVAL_MS; a longer gap starts a new block whose
                 t0_ms carries the exact time, so step times are never lost.
    SUMMARY (2): elapsed_ms u32, steps u32, running_ms u32, cues u16, overflows u16
    EVENT   (3): elapsed_ms u32, kind u8, value u16 (EV_* kinds)
    END     (4): elapsed_ms u32, steps u32, reason u8 (END_* reasons)
A full step block (62 steps) is 256 bytes: 4.13 bytes per step.

Session times are ms since the session began and stay below 2**30 (12 days), so every
intermediate is a small int on 32-bit ports. Nothing here allocates per step.
"""

from footfall_core.crc import crc16

MAGIC = b"FFS1"
VERSION = 1
HEADER_BYTES = 34

REC_STEPS = 1
REC_SUMMARY = 2
REC_EVENT = 3
REC_END = 4
FRAMING_BYTES = 4
STEP_BYTES = 4
T0_BYTES = 4
STEPS_PER_BLOCK = (255 - T0_BYTES) // STEP_BYTES
SUMMARY_BYTES = FRAMING_BYTES + 16
EVENT_BYTES = FRAMING_BYTES + 7
END_BYTES = FRAMING_BYTES + 9
# Shortest valid payload per record type; an unknown type with a good CRC is skipped.
_MIN_PAYLOAD = (0, T0_BYTES + STEP_BYTES, 16, 7, 9)

MAX_INTERVAL_MS = 0x1FFF
MAX_PEAK_MG = 25500
MAX_CADENCE_SPM = 255
MAX_TIME_MS = (1 << 30) - 1
PEAK_UNIT_MG = 100

STATE_MASK = 0x03
FLAG_CUE = 0x04

EV_CUE = 1  # value: cadence_spm when the cue played
EV_PAUSE = 2
EV_RESUME = 3
EV_TARGET = 4  # value: the new target_spm (auto-target)

END_STOPPED = 0
END_AUTO = 1
END_FULL = 2
END_BATTERY = 3

PLACEMENTS = ("waist", "shoe")


def _clamp(v, hi):
    return 0 if v < 0 else (hi if v > hi else v)


def put_u16(buf, off, v):
    buf[off] = (v >> 8) & 0xFF
    buf[off + 1] = v & 0xFF


def get_u16(buf, off):
    return (buf[off] << 8) | buf[off + 1]


def put_u30(buf, off, v):
    """Write 0 <= v < 2**30 as a u32 (clamped so the top two bits stay clear)."""
    v = _clamp(v, MAX_TIME_MS)
    buf[off] = v >> 24
    buf[off + 1] = (v >> 16) & 0xFF
    buf[off + 2] = (v >> 8) & 0xFF
    buf[off + 3] = v & 0xFF


def get_u30(buf, off):
    """Read a u32 written by put_u30; the top two bits are ignored to stay a small int."""
    return ((buf[off] & 0x3F) << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]


class Header:
    """The session header. start_s is kept as two 16-bit halves (start_hi, start_lo) so no
    value above 2**30 is ever needed; start_s() joins them (a long int on 32-bit ports)."""

    def __init__(
        self,
        device_id=bytes(6),
        fw=(0, 0, 0),
        start_s=0,
        rate_hz=100,
        placement="waist",
        session_id=0,
        target_spm=170,
        tolerance_spm=3,
        below_s=10,
        min_gap_s=10,
        rearm_s=5,
        auto_target=False,
        baseline_s=120,
    ):
        self.device_id = bytes(device_id)
        self.fw = tuple(fw)
        self.start_hi = start_s >> 16
        self.start_lo = start_s & 0xFFFF
        self.rate_hz = rate_hz
        self.placement = placement
        self.session_id = session_id
        self.target_spm = target_spm
        self.tolerance_spm = tolerance_spm
        self.below_s = below_s
        self.min_gap_s = min_gap_s
        self.rearm_s = rearm_s
        self.auto_target = bool(auto_target)
        self.baseline_s = baseline_s

    def start_s(self):
        return (self.start_hi << 16) | self.start_lo

    def _check(self):
        if len(self.device_id) != 6:
            raise ValueError("device_id must be 6 bytes")
        if len(self.fw) != 3 or not all(0 <= v <= 255 for v in self.fw):
            raise ValueError("fw must be (major, minor, patch) of 0..255")
        if self.placement not in PLACEMENTS:
            raise ValueError("placement must be 'waist' or 'shoe'")
        if not 0 <= self.start_hi <= 0xFFFF:
            raise ValueError("start_s must be 0..2**32-1")
        for name in ("target_spm", "tolerance_spm", "below_s", "min_gap_s", "rearm_s"):
            if not 0 <= getattr(self, name) <= 255:
                raise ValueError(name + " must be 0..255")
        for name in ("rate_hz", "session_id", "baseline_s"):
            if not 0 <= getattr(self, name) <= 0xFFFF:
                raise ValueError(name + " must be 0..65535")

    def pack_into(self, buf, off=0):
        """Write the header at buf[off:off + HEADER_BYTES]; returns the offset after it."""
        self._check()
        buf[off : off + 4] = MAGIC
        buf[off + 4] = VERSION
        buf[off + 5] = HEADER_BYTES
        buf[off + 6 : off + 12] = self.device_id
        buf[off + 12 : off + 15] = bytes(self.fw)
        buf[off + 15] = PLACEMENTS.index(self.placement)
        put_u16(buf, off + 16, self.start_hi)
        put_u16(buf, off + 18, self.start_lo)
        put_u16(buf, off + 20, self.rate_hz)
        put_u16(buf, off + 22, self.session_id)
        buf[off + 24] = self.target_spm
        buf[off + 25] = self.tolerance_spm
        buf[off + 26] = self.below_s
        buf[off + 27] = self.min_gap_s
        buf[off + 28] = self.rearm_s
        buf[off + 29] = 1 if self.auto_target else 0
        put_u16(buf, off + 30, self.baseline_s)
        put_u16(buf, off + 32, crc16(buf, off, off + 32))
        return off + HEADER_BYTES

    @classmethod
    def unpack_from(cls, buf, off=0):
        """Decode a header; ValueError says what is wrong (short, magic, version, CRC)."""
        have = len(buf) - off
        if have >= 4 and bytes(buf[off : off + 4]) != MAGIC:
            raise ValueError(f"not a footfall session (magic {bytes(buf[off : off + 4])!r})")
        if have < HEADER_BYTES:
            raise ValueError(f"truncated header: {max(have, 0)} of {HEADER_BYTES} bytes")
        if buf[off + 4] != VERSION:
            raise ValueError(f"unsupported session format version {buf[off + 4]}")
        if buf[off + 5] != HEADER_BYTES or get_u16(buf, off + 32) != crc16(buf, off, off + 32):
            raise ValueError("header CRC mismatch (corrupt header)")
        if buf[off + 15] >= len(PLACEMENTS):
            raise ValueError(f"unknown placement code {buf[off + 15]}")
        h = cls(bytes(buf[off + 6 : off + 12]), tuple(buf[off + 12 : off + 15]))
        h.placement = PLACEMENTS[buf[off + 15]]
        h.start_hi = get_u16(buf, off + 16)
        h.start_lo = get_u16(buf, off + 18)
        h.rate_hz = get_u16(buf, off + 20)
        h.session_id = get_u16(buf, off + 22)
        h.target_spm = buf[off + 24]
        h.tolerance_spm = buf[off + 25]
        h.below_s = buf[off + 26]
        h.min_gap_s = buf[off + 27]
        h.rearm_s = buf[off + 28]
        h.auto_target = bool(buf[off + 29] & 1)
        h.baseline_s = get_u16(buf, off + 30)
        return h


def seal(buf, start, end):
    """Finish the record at buf[start:end] (type byte written, payload in place): write its
    length and CRC; returns the offset after the CRC."""
    buf[start + 1] = end - start - 2
    put_u16(buf, end, crc16(buf, start, end))
    return end + 2


def pack_step(buf, off, interval_ms, peak_mg, cadence_spm, flags):
    """Write one 4-byte step (values clamped to their fields); returns the next offset."""
    word = (_clamp(interval_ms, MAX_INTERVAL_MS) << 3) | (flags & 7)
    buf[off] = word >> 8
    buf[off + 1] = word & 0xFF
    buf[off + 2] = (_clamp(peak_mg, MAX_PEAK_MG) + PEAK_UNIT_MG // 2) // PEAK_UNIT_MG
    buf[off + 3] = _clamp(cadence_spm, MAX_CADENCE_SPM)
    return off + STEP_BYTES


def unpack_step(buf, off):
    """(interval_ms, peak_mg, cadence_spm, flags) of the step at off."""
    word = get_u16(buf, off)
    return word >> 3, buf[off + 2] * PEAK_UNIT_MG, buf[off + 3], word & 7


def pack_summary(buf, off, elapsed_ms, steps, running_ms, cues, overflows):
    """Write a SUMMARY record at off; returns the offset after it."""
    buf[off] = REC_SUMMARY
    put_u30(buf, off + 2, elapsed_ms)
    put_u30(buf, off + 6, steps)
    put_u30(buf, off + 10, running_ms)
    put_u16(buf, off + 14, _clamp(cues, 0xFFFF))
    put_u16(buf, off + 16, _clamp(overflows, 0xFFFF))
    return seal(buf, off, off + 18)


def unpack_summary(buf, p):
    """(elapsed_ms, steps, running_ms, cues, overflows) of the payload at p."""
    return (
        get_u30(buf, p),
        get_u30(buf, p + 4),
        get_u30(buf, p + 8),
        get_u16(buf, p + 12),
        get_u16(buf, p + 14),
    )


def pack_event(buf, off, elapsed_ms, kind, value):
    """Write an EVENT record (EV_* kind, u16 value) at off; returns the offset after it."""
    buf[off] = REC_EVENT
    put_u30(buf, off + 2, elapsed_ms)
    buf[off + 6] = kind & 0xFF
    put_u16(buf, off + 7, _clamp(value, 0xFFFF))
    return seal(buf, off, off + 9)


def unpack_event(buf, p):
    """(elapsed_ms, kind, value) of the payload at p."""
    return get_u30(buf, p), buf[p + 4], get_u16(buf, p + 5)


def pack_end(buf, off, elapsed_ms, steps, reason):
    """Write the END record (END_* reason) at off; returns the offset after it."""
    buf[off] = REC_END
    put_u30(buf, off + 2, elapsed_ms)
    put_u30(buf, off + 6, steps)
    buf[off + 10] = reason & 0xFF
    return seal(buf, off, off + 11)


def unpack_end(buf, p):
    """(elapsed_ms, steps, reason) of the payload at p."""
    return get_u30(buf, p), get_u30(buf, p + 4), buf[p + 8]


def record_ok(buf, pos, end):
    """Payload length of a complete, CRC-valid record at pos, or -1."""
    if pos + FRAMING_BYTES > end:
        return -1
    rtype = buf[pos]
    n = buf[pos + 1]
    if rtype == 0 or rtype == 0xFF or pos + n + FRAMING_BYTES > end:
        return -1  # 0x00 / 0xFF: zeroed or erased flash, never a record type
    if rtype < len(_MIN_PAYLOAD) and n < _MIN_PAYLOAD[rtype]:
        return -1
    if rtype == REC_STEPS and (n - T0_BYTES) % STEP_BYTES:
        return -1
    if get_u16(buf, pos + 2 + n) != crc16(buf, pos, pos + 2 + n):
        return -1
    return n


def walk(buf, pos=HEADER_BYTES, end=-1, visit=None):
    """Walk records from pos, calling visit(rtype, buf, payload_off, payload_len) for each
    valid one; stop at the first incomplete or corrupt record. Returns (valid_end, count):
    the offset just after the last valid record (truncate there) and the records seen."""
    if end < 0:
        end = len(buf)
    count = 0
    while True:
        n = record_ok(buf, pos, end)
        if n < 0:
            return pos, count
        if visit is not None:
            visit(buf[pos], buf, pos + 2, n)
        pos += n + FRAMING_BYTES
        count += 1


class SessionEncoder:
    """Appends records to one preallocated block buffer; the caller writes buf[:pos] out.

    step() allocates nothing. Each writer returns False when the buffer cannot take the
    record: seal() the open step block, write buf[:pos] out, clear(), and call again. Room
    for an END record is always kept, so end() succeeds on a full buffer.
    """

    def __init__(self, buf):
        if len(buf) < HEADER_BYTES + END_BYTES + SUMMARY_BYTES:
            raise ValueError("block buffer too small")
        self.buf = buf
        self.limit = len(buf) - END_BYTES
        self.pos = 0
        self.t_ms = 0  # session time of the last step
        self.steps = 0
        self._block = -1  # offset of the open STEPS record, -1 when none
        self._n = 0

    def header(self, hdr):
        """Write the header; call first, on an empty buffer."""
        self.pos = hdr.pack_into(self.buf, self.pos)

    def step(self, interval_ms, peak_mg, cadence_spm, flags):
        """Log one step interval_ms after the previous one (or the session start)."""
        interval_ms = _clamp(interval_ms, MAX_TIME_MS)
        t = self.t_ms + interval_ms
        if t > MAX_TIME_MS:
            t = MAX_TIME_MS
        if self._block < 0 or self._n == STEPS_PER_BLOCK or interval_ms > MAX_INTERVAL_MS:
            self.seal()
            if self.pos + FRAMING_BYTES + T0_BYTES + STEP_BYTES > self.limit:
                return False
            self._block = self.pos
            self._n = 0
            self.buf[self.pos] = REC_STEPS
            put_u30(self.buf, self.pos + 2, t)
            self.pos += 2 + T0_BYTES
        elif self.pos + STEP_BYTES + 2 > self.limit:
            self.seal()
            return False
        self.pos = pack_step(self.buf, self.pos, interval_ms, peak_mg, cadence_spm, flags)
        self._n += 1
        self.t_ms = t
        self.steps += 1
        return True

    def seal(self):
        """Close the open step block (if any); returns the bytes ready in buf[:pos]."""
        if self._block >= 0:
            self.pos = seal(self.buf, self._block, self.pos)
            self._block = -1
        return self.pos

    def clear(self):
        """The caller has written buf[:pos] out: start again at the buffer's beginning."""
        self.seal()
        self.pos = 0

    def _room(self, nbytes, limit):
        self.seal()
        return self.pos + nbytes <= limit

    def summary(self, elapsed_ms, running_ms, cues, overflows):
        if not self._room(SUMMARY_BYTES, self.limit):
            return False
        self.pos = pack_summary(
            self.buf, self.pos, elapsed_ms, self.steps, running_ms, cues, overflows
        )
        return True

    def event(self, elapsed_ms, kind, value=0):
        if not self._room(EVENT_BYTES, self.limit):
            return False
        self.pos = pack_event(self.buf, self.pos, elapsed_ms, kind, value)
        return True

    def end(self, elapsed_ms, reason):
        if not self._room(END_BYTES, len(self.buf)):
            return False
        self.pos = pack_end(self.buf, self.pos, elapsed_ms, self.steps, reason)
        return True
