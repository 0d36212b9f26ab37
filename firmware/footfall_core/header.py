"""The session file's header (see records.py for the whole format) and its byte helpers."""

from footfall_core.crc import crc16

MAGIC = b"FFS1"
VERSION = 3
HEADER_BYTES = 60
HEADER_BYTES_V1 = 34
HEADER_BYTES_V2 = 44
_SIZES = (0, HEADER_BYTES_V1, HEADER_BYTES_V2, HEADER_BYTES)  # by version
# The UTC clock a device can use: from 2024-01-01 (a start before it can only be an ESP32
# clock that restarted at 2000-01-01: no footfall session is that old) to 2099-12-31
# 23:59:59, the last second the boards' RTC chip holds (BM8563: years 2000-2099). SET_TIME
# refuses a time outside it, and a clock read outside it is taken as unset
# (footfall_fw.clock). Long ints on a 32-bit port: used per request or session, never per
# sample.
CLOCK_MIN_S = 1704067200
CLOCK_MAX_S = 4102444799
CLOCK_FLOOR_HI = 1704067200 >> 16  # CLOCK_MIN_S's top 16 bits, a small int
# 2000-01-01 00:00 UTC in Unix seconds: the ESP32 port's time functions count from it, and an
# ESP32 clock restarts there at power-on (a long int on 32-bit ports, used per session).
EPOCH_2000_S = 946684800

MAX_TIME_MS = 0x3FFFFFFF  # 2**30 - 1, written so that no step of it leaves the small ints
PLACEMENTS = ("waist", "shoe")
COACH_MODES = ("cues", "metronome", "metronome-when-slow", "impact")
BEAT_OUTS = ("both", "buzzer", "motor")
PROGRAMMES = ("off", "fade", "progressive", "fade-progressive")  # footfall_core/programme.py


def _clamp(v, hi):
    return 0 if v < 0 else (hi if v > hi else v)


def put_u16_be(buf, off, v):
    buf[off] = (v >> 8) & 0xFF
    buf[off + 1] = v & 0xFF


def get_u16_be(buf, off):
    return (buf[off] << 8) | buf[off + 1]


def put_u30_be(buf, off, v):
    """Write 0 <= v < 2**30 as a u32 (clamped so the top two bits stay clear)."""
    v = _clamp(v, MAX_TIME_MS)
    buf[off] = v >> 24
    buf[off + 1] = (v >> 16) & 0xFF
    buf[off + 2] = (v >> 8) & 0xFF
    buf[off + 3] = v & 0xFF


def get_u30_be(buf, off):
    """Read a u32 written by put_u30_be; the top two bits are ignored to stay a small int."""
    return ((buf[off] & 0x3F) << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]


