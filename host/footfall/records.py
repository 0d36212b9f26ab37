"""Session files on the host: typed views over footfall_core.records, the one byte layout.

Every `from_bytes`/`__bytes__` here calls the core's pack/unpack functions; nothing in this
module knows an offset of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from footfall_core import reader
from footfall_core import records as core

from footfall.errors import RecordError

EVENT_KINDS = {core.EV_CUE: "cue", core.EV_PAUSE: "pause", core.EV_RESUME: "resume",
               core.EV_TARGET: "target"}  # fmt: skip
END_REASONS = {core.END_STOPPED: "stopped", core.END_AUTO: "auto-stop",
               core.END_FULL: "storage full", core.END_BATTERY: "low battery"}  # fmt: skip
# A session's steps as columns, one array each, in this order: session time of the step,
# its peak impact (milli-g), the cadence then (steps/min) and its flags (activity, cue).
# Session's arrays, the store's arrays table and StepArrays all use these names.
STEP_COLUMNS = ("t_ms", "peak_mg", "cadence_spm", "flags")
# The header's fields from version 3 on: the coach mode, its repeats and metronome, the
# programme's stage and the impact limit.
V3_FIELDS = ("coach", "repeat_s", "beat_steps", "beat_out", "programme", "programme_session",
             "feedback_pct", "raise_pct10", "impact_limit_mg", "impact_drop_pct",
             "baseline_spm")  # fmt: skip


@dataclass(frozen=True)
class Header:
    """The session header: who recorded it, when, where worn, and the coach's settings."""

    device_id: bytes
    fw: tuple[int, int, int]
    start_s: int
    rate_hz: int
    placement: str
    session_id: int
    target_spm: int
    tolerance_spm: int
    below_s: int
    min_gap_s: int
    rearm_s: int
    auto_target: bool
    baseline_s: int
    clock_set: bool = True  # False: start_s is an unset device clock (see footfall.sync)
    rate_mhz: int = 0  # measured sample rate, milli-Hz (0: rate_hz * 1000)
    boot_id: int = 0  # random per device boot; 0 in version 1 files
    start_up_ms: int = 0  # the device's uptime when the session began
    # version 3 on (earlier files read as these defaults; to_json leaves them out)
    coach: str = "cues"  # cues, metronome, metronome-when-slow, impact
    repeat_s: int = 0
    beat_steps: int = 1
    beat_out: str = "both"
    programme: str = "off"  # off, fade, progressive, fade-progressive
    programme_session: int = 0  # the session's number in the programme (0: none)
    feedback_pct: int = 100  # the programme's feedback share for the recorded run
    raise_pct10: int = 75  # auto-target: the raise over the baseline, tenths of a percent
    impact_limit_mg: int = 0  # impact mode: 0 means from the runner's own baseline
    impact_drop_pct: int = 20  # ... this far below it
    baseline_spm: int = 0  # the programme's cadence baseline (0: not yet known)
    version: int = core.VERSION  # format version read (written: always the current one)

    def __post_init__(self) -> None:
        if not self.rate_mhz:
            object.__setattr__(self, "rate_mhz", self.rate_hz * 1000)

    @property
    def size(self) -> int:
        return (0, core.HEADER_BYTES_V1, core.HEADER_BYTES_V2, core.HEADER_BYTES)[self.version]

    @classmethod
    def from_bytes(cls, data: bytes) -> Header:
        try:
            h = core.Header.unpack_from(data)
        except ValueError as exc:
            raise RecordError(str(exc)) from exc
        fields = {name: getattr(h, name) for name in cls.__dataclass_fields__}
        fields["start_s"] = h.start_s()
        return cls(**fields)

    def __bytes__(self) -> bytes:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        del fields["version"]
        h = core.Header(**fields)
        buf = bytearray(core.HEADER_BYTES)
        try:
            h.pack_into(buf)
        except ValueError as exc:
            raise RecordError(str(exc)) from exc
        return bytes(buf)

    def to_json(self) -> dict[str, object]:
        out = self._json_v2()
        if self.version >= 3:
            out.update({name: getattr(self, name) for name in V3_FIELDS})
        return out

    def _json_v2(self) -> dict[str, object]:
        return {
            "device_id": self.device_id.hex(),
            "fw": ".".join(str(v) for v in self.fw),
            "start_s": self.start_s,
            "rate_hz": self.rate_hz,
            "placement": self.placement,
            "session_id": self.session_id,
            "target_spm": self.target_spm,
            "tolerance_spm": self.tolerance_spm,
            "below_s": self.below_s,
            "min_gap_s": self.min_gap_s,
            "rearm_s": self.rearm_s,
            "auto_target": self.auto_target,
            "baseline_s": self.baseline_s,
            "clock_set": self.clock_set,
            "rate_mhz": self.rate_mhz,
            "boot_id": self.boot_id,
            "start_up_ms": self.start_up_ms,
            "version": self.version,
        }


