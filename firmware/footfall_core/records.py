"""Session file format, defined once: header, step blocks, summaries, events, gaps, end.

A session file is a header (60 bytes; 44 in version 2, 34 in version 1) followed by
records, big-endian.

Header (version 3, 60 bytes, its CRC last):
    0  magic b"FFS1"            4  format version u8 (2)   5  header length u8 (44)
    6  device id (6 bytes)     12  firmware major, minor, patch (3 x u8)
    15 placement u8 (0 waist, 1 shoe)   16 start time, unix seconds u32
    20 rate_hz u16 (nominal)   22 session id u16  24 target_spm u8   25 tolerance_spm u8
    26 below_s u8    27 min_gap_s u8    28 rearm_s u8
    29 flags u8: bit 0 auto-target, bit 1 clock_set (start time known to be valid)
    30 baseline_s u16          32 rate_mhz u32 (measured sample rate, milli-Hz)
    36 boot_id u16 (random per boot)    38 start_up_ms u32 (device uptime at the start)
    42 coach u8 (0 cues, 1 metronome, 2 metronome-when-slow, 3 impact)
    43 beat_steps u8   44 beat_out u8 (0 both, 1 buzzer, 2 motor)
    45 programme u8 (0 off, 1 fade, 2 progressive, 3 fade-progressive)
    46 repeat_s u16    48 programme_session u16 (1-based; 0 no programme)
    50 feedback_pct u8 (the programme's feedback share)   51 impact_drop_pct u8
    52 raise_pct10 u16 (auto-target's raise, 0.1 %)
    54 impact_limit_mg u16 (0: from the runner's baseline)
    56 baseline_spm u8 (the programme's cadence baseline, 0 unknown)   57 reserved (0)
    58 CRC-16 of bytes 0..57
Version 2 (44 bytes) ends at start_up_ms, CRC at 42; its version 3 fields read as their
defaults (cues, repeat_s 0, no programme). Version 1 (34 bytes) ends at baseline_s, CRC
at 32; it reads as rate_mhz = rate_hz * 1000, boot_id 0, and clock_set when its start is
after CLOCK_FLOOR_HI (an older start can only be an ESP32 clock that restarted at
2000-01-01).

Record: type u8, payload length u8, payload, CRC-16 of type..payload (4 bytes of framing).
    STEPS   (1): t0_ms u32 (session time of the block's first step), then 4 bytes per step:
                 u16 interval_ms << 3 | flags, peak u8 in 100 mg units, cadence_spm u8.
                 flags: bits 0-1 activity state (IDLE/WALKING/RUNNING), bit 2 cue given.
                 Intervals saturate at MAX_INTERVAL_MS; a longer gap starts a new block whose
                 t0_ms carries the exact time, so step times are never lost.
    SUMMARY (2): elapsed_ms u32, steps u32, running_ms u32, cues u16, overflows u16
    EVENT   (3): elapsed_ms u32, kind u8, value u16 (EV_* kinds)
    END     (4): elapsed_ms u32, steps u32, reason u8 (END_* reasons)
    GAP     (5): at_ms u32, lost_ms u32, lost_samples u16: samples lost to a FIFO overflow
                 at session time at_ms. The next step's interval already includes lost_ms
                 (and starts a new block), so step times stay true; GAP says where.
A full step block (62 steps) is 256 bytes: 4.13 bytes per step.

Reading back (footfall_core.reader, the one reader): after a record that is not intact the
reader resumes at the next place holding a known type with this version's payload length,
a valid CRC and session times that keep its rules, so damage costs only the records it
touches. No sync marker is needed: about 1 byte in 1,000 of noise gets as far as the CRC
check, so a false record is about 1.6e-8 per byte passed over (none in 128 MB of random
bytes); over all 36,640 single-bit flips of a real 30-record session (virtual board), no
intact record was lost and none was invented (tests/host/test_session_fuzz.py, e2e).

Session times are ms since the session began and stay below 2**30 (12 days), so every
intermediate is a small int on 32-bit ports. Nothing here allocates per step.
"""

from footfall_core.crc import crc16
from footfall_core.header import (  # noqa: F401 - the header is part of this format
    CLOCK_FLOOR_HI,
    HEADER_BYTES,
    HEADER_BYTES_V1,
    HEADER_BYTES_V2,
    MAGIC,
    MAX_TIME_MS,
    PLACEMENTS,
    VERSION,
    Header,
    _clamp,
    get_u16_be,
    get_u30_be,
    put_u16_be,
    put_u30_be,
    samples_ms,
)

REC_STEPS = 1
REC_SUMMARY = 2
REC_EVENT = 3
REC_END = 4
REC_GAP = 5
FRAMING_BYTES = 4
STEP_BYTES = 4
T0_BYTES = 4
STEPS_PER_BLOCK = (255 - T0_BYTES) // STEP_BYTES
SUMMARY_BYTES = FRAMING_BYTES + 16
EVENT_BYTES = FRAMING_BYTES + 7
END_BYTES = FRAMING_BYTES + 9
GAP_BYTES = FRAMING_BYTES + 10
LAST_TYPE = REC_GAP  # the highest type this version knows
# Shortest valid payload per record type; an unknown type with a good CRC is skipped.
_MIN_PAYLOAD = (0, T0_BYTES + STEP_BYTES, 16, 7, 9, 10)
# The payload each type has in this version (0: STEPS, 4 + 4 bytes per step); a later
# version may lengthen one, so only a place the reader resumes at after damage must match.
PAYLOAD_BYTES = (0, 0, 16, 7, 9, 10)
INVALID = -1  # record_ok: no record can be there
INCOMPLETE = -2  # record_ok: a record may be there, but it runs past the bytes given

