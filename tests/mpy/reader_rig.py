"""Reader rig for both interpreters: a logged run with a gap, cues and summaries, the record
offsets from the framing alone, and the offsets walk() keeps. Scripts and tests take it with
`from reader_rig import *`."""

from footfall_core import reader
from footfall_core import records as rec
from footfall_core.crc import crc16, session_crc  # noqa: F401 (for bodies)


def session(steps=150, interval=340, seed=1, gap_at=70, start_s=1800000000, session_id=3):
    # A run as the firmware logs one: step blocks, a cue, a gap, summaries, the end.
    buf = bytearray(8192)
    enc = rec.SessionEncoder(buf)
    enc.header(
        rec.Header(device_id=bytes([1, 2, 3, 4, 5, 6]), start_s=start_s, session_id=session_id)
    )
    t = 0
    for i in range(steps):
        seed = (seed * 1103515245 + 12345) & 0x3FFFFFFF
        d = interval + (seed >> 10) % 21 - 10
        if i == gap_at:
            enc.gap(t + 100, 500, 50)
            d += 500
        t += d
        assert enc.step(d, 1500 + (seed >> 14) % 3000, 160 + i % 20, 2)
        if i % 60 == 30:
            assert enc.event(t + 5, rec.EV_CUE, 150)
        if i % 50 == 49:
            assert enc.summary(t + 10, t, i // 60, 0)
    assert enc.summary(t + 20, t, 2, 0) and enc.end(t + 20, rec.END_STOPPED)
    return bytes(buf[: enc.pos])


def starts(data):
    # record offsets from the framing alone
    out, pos = [], rec.HEADER_BYTES
    while pos < len(data):
        out.append(pos)
        pos += data[pos + 1] + rec.FRAMING_BYTES
    return out


def kept(data, end=-1):
    got = []
    r = reader.walk(data, rec.HEADER_BYTES, end, lambda t, b, p, n: got.append(p - 2))
    return got, r