def _framed(data: bytes, rtype: int) -> int:
    """Payload length of the one valid record of type rtype that `data` must be."""
    n = core.record_ok(data, 0, len(data))
    if n < 0 or data[0] != rtype or n + core.FRAMING_BYTES != len(data):
        raise RecordError(f"not one valid record of type {rtype} ({len(data)} bytes)")
    return n


@dataclass(frozen=True)
class Step:
    interval_ms: int
    peak_mg: int
    cadence_spm: int
    flags: int


@dataclass(frozen=True)
class StepBlock:
    """Consecutive steps; t0_ms is the session time of the first (exact after any gap)."""

    t0_ms: int
    steps: tuple[Step, ...]

    @classmethod
    def from_bytes(cls, data: bytes) -> StepBlock:
        n = _framed(data, core.REC_STEPS)
        return cls._from(data, 2, n)

    @classmethod
    def _from(cls, buf: bytes, p: int, n: int) -> StepBlock:
        first = p + core.T0_BYTES
        steps = tuple(
            Step(*core.unpack_step(buf, q)) for q in range(first, p + n, core.STEP_BYTES)
        )
        return cls(core.get_u30_be(buf, p), steps)

    def __bytes__(self) -> bytes:
        if not 1 <= len(self.steps) <= core.STEPS_PER_BLOCK:
            raise RecordError(f"a step block holds 1..{core.STEPS_PER_BLOCK} steps")
        buf = bytearray(2 + core.T0_BYTES + core.STEP_BYTES * len(self.steps) + 2)
        buf[0] = core.REC_STEPS
        core.put_u30_be(buf, 2, self.t0_ms)
        p = 2 + core.T0_BYTES
        for s in self.steps:
            p = core.pack_step(buf, p, s.interval_ms, s.peak_mg, s.cadence_spm, s.flags)
        core.seal(buf, 0, p)
        return bytes(buf)


@dataclass(frozen=True)
class Summary:
    elapsed_ms: int
    steps: int
    running_ms: int
    cues: int
    overflows: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Summary:
        _framed(data, core.REC_SUMMARY)
        return cls(*core.unpack_summary(data, 2))

    def __bytes__(self) -> bytes:
        buf = bytearray(core.SUMMARY_BYTES)
        core.pack_summary(buf, 0, self.elapsed_ms, self.steps, self.running_ms, self.cues,
                          self.overflows)  # fmt: skip
        return bytes(buf)


@dataclass(frozen=True)
class Event:
    elapsed_ms: int
    kind: int
    value: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Event:
        _framed(data, core.REC_EVENT)
        return cls(*core.unpack_event(data, 2))

    def __bytes__(self) -> bytes:
        buf = bytearray(core.EVENT_BYTES)
        core.pack_event(buf, 0, self.elapsed_ms, self.kind, self.value)
        return bytes(buf)

    @property
    def kind_name(self) -> str:
        return EVENT_KINDS.get(self.kind, f"kind {self.kind}")


@dataclass(frozen=True)
class End:
    elapsed_ms: int
    steps: int
    reason: int

    @classmethod
    def from_bytes(cls, data: bytes) -> End:
        _framed(data, core.REC_END)
        return cls(*core.unpack_end(data, 2))

    def __bytes__(self) -> bytes:
        buf = bytearray(core.END_BYTES)
        core.pack_end(buf, 0, self.elapsed_ms, self.steps, self.reason)
        return bytes(buf)

    @property
    def reason_name(self) -> str:
        return END_REASONS.get(self.reason, f"reason {self.reason}")


@dataclass(frozen=True)
class Gap:
    """Samples lost to a FIFO overflow at session time at_ms (the next step's interval
    already includes lost_ms)."""

    at_ms: int
    lost_ms: int
    lost_samples: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Gap:
        _framed(data, core.REC_GAP)
        return cls(*core.unpack_gap(data, 2))

    def __bytes__(self) -> bytes:
        buf = bytearray(core.GAP_BYTES)
        core.pack_gap(buf, 0, self.at_ms, self.lost_ms, self.lost_samples)
        return bytes(buf)


@dataclass(frozen=True)
class Unknown:
    """A record type this version does not know, kept verbatim (its CRC was valid)."""

    raw: bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> Unknown:
        _framed(data, data[0] if data else -1)
        return cls(bytes(data))

    def __bytes__(self) -> bytes:
        return self.raw


RECORD_NAMES = {core.REC_STEPS: "STEPS", core.REC_SUMMARY: "SUMMARY", core.REC_EVENT: "EVENT",
                core.REC_END: "END", core.REC_GAP: "GAP"}  # fmt: skip
RULES = {
    reader.BACKWARDS: "session time goes back (a duplicated or out-of-order record)",
    reader.AFTER_END: "it follows the END record (a session ends at its END)",
    reader.TOO_MANY_STEPS: f"more than {reader.MAX_STEPS} steps in one session "
    f"(one per {reader.MIN_STEP_MS} ms for 2**30 ms)",
    reader.TOO_LONG: "a step after 2**30 ms (12.4 days), the longest session",
}


