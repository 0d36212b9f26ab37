"""Reading a session's records back: every intact record kept, damage skipped, and the rules
a session's records keep. The one reader of session records, on the device and the host.

A record is intact when its framing and CRC hold (records.record_ok). Reader walks the
records one after another. Where the bytes are not an intact record (a flipped bit, a torn
write, noise), it looks for the next intact record byte by byte and goes on from there, so
damage costs the records it touches and no others. A place it resumes at must hold a known
record type with its payload length in this version and keep the rules below; a record of
an unknown type or length (a later format's) is kept only where the previous record ends.

Rules: an intact record that breaks one is dropped, with the rule's code:
    BACKWARDS       session time never goes back. A STEPS block's first step comes after
                    the previous step (the detector never puts two steps in one ms) and not
                    before the last GAP; a GAP is not before the last step or GAP; EVENT
                    times never go back, nor SUMMARY and END times. (An END the writer adds
                    when the flash fills carries the time of its last summary, which can be
                    before the last EVENT's: events are not held to the END's clock.)
    AFTER_END       nothing follows the END record.
    TOO_MANY_STEPS  at most MAX_STEPS steps: one per MIN_STEP_MS over the longest session.
    TOO_LONG        no step later than MAX_TIME_MS (2**30 ms, 12.4 days).
The firmware writes nothing that breaks them (steps, gaps and clock times all come from
sample indices, in order), so a record that does was duplicated, moved or made up.

Finding the next record costs a CRC check at each candidate byte; a false one (noise that
passes a CRC-16 and the rules) is rare: measured figures in docs/store-and-sync.md.

    r = Reader(visit, skip)          # visit(rtype, buf, p, n) per kept record (payload at p)
    r.feed(buf, pos, end, off, final)  # skip(offset, nbytes, why) per dropped span
Feed the file in pieces (off: the file offset of buf[0]); with final False, feed returns
where to go on (a record that may run past end is read again with the next piece). Every
intermediate stays below 2**30 and nothing is allocated per record.
"""

from footfall_core.header import MAX_TIME_MS, get_u16_be, get_u30_be
from footfall_core.records import (
    FRAMING_BYTES,
    INCOMPLETE,
    LAST_TYPE,
    PAYLOAD_BYTES,
    REC_END,
    REC_EVENT,
    REC_GAP,
    REC_STEPS,
    REC_SUMMARY,
    STEP_BYTES,
    T0_BYTES,
    record_ok,
)

DAMAGED = 1  # bytes that are no intact record
BACKWARDS = 2
AFTER_END = 3
TOO_MANY_STEPS = 4
TOO_LONG = 5
WHY = ("", "damaged", "time goes back", "after the END record", "too many steps",
       "past the longest session")  # fmt: skip

MIN_STEP_MS = 150  # 400 steps/min: no runner's cadence comes near it
MAX_STEPS = MAX_TIME_MS // MIN_STEP_MS


class Reader:
    """What one pass over a session's records found: kept records, steps, times, drops."""

    def __init__(self, visit=None, skip=None):
        self.visit = visit
        self.skip = skip
        self.records = 0  # records kept
        self.steps = 0
        self.t_step = -1  # time of the last step kept (-1: none yet)
        self.t_gap = 0  # time of the last GAP kept
        self.t_clock = 0  # time of the last SUMMARY or END kept
        self.t_event = 0  # time of the last EVENT kept
        self.ended = False
        self.skipped_bytes = 0
        self.skips = 0  # places dropped: damaged spans and records breaking a rule
        self.broken = 0  # of them, intact records that broke a rule
        self.first_skip = -1  # file offset of the first byte dropped
        self._bad = -1  # file offset where the damage being passed over began
        self._t = 0

    def feed(self, buf, pos, end, off=0, final=True):
        """Walk buf[pos:end]; returns the offset to go on from (end once all is read)."""
        while pos < end:
            rtype = buf[pos]
            if self._bad >= 0 and not self._may_resume(buf, pos, end, rtype):
                pos += 1
                continue
            n = record_ok(buf, pos, end)
            if n == INCOMPLETE and not final:
                return pos
            if n >= 0:
                why = self._rules(rtype, buf, pos + 2, n)
                if why == 0:
                    if self._bad >= 0:
                        self._drop(self._bad, off + pos - self._bad, DAMAGED)
                        self._bad = -1
                    self._keep(rtype, buf, pos + 2, n)
                    pos += n + FRAMING_BYTES
                    continue
                if self._bad < 0:  # an intact record where one was due: drop it whole
                    self._drop(off + pos, n + FRAMING_BYTES, why)
                    pos += n + FRAMING_BYTES
                    continue
            if self._bad < 0:
                self._bad = off + pos
            pos += 1
        if final and self._bad >= 0:
            self._drop(self._bad, off + end - self._bad, DAMAGED)
            self._bad = -1
        return pos

    def _may_resume(self, buf, pos, end, rtype):
        # Looking for a record after damage: only a known type, with its payload length
        # in this version, can be one (a few candidates in 1,000 get as far as the CRC).
        if rtype == 0 or rtype > LAST_TYPE:
            return False
        return rtype == REC_STEPS or pos + 1 >= end or buf[pos + 1] == PAYLOAD_BYTES[rtype]

    def _rules(self, rtype, buf, p, n):
        # 0 when the record at payload p keeps every rule; self._t: its time
        if self.ended:
            return AFTER_END
        if rtype == REC_STEPS:
            t = get_u30_be(buf, p)
            if t <= self.t_step or t < self.t_gap:
                return BACKWARDS
            if (n - T0_BYTES) // STEP_BYTES > MAX_STEPS - self.steps:
                return TOO_MANY_STEPS
            q = p + T0_BYTES + STEP_BYTES
            while q < p + n:
                d = get_u16_be(buf, q) >> 3
                if d > MAX_TIME_MS - t:
                    return TOO_LONG
                t += d
                q += STEP_BYTES
        elif rtype == REC_GAP:
            t = get_u30_be(buf, p)
            if t < self.t_step or t < self.t_gap:
                return BACKWARDS
        elif rtype == REC_EVENT:
            t = get_u30_be(buf, p)
            if t < self.t_event:
                return BACKWARDS
        elif rtype == REC_SUMMARY or rtype == REC_END:
            t = get_u30_be(buf, p)
            if t < self.t_clock:
                return BACKWARDS
        else:
            t = 0
        self._t = t
        return 0

    def _keep(self, rtype, buf, p, n):
        if rtype == REC_STEPS:
            self.steps += (n - T0_BYTES) // STEP_BYTES
            self.t_step = self._t
        elif rtype == REC_GAP:
            self.t_gap = self._t
        elif rtype == REC_EVENT:
            self.t_event = self._t
        elif rtype == REC_SUMMARY or rtype == REC_END:
            self.t_clock = self._t
            self.ended = rtype == REC_END
        self.records += 1
        if self.visit is not None:
            self.visit(rtype, buf, p, n)

    def _drop(self, at, nbytes, why):
        self.skipped_bytes += nbytes
        self.skips += 1
        if why != DAMAGED:
            self.broken += 1
        if self.first_skip < 0:
            self.first_skip = at
        if self.skip is not None:
            self.skip(at, nbytes, why)


def walk(buf, pos, end=-1, visit=None, skip=None):
    """Read the records of a whole session held in buf[pos:end] (end=-1: to its end)."""
    r = Reader(visit, skip)
    r.feed(buf, pos, len(buf) if end < 0 else end)
    return r
