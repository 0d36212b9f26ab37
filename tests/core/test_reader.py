"""Reading records back (footfall_core.reader): damage costs only the records it touches,
the rules drop what no firmware writes, and the session CRC sees every byte. Each behaviour
runs under CPython and the MicroPython unix port."""

import random
from typing import Any

import pytest

from tests.conftest import MPY_SCRIPTS, run_body
from tests.core.bounds import checked_core
from tests.mpy import reader_rig
from tests.unixport import FIRMWARE, run_mpy_file

SESSION = reader_rig.session()
starts = reader_rig.starts


def run(interpreter: str, script: str) -> Any:
    """Run script after `from reader_rig import *` (tests/mpy/reader_rig.py); its `result`."""
    return run_body(interpreter, "reader_rig", script)


def test_an_intact_session_reads_whole(interpreter: str) -> None:
    script = """
data = session()
got, r = kept(data)
result = (got == starts(data), r.skipped_bytes, r.skips, r.steps, r.ended)
"""
    assert run(interpreter, script) == (True, 0, 0, 150, True)


def test_a_flipped_bit_anywhere_costs_only_the_record_it_hits(interpreter: str) -> None:
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
    assert run(interpreter, script) == []


def test_a_cut_at_every_byte_keeps_every_complete_record(interpreter: str) -> None:
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
    assert run(interpreter, script) == []


def test_noise_between_records_costs_no_record(interpreter: str) -> None:
    script = """
data = session()
s = starts(data)
mid = s[len(s) // 2]
noise = bytes((i * 197 + 11) & 0xFF for i in range(700))
got, r = kept(data[:mid] + noise + data[mid:])
result = (len(got), len(s), r.skipped_bytes, r.skips)
"""
    n = run(interpreter, script)
    assert n[0] == n[1] and n[2:] == (700, 1)


@pytest.mark.parametrize("piece", [260, 300, 512, 2048])
def test_pieces_read_the_same_as_the_whole_file(interpreter: str, piece: int) -> None:
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
    assert run(interpreter, script) == (True, True, True, True, 5)


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
    interpreter: str, crafted: str, why: int, kept: int, broken: int
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
    assert run(interpreter, script) == ([why], broken, broken, kept)


def test_more_steps_than_the_longest_session_holds_are_dropped(interpreter: str) -> None:
    script = """
was = reader.MAX_STEPS
reader.MAX_STEPS = 100  # the rule, at a size a test can write out
data = session(steps=150)
whys = []
r = reader.walk(data, rec.HEADER_BYTES, -1, None, lambda at, n, w: whys.append(w))
reader.MAX_STEPS = was
result = (r.steps, sorted(set(whys)))
"""
    steps, whys = run(interpreter, script)
    assert steps <= 100 and whys == [4]  # TOO_MANY_STEPS


def test_max_steps_allows_400_steps_a_minute_for_2_30_ms_and_no_more() -> None:
    from footfall_core import reader

    assert reader.MAX_STEPS == (2**30 - 1) // 150 < 12_000_000


def test_an_unknown_record_type_is_kept_where_one_is_due_but_never_resumed_at(
    interpreter: str,
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
    assert run(interpreter, script) == (1, 0, 0, 1 + 7)


def test_the_ccitt_crc_of_a_file_sees_only_its_record_lengths_and_the_session_crc_all(
    interpreter: str,
) -> None:
    # Two different runs with the same record pattern: another device, start, id, steps.
    script = """
a = session(seed=1)
b = session(seed=99, interval=420, start_s=1700000000, session_id=9)
result = (a != b, len(a) == len(b), crc16(a) == crc16(b), session_crc(a) == session_crc(b),
          crc16(a, 0, rec.HEADER_BYTES))
"""
    assert run(interpreter, script) == (True, True, True, False, 0)


@pytest.mark.e2e
def test_reading_a_damaged_session_allocates_nothing_in_the_unix_port() -> None:
    records, skips, steps = (
        int(v) for v in run_mpy_file(MPY_SCRIPTS / "reader_heap_lock.py").stdout.split()
    )
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