@dataclass(frozen=True)
class Skip:
    """Bytes the reader dropped: a damaged span (no intact record in it), or one intact
    record that breaks a rule of footfall_core.reader (rtype: its type; 0 for damage)."""

    offset: int
    nbytes: int
    why: int
    rtype: int = 0

    @property
    def damaged(self) -> bool:
        return self.why == reader.DAMAGED

    def describe(self) -> str:
        """One phrase: what was dropped, where and why."""
        if self.damaged:
            return f"{self.nbytes} damaged bytes at byte {self.offset}"
        name = RECORD_NAMES.get(self.rtype, f"type {self.rtype}")
        return f"the {name} record at byte {self.offset}: {RULES[self.why]}"

    def to_json(self) -> list[object]:
        return [self.offset, self.nbytes, reader.WHY[self.why]]


Record = StepBlock | Summary | Event | End | Gap | Unknown
_DECODERS: dict[int, type[Summary] | type[Event] | type[End] | type[Gap]] = {
    core.REC_SUMMARY: Summary,
    core.REC_EVENT: Event,
    core.REC_END: End,
    core.REC_GAP: Gap,
}


@dataclass(frozen=True)
class Session:
    """A decoded session file: its intact records and the steps as numpy arrays.

    t_ms is each step's session time; interval_ms is exact even across long gaps (the
    block's t0 is used, not the saturated field). skips: what the reader dropped (damage,
    and records that break a rule), in file order; discarded_bytes counts them."""

    header: Header
    records: tuple[Record, ...]
    valid_bytes: int
    total_bytes: int
    t_ms: np.ndarray
    interval_ms: np.ndarray
    peak_mg: np.ndarray
    cadence_spm: np.ndarray
    flags: np.ndarray
    skips: tuple[Skip, ...] = ()

    @classmethod
    def from_bytes(cls, data: bytes) -> Session:
        """Decode; RecordError when the header is missing or corrupt."""
        header = Header.from_bytes(data)
        records: list[Record] = []

        def visit(rtype: int, buf: bytes, p: int, n: int) -> None:
            if rtype == core.REC_STEPS:
                records.append(StepBlock._from(buf, p, n))
            elif rtype in _DECODERS:
                records.append(_DECODERS[rtype].from_bytes(bytes(buf[p - 2 : p + n + 2])))
            else:
                records.append(Unknown(bytes(buf[p - 2 : p + n + 2])))

        skips: list[Skip] = []

        def skip(at: int, nbytes: int, why: int) -> None:
            skips.append(Skip(at, nbytes, why, 0 if why == reader.DAMAGED else data[at]))

        r = reader.walk(data, header.size, len(data), visit, skip)
        t, peak, cad, flags = _steps(records)
        interval = np.diff(t, prepend=0) if len(t) else t.copy()
        valid = len(data) - r.skipped_bytes
        return cls(
            header, tuple(records), valid, len(data), t, interval, peak, cad, flags, tuple(skips)
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Session:
        return cls.from_bytes(Path(path).read_bytes())

    def __bytes__(self) -> bytes:
        return bytes(self.header) + b"".join(bytes(r) for r in self.records)

    @property
    def steps(self) -> int:
        return len(self.t_ms)

    @property
    def discarded_bytes(self) -> int:
        return self.total_bytes - self.valid_bytes

    @property
    def broken(self) -> list[Skip]:
        """The intact records dropped for breaking a rule (not damage)."""
        return [k for k in self.skips if not k.damaged]

    def of_type(self, kind: type) -> list:
        return [r for r in self.records if isinstance(r, kind)]

    @property
    def gaps(self) -> list[Gap]:
        return self.of_type(Gap)

    @property
    def after_gap(self) -> np.ndarray:
        """True for each step whose interval spans a gap: not a measured step interval."""
        mark = np.zeros(self.steps, dtype=bool)
        for g in self.gaps:
            i = int(np.searchsorted(self.t_ms, g.at_ms, side="right"))
            if i < self.steps:
                mark[i] = True
        return mark

    @property
    def end(self) -> End | None:
        ends = self.of_type(End)
        return ends[-1] if ends else None

    @property
    def duration_ms(self) -> int:
        times = [int(self.t_ms[-1])] if self.steps else [0]
        times += [r.elapsed_ms for r in self.records if isinstance(r, Summary | Event | End)]
        times += [g.at_ms + g.lost_ms for g in self.gaps]
        return max(times)


def _steps(records: list[Record]) -> tuple[np.ndarray, ...]:
    # STEP_COLUMNS: each block starts at its exact t0_ms.
    parts = []
    for b in records:
        if isinstance(b, StepBlock):
            # plain tuples: dataclasses.astuple deep-copies and was 85 % of a store import
            rows = [(s.interval_ms, s.peak_mg, s.cadence_spm, s.flags) for s in b.steps]
            cols = np.array(rows, dtype=np.int64).T
            t = cols[0].copy()
            t[0] = b.t0_ms
            parts.append(np.vstack([np.cumsum(t), cols[1:]]))
    if not parts:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
    t, peak, cad, flags = np.hstack(parts)
    return t, peak, cad, flags