MAX_INTERVAL_MS = 0x1FFF
MAX_PEAK_MG = 25500
MAX_CADENCE_SPM = 255
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


def seal(buf, start, end):
    """Finish the record at buf[start:end] (type byte written, payload in place): write its
    length and CRC; returns the offset after the CRC."""
    buf[start + 1] = end - start - 2
    put_u16_be(buf, end, crc16(buf, start, end))
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
    word = get_u16_be(buf, off)
    return word >> 3, buf[off + 2] * PEAK_UNIT_MG, buf[off + 3], word & 7


def pack_summary(buf, off, elapsed_ms, steps, running_ms, cues, overflows):
    """Write a SUMMARY record at off; returns the offset after it."""
    buf[off] = REC_SUMMARY
    put_u30_be(buf, off + 2, elapsed_ms)
    put_u30_be(buf, off + 6, steps)
    put_u30_be(buf, off + 10, running_ms)
    put_u16_be(buf, off + 14, _clamp(cues, 0xFFFF))
    put_u16_be(buf, off + 16, _clamp(overflows, 0xFFFF))
    return seal(buf, off, off + 18)


def unpack_summary(buf, p):
    """(elapsed_ms, steps, running_ms, cues, overflows) of the payload at p."""
    return (
        get_u30_be(buf, p),
        get_u30_be(buf, p + 4),
        get_u30_be(buf, p + 8),
        get_u16_be(buf, p + 12),
        get_u16_be(buf, p + 14),
    )


def pack_event(buf, off, elapsed_ms, kind, value):
    """Write an EVENT record (EV_* kind, u16 value) at off; returns the offset after it."""
    buf[off] = REC_EVENT
    put_u30_be(buf, off + 2, elapsed_ms)
    buf[off + 6] = kind & 0xFF
    put_u16_be(buf, off + 7, _clamp(value, 0xFFFF))
    return seal(buf, off, off + 9)


def unpack_event(buf, p):
    """(elapsed_ms, kind, value) of the payload at p."""
    return get_u30_be(buf, p), buf[p + 4], get_u16_be(buf, p + 5)


def pack_end(buf, off, elapsed_ms, steps, reason):
    """Write the END record (END_* reason) at off; returns the offset after it."""
    buf[off] = REC_END
    put_u30_be(buf, off + 2, elapsed_ms)
    put_u30_be(buf, off + 6, steps)
    buf[off + 10] = reason & 0xFF
    return seal(buf, off, off + 11)


def unpack_end(buf, p):
    """(elapsed_ms, steps, reason) of the payload at p."""
    return get_u30_be(buf, p), get_u30_be(buf, p + 4), buf[p + 8]


def pack_gap(buf, off, at_ms, lost_ms, lost_samples):
    """Write a GAP record at off; returns the offset after it."""
    buf[off] = REC_GAP
    put_u30_be(buf, off + 2, at_ms)
    put_u30_be(buf, off + 6, lost_ms)
    put_u16_be(buf, off + 10, _clamp(lost_samples, 0xFFFF))
    return seal(buf, off, off + 12)


def unpack_gap(buf, p):
    """(at_ms, lost_ms, lost_samples) of the payload at p."""
    return get_u30_be(buf, p), get_u30_be(buf, p + 4), get_u16_be(buf, p + 8)


def record_ok(buf, pos, end):
    """Payload length of a complete, CRC-valid record at pos; INVALID when the bytes there
    cannot be one, INCOMPLETE when they may be one that runs past end."""
    if pos + 2 > end:
        return INVALID if pos < end and (buf[pos] == 0 or buf[pos] == 0xFF) else INCOMPLETE
    rtype = buf[pos]
    n = buf[pos + 1]
    if rtype == 0 or rtype == 0xFF:
        return INVALID  # zeroed or erased flash, never a record type
    if rtype < len(_MIN_PAYLOAD) and n < _MIN_PAYLOAD[rtype]:
        return INVALID
    if rtype == REC_STEPS and (n - T0_BYTES) % STEP_BYTES:
        return INVALID
    if pos + n + FRAMING_BYTES > end:
        return INCOMPLETE
    if get_u16_be(buf, pos + 2 + n) != crc16(buf, pos, pos + 2 + n):
        return INVALID
    return n


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
        t = MAX_TIME_MS if interval_ms > MAX_TIME_MS - self.t_ms else self.t_ms + interval_ms
        if self._block < 0 or self._n == STEPS_PER_BLOCK or interval_ms > MAX_INTERVAL_MS:
            self.seal()
            if self.pos + FRAMING_BYTES + T0_BYTES + STEP_BYTES > self.limit:
                return False
            self._block = self.pos
            self._n = 0
            self.buf[self.pos] = REC_STEPS
            put_u30_be(self.buf, self.pos + 2, t)
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

    def gap(self, at_ms, lost_ms, lost_samples):
        """Samples lost at session time at_ms: the next step's interval must include
        lost_ms (it starts a new block, whose t0 is exact)."""
        if not self._room(GAP_BYTES, self.limit):
            return False
        self.pos = pack_gap(self.buf, self.pos, at_ms, lost_ms, lost_samples)
        return True

    def end(self, elapsed_ms, reason):
        if not self._room(END_BYTES, len(self.buf)):
            return False
        self.pos = pack_end(self.buf, self.pos, elapsed_ms, self.steps, reason)
        return True
