"""Reading records back (footfall_core.reader): damage costs only the records it touches,
the rules drop what no firmware writes, and the session CRC sees every byte. Each behaviour
runs under CPython and the MicroPython unix port."""

import ast
import random
from typing import Any

import pytest

from tests.core.bounds import checked_core
from tests.unixport import FIRMWARE, run_mpy

INTERPRETERS = ("cpython", "micropython")

PRELUDE = """
from footfall_core import records as rec
from footfall_core import reader
from footfall_core.crc import crc16, session_crc

def session(steps=150, interval=340, seed=1, gap_at=70, start_s=1800000000, session_id=3):
    # A run as the firmware logs one: step blocks, a cue, a gap, summaries, the end.
    buf = bytearray(8192)
    enc = rec.SessionEncoder(buf)
    enc.header(rec.Header(device_id=bytes([1, 2, 3, 4, 5, 6]), start_s=start_s,
                          session_id=session_id))
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
    return bytes(buf[:enc.pos])

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
"""


_ns: dict = {}
exec(PRELUDE, _ns)
SESSION = _ns["session"]()
starts = _ns["starts"]


def run(interp: str, script: str) -> Any:
    """Run PRELUDE + script (which sets `result` to a literal) in one interpreter."""
    if interp == "cpython":
        ns: dict = {}
        exec(PRELUDE + script, ns)
        return ns["result"]
    proc = run_mpy(PRELUDE + script + "\nprint(repr(result))")
    return ast.literal_eval(proc.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_an_intact_session_reads_whole(interp: str) -> None:
    script = """
data = session()
got, r = kept(data)
result = (got == starts(data), r.skipped_bytes, r.skips, r.steps, r.ended)
"""
    assert run(interp, script) == (True, 0, 0, 150, True)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_a_flipped_bit_anywhere_costs_only_the_record_it_hits(interp: str) -> None:
    # one bit of every byte after the header (each bit of each byte: tests/host/test_fuzz)
    script = """
data = session()
s = starts(data)
ends = s[1:] + [len(data)]
bad_out = []
for i in range(rec.HEADER_BYTES, len(data)):
    bad = bytearray(data)
    bad[i] ^= 1 << (i % 8)
    got, r = kept(bad)
    want = [a for a, b in zip(s, ends) if not a <= i < b]
    if got != want or r.skips != 1:
        bad_out.append(i)
result = bad_out
"""
    assert run(interp, script) == []


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_a_cut_at_every_byte_keeps_every_complete_record(interp: str) -> None:
    script = """
data = session(steps=70)
s = starts(data) + [len(data)]
bad_out = []
for k in range(rec.HEADER_BYTES, len(data) + 1):
    got, r = kept(data, k)
    complete = [a for a, b in zip(s, s[1:]) if b <= k]
    last = s[len(complete)]
    if got != complete or r.skipped_bytes != k - last:
        bad_out.append(k)
result = bad_out
"""
    assert run(interp, script) == []


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_noise_between_records_costs_no_record(interp: str) -> None:
    script = """
data = session()
s = starts(data)
mid = s[len(s) // 2]
noise = bytes((i * 197 + 11) & 0xFF for i in range(700))
got, r = kept(data[:mid] + noise + data[mid:])
result = (len(got), len(s), r.skipped_bytes, r.skips)
"""
    n = run(interp, script)
    assert n[0] == n[1] and n[2:] == (700, 1)


@pytest.mark.parametrize("interp", INTERPRETERS)
@pytest.mark.parametrize("piece", [260, 300, 512, 2048])
def test_pieces_read_the_same_as_the_whole_file(interp: str, piece: int) -> None:
    # The device reads a file a buffer at a time: damage that spans pieces, a record cut by
    # a piece's end, and the end of the file, all as the whole file reads.
    script = f"""
data = bytearray(session(steps=400))
for i in (300, 301, 302, 1000, 1500, 1501, len(data) - 30):
    data[i] ^= 0x5A
data = bytes(data) + bytes([1, 40, 0, 0])  # a torn record at the end
whole = []
r0 = reader.Reader(lambda t, b, p, n: whole.append(p - 2))
r0.feed(data, rec.HEADER_BYTES, len(data))
got = []
skips = []
r = reader.Reader(None, lambda at, n, why: skips.append((at, n, why)))
buf = bytearray({piece})
off, pos = 0, rec.HEADER_BYTES
while True:
    n = len(data[off:off + len(buf)])
    buf[:n] = data[off:off + n]
    r.visit = lambda t, b, p, k, o=off: got.append(o + p - 2)
    pos = r.feed(buf, pos, n, off, off + n == len(data))
    if off + n == len(data):
        break
    off += pos
    pos = 0
result = (got == whole, r.skipped_bytes == r0.skipped_bytes, r.skips == r0.skips,
          skips[-1][0] + skips[-1][1] == len(data), len(skips))
"""
    assert run(interp, script) == (True, True, True, True, 5)


@pytest.mark.parametrize("interp", INTERPRETERS)
@pytest.mark.parametrize(
    ("crafted", "why", "kept", "broken"),
    [
        # a step block again: session time goes back (a 6:31 run reading "running 12:31")
        ("bad = data[:b[3]] + data[b[1]:after(b[1])] + data[b[3]:]", 2, 0, 1),
        # the whole session again after its end
        ("bad = data + data[rec.HEADER_BYTES:]", 3, 0, len(starts(SESSION))),
        # a step block whose time runs back 300 hours ("running -299:51:35")
        ("bad = back_in_time(data, b[4])", 2, -1, 1),
        # a block of steps past the longest session (2**30 ms)
        ("bad = data[:s[-1]] + late_block() + data[s[-1]:]", 5, 0, 1),
    ],
)
def test_records_that_break_a_rule_are_dropped_with_the_rule(
    interp: str, crafted: str, why: int, kept: int, broken: int
) -> None:
    script = f"""
def after(at):
    return at + data[at + 1] + rec.FRAMING_BYTES

def back_in_time(data, at):
    out = bytearray(data)
    t = rec.get_u30_be(out, at + 2) - 300 * 3600000
    rec.put_u30_be(out, at + 2, t if t > 0 else 0)
    rec.seal(out, at, at + 2 + out[at + 1])
    return bytes(out)

def late_block():
    buf = bytearray(64)
    buf[0] = rec.REC_STEPS
    rec.put_u30_be(buf, 2, rec.MAX_TIME_MS - 100)
    p = rec.pack_step(buf, 6, 0, 1000, 170, 2)
    p = rec.pack_step(buf, p, 300, 1000, 170, 2)
    return bytes(buf[:rec.seal(buf, 0, p)])

data = session()
s = starts(data)
b = [a for a in s if data[a] == rec.REC_STEPS]
{crafted}
whys = []
r = reader.walk(bad, rec.HEADER_BYTES, -1, None, lambda at, n, w: whys.append(w))
result = (sorted(set(whys)), r.broken, r.skips, r.records - len(s))
"""
    assert run(interp, script) == ([why], broken, broken, kept)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_more_steps_than_the_longest_session_holds_are_dropped(interp: str) -> None:
    script = """
was = reader.MAX_STEPS
reader.MAX_STEPS = 100  # the rule, at a size a test can write out
data = session(steps=150)
whys = []
r = reader.walk(data, rec.HEADER_BYTES, -1, None, lambda at, n, w: whys.append(w))
reader.MAX_STEPS = was
result = (r.steps, sorted(set(whys)))
"""
    steps, whys = run(interp, script)
    assert steps <= 100 and whys == [4]  # TOO_MANY_STEPS


def test_max_steps_allows_400_steps_a_minute_for_2_30_ms_and_no_more() -> None:
    from footfall_core import reader

    assert reader.MAX_STEPS == (2**30 - 1) // 150 < 12_000_000


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_an_unknown_record_type_is_kept_where_one_is_due_but_never_resumed_at(
    interp: str,
) -> None:
    script = """
data = session()
s = starts(data)
unknown = bytearray([9, 3, 7, 7, 7, 0, 0])
rec.seal(unknown, 0, 5)
a = data[:s[2]] + bytes(unknown) + data[s[2]:]
bad = bytearray(data[:s[2]]) + bytes([0xEE]) + bytes(unknown) + data[s[2]:]
got_a, ra = kept(a)
got_b, rb = kept(bytes(bad))
result = (ra.records - len(s), ra.skips, rb.records - len(s), rb.skipped_bytes)
"""
    assert run(interp, script) == (1, 0, 0, 1 + 7)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_the_ccitt_crc_of_a_file_sees_only_its_record_lengths_and_the_session_crc_all(
    interp: str,
) -> None:
    # Two different runs with the same record pattern: another device, start, id, steps.
    script = """
a = session(seed=1)
b = session(seed=99, interval=420, start_s=1700000000, session_id=9)
result = (a != b, len(a) == len(b), crc16(a) == crc16(b), session_crc(a) == session_crc(b),
          crc16(a, 0, rec.HEADER_BYTES))
"""
    assert run(interp, script) == (True, True, True, False, 0)


def test_reading_a_damaged_session_allocates_nothing_in_the_unix_port() -> None:
    script = (
        PRELUDE
        + """
import micropython
data = bytearray(session(steps=400))
for i in (300, 700, 701, 1500):
    data[i] ^= 0x10
r = reader.Reader()
micropython.heap_lock()
r.feed(data, rec.HEADER_BYTES, len(data), 0, True)
micropython.heap_unlock()
print(r.records, r.skips, r.steps)
"""
    )
    records, skips, steps = (int(v) for v in run_mpy(script).stdout.split())
    assert skips == 3 and 0 < steps < 400 and records > 10


def test_reader_intermediates_stay_small_ints_on_noise_and_extreme_times() -> None:
    rng = random.Random(11)
    with checked_core(FIRMWARE / "footfall_core"):
        from footfall_core import reader
        from footfall_core import records as rec

        buf = bytearray(256)
        enc = rec.SessionEncoder(buf)
        enc.header(rec.Header())
        for d in (rec.MAX_TIME_MS - 20_000, 8191, 8191, 8191, 8191):
            enc.step(d, 25500, 255, 7)
        enc.end(rec.MAX_TIME_MS, rec.END_FULL)
        extreme = bytes(buf[: enc.pos])
        late = reader.walk(extreme, rec.HEADER_BYTES)
        assert late.records == 1 and late.broken == 1  # the block past 2**30 ms dropped
        noise = bytes(rng.getrandbits(8) for _ in range(200_000))
        assert reader.walk(extreme[:44] + noise, 44).skipped_bytes > 190_000
