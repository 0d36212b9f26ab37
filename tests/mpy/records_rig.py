"""Records rig for both interpreters: a session header with every field set, encode() and
decode() of step lists. Scripts and tests take it with `from records_rig import *`."""

from footfall_core import reader
from footfall_core import records as rec


def header():
    return rec.Header(
        device_id=bytes([0xA0, 0xB1, 0xC2, 0xD3, 0xE4, 0xF5]),
        fw=(1, 2, 3),
        start_s=1800000000,
        rate_hz=100,
        placement="shoe",
        session_id=7,
        target_spm=172,
        tolerance_spm=4,
        below_s=10,
        min_gap_s=12,
        rearm_s=5,
        auto_target=True,
        baseline_s=120,
        clock_set=True,
        rate_mhz=100250,
        boot_id=0xBEEF,
        start_up_ms=123456,
        coach="impact",
        repeat_s=300,
        beat_steps=2,
        beat_out="motor",
        programme="fade-progressive",
        programme_session=6,
        feedback_pct=50,
        raise_pct10=50,
        impact_limit_mg=4200,
        impact_drop_pct=25,
        baseline_spm=158,
    )


def encode(steps, size=4096):
    buf = bytearray(size)
    enc = rec.SessionEncoder(buf)
    enc.header(header())
    for s in steps:
        assert enc.step(*s)
    return bytes(buf[: enc.seal()])


def decode(data):
    out = []

    def visit(rtype, buf, p, n):
        if rtype == rec.REC_STEPS:
            t = rec.get_u30_be(buf, p)
            first = True
            for q in range(p + rec.T0_BYTES, p + n, rec.STEP_BYTES):
                step = rec.unpack_step(buf, q)
                t = t if first else t + step[0]
                first = False
                out.append(("step", t) + step)
        else:
            out.append((rtype, bytes(buf[p : p + n])))

    r = reader.walk(data, rec.Header.unpack_from(data).size, len(data), visit)
    return r.skipped_bytes, r.records, out