class Header:
    """The session header. start_s is kept as two 16-bit halves (start_hi, start_lo) so no
    value above 2**30 is ever needed; start_s() joins them (a long int on 32-bit ports).
    rate_mhz 0 means the nominal rate (rate_hz * 1000). version and size are those read.
    Files before version 3 read with the version 3 fields (coach .. baseline_spm) at their
    defaults: the coach gave one plain cue per slow spell then, and had no programme."""

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
        clock_set=True,
        rate_mhz=0,
        boot_id=0,
        start_up_ms=0,
        coach="cues",
        repeat_s=0,
        beat_steps=1,
        beat_out="both",
        programme="off",
        programme_session=0,
        feedback_pct=100,
        raise_pct10=75,
        impact_limit_mg=0,
        impact_drop_pct=20,
        baseline_spm=0,
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
        self.clock_set = bool(clock_set)
        self.rate_mhz = rate_mhz if rate_mhz else rate_hz * 1000
        self.boot_id = boot_id
        self.start_up_ms = start_up_ms
        self.coach = coach  # COACH_MODES
        self.repeat_s = repeat_s
        self.beat_steps = beat_steps
        self.beat_out = beat_out  # BEAT_OUTS
        self.programme = programme  # PROGRAMMES
        self.programme_session = programme_session  # 1-based; 0: no programme
        self.feedback_pct = feedback_pct  # the programme's feedback share for the recorded run
        self.raise_pct10 = raise_pct10  # auto-target's raise over the baseline, 0.1 %
        self.impact_limit_mg = impact_limit_mg  # 0: from the runner's impact baseline
        self.impact_drop_pct = impact_drop_pct
        self.baseline_spm = baseline_spm  # the programme's cadence baseline (0: not known)
        self.version = VERSION
        self.size = HEADER_BYTES

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
        for name, names in (
            ("coach", COACH_MODES),
            ("beat_out", BEAT_OUTS),
            ("programme", PROGRAMMES),
        ):
            if getattr(self, name) not in names:
                raise ValueError(name + " must be one of " + ", ".join(names))
        for name in ("beat_steps", "feedback_pct", "impact_drop_pct", "baseline_spm"):
            if not 0 <= getattr(self, name) <= 255:
                raise ValueError(name + " must be 0..255")
        for name in ("rate_hz", "session_id", "baseline_s", "boot_id", "repeat_s"):
            if not 0 <= getattr(self, name) <= 0xFFFF:
                raise ValueError(name + " must be 0..65535")
        for name in ("programme_session", "raise_pct10", "impact_limit_mg"):
            if not 0 <= getattr(self, name) <= 0xFFFF:
                raise ValueError(name + " must be 0..65535")
        for name in ("rate_mhz", "start_up_ms"):
            if not 0 <= getattr(self, name) <= MAX_TIME_MS:
                raise ValueError(name + " must be 0..2**30-1")

    def pack_into(self, buf, off=0):
        """Write the header at buf[off:off + HEADER_BYTES]; returns the offset after it."""
        self._check()
        buf[off : off + 4] = MAGIC
        buf[off + 4] = VERSION
        buf[off + 5] = HEADER_BYTES
        buf[off + 6 : off + 12] = self.device_id
        buf[off + 12 : off + 15] = bytes(self.fw)
        buf[off + 15] = PLACEMENTS.index(self.placement)
        put_u16_be(buf, off + 16, self.start_hi)
        put_u16_be(buf, off + 18, self.start_lo)
        put_u16_be(buf, off + 20, self.rate_hz)
        put_u16_be(buf, off + 22, self.session_id)
        buf[off + 24] = self.target_spm
        buf[off + 25] = self.tolerance_spm
        buf[off + 26] = self.below_s
        buf[off + 27] = self.min_gap_s
        buf[off + 28] = self.rearm_s
        buf[off + 29] = (1 if self.auto_target else 0) | (2 if self.clock_set else 0)
        put_u16_be(buf, off + 30, self.baseline_s)
        put_u30_be(buf, off + 32, self.rate_mhz)
        put_u16_be(buf, off + 36, self.boot_id)
        put_u30_be(buf, off + 38, self.start_up_ms)
        buf[off + 42] = COACH_MODES.index(self.coach)
        buf[off + 43] = self.beat_steps
        buf[off + 44] = BEAT_OUTS.index(self.beat_out)
        buf[off + 45] = PROGRAMMES.index(self.programme)
        put_u16_be(buf, off + 46, self.repeat_s)
        put_u16_be(buf, off + 48, self.programme_session)
        buf[off + 50] = self.feedback_pct
        buf[off + 51] = self.impact_drop_pct
        put_u16_be(buf, off + 52, self.raise_pct10)
        put_u16_be(buf, off + 54, self.impact_limit_mg)
        buf[off + 56] = self.baseline_spm
        buf[off + 57] = 0  # reserved
        put_u16_be(buf, off + 58, crc16(buf, off, off + 58))
        return off + HEADER_BYTES

    @classmethod
    def unpack_from(cls, buf, off=0):
        """Decode a header of any version; ValueError says what is wrong (short, magic,
        version, CRC). The header's length is in .size: records start there."""
        have = len(buf) - off
        if have >= 4 and bytes(buf[off : off + 4]) != MAGIC:
            raise ValueError(f"not a footfall session (magic {bytes(buf[off : off + 4])!r})")
        version = buf[off + 4] if have > 4 else VERSION
        if not 1 <= version <= VERSION:
            raise ValueError(f"unsupported session format version {version}")
        size = _SIZES[version]
        if have < size:
            raise ValueError(f"truncated header: {max(have, 0)} of {size} bytes")
        stored_crc = get_u16_be(buf, off + size - 2)
        if buf[off + 5] != size or stored_crc != crc16(buf, off, off + size - 2):
            raise ValueError("header CRC mismatch (corrupt header)")
        if buf[off + 15] >= len(PLACEMENTS):
            raise ValueError(f"unknown placement code {buf[off + 15]}")
        h = cls(bytes(buf[off + 6 : off + 12]), tuple(buf[off + 12 : off + 15]))
        h.version = version
        h.size = size
        h.placement = PLACEMENTS[buf[off + 15]]
        h.start_hi = get_u16_be(buf, off + 16)
        h.start_lo = get_u16_be(buf, off + 18)
        h.rate_hz = get_u16_be(buf, off + 20)
        h.session_id = get_u16_be(buf, off + 22)
        h.target_spm = buf[off + 24]
        h.tolerance_spm = buf[off + 25]
        h.below_s = buf[off + 26]
        h.min_gap_s = buf[off + 27]
        h.rearm_s = buf[off + 28]
        h.auto_target = bool(buf[off + 29] & 1)
        h.baseline_s = get_u16_be(buf, off + 30)
        if version == 1:
            h.clock_set = h.start_hi >= CLOCK_FLOOR_HI
            h.rate_mhz = h.rate_hz * 1000
        else:
            h.clock_set = bool(buf[off + 29] & 2)
            h.rate_mhz = get_u30_be(buf, off + 32)
            h.boot_id = get_u16_be(buf, off + 36)
            h.start_up_ms = get_u30_be(buf, off + 38)
        if version >= 3:
            h._unpack_v3(buf, off)
        return h

    def _unpack_v3(self, buf, off):
        for name, names, at in (
            ("coach", COACH_MODES, 42),
            ("beat_out", BEAT_OUTS, 44),
            ("programme", PROGRAMMES, 45),
        ):
            if buf[off + at] >= len(names):
                raise ValueError(f"unknown {name} code {buf[off + at]}")
            setattr(self, name, names[buf[off + at]])
        self.beat_steps = buf[off + 43]
        self.repeat_s = get_u16_be(buf, off + 46)
        self.programme_session = get_u16_be(buf, off + 48)
        self.feedback_pct = buf[off + 50]
        self.impact_drop_pct = buf[off + 51]
        self.raise_pct10 = get_u16_be(buf, off + 52)
        self.impact_limit_mg = get_u16_be(buf, off + 54)
        self.baseline_spm = buf[off + 56]


def samples_ms(n, rate_mhz):
    """ms that n samples last at rate_mhz (floor), every intermediate below 2**30 for
    n < 12 days of samples: rate_mhz is samples per 1000 s, so split n into those first."""
    q = n // rate_mhz
    a = (n - q * rate_mhz) * 1000
    hi = a // rate_mhz
    return q * 1000000 + hi * 1000 + (a - hi * rate_mhz) * 1000 // rate_mhz
