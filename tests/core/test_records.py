"""The session file format, each behaviour checked under CPython and the MicroPython unix port."""

import binascii
from typing import Any

import pytest

from tests.conftest import MPY_SCRIPTS, run_body
from tests.unixport import run_mpy_file


def run(interpreter: str, script: str) -> Any:
    """Run script after `from records_rig import *` (tests/mpy/records_rig.py); its `result`."""
    return run_body(interpreter, "records_rig", script)


# Hand-written from the layout in footfall_core/records.py; CRCs from binascii.crc_hqx
# (CRC-16/CCITT-FALSE with init 0xFFFF), not from footfall's code.
GOLDEN_V1 = bytes.fromhex(
    "46465331"  # magic FFS1
    "01"
    "22"  # version 1, header length 34
    "a0b1c2d3e4f5"  # device id
    "010203"  # firmware 1.2.3
    "01"  # placement: shoe
    "6b49d200"  # start 1,800,000,000 s
    "0064"
    "0007"  # 100 Hz, session 7
    "ac"
    "04"
    "0a"
    "0c"
    "05"
    "01"  # target 172, tolerance 4, below 10 s, gap 12, rearm 5, auto
    "0078"  # baseline 120 s
    "39df"  # header CRC
    "01"
    "0c"
    "00000190"  # STEPS, 12 bytes, first step at 400 ms
    "0c82"
    "1a"
    "96"  # 400 ms << 3 | running, 2.6 g, 150 spm
    "0af6"
    "a0"
    "ab"  # 350 ms << 3 | cue | running, 16.0 g, 171 spm
    "d277"
    "03"
    "07"
    "000002f8"
    "01"
    "00ab"
    "9f92"  # EVENT at 760 ms: cue, 171 spm
    "04"
    "09"
    "00000320"
    "00000002"
    "00"
    "2bae"  # END at 800 ms: 2 steps, stopped
)
# Version 2: the same session with the 44-byte header.
GOLDEN_V2 = (
    bytes.fromhex(
        "46465331"  # magic FFS1
        "02"
        "2c"  # version 2, header length 44
        "a0b1c2d3e4f5"  # device id
        "010203"  # firmware 1.2.3
        "01"  # placement: shoe
        "6b49d200"  # start 1,800,000,000 s
        "0064"
        "0007"  # 100 Hz, session 7
        "ac040a0c05"  # target 172, tolerance 4, below 10 s, gap 12, rearm 5
        "03"  # flags: auto-target, clock set
        "0078"  # baseline 120 s
        "0001879a"  # measured rate 100.250 Hz (milli-Hz)
        "beef"  # boot id
        "0001e240"  # started at 123,456 ms of device uptime
        "4df1"  # header CRC
    )
    + GOLDEN_V1[34:]
)
# Version 3: the same session with the 60-byte header the encoder writes today.
GOLDEN = (
    GOLDEN_V2[:4]
    + bytes.fromhex(
        "033c"  # version 3, header length 60
    )
    + GOLDEN_V2[6:42]
    + bytes.fromhex(
        "03"  # coach: impact
        "02"  # beat every other step
        "02"  # beat on the motor
        "03"  # programme: fade-progressive
        "012c"  # repeat every 300 s
        "0006"  # programme session 6
        "32"  # feedback 50 %
        "19"  # impact limit 25 % below the baseline
        "0032"  # target raise 5.0 %
        "1068"  # impact limit 4200 mg
        "9e"  # programme baseline 158 spm
        "00"  # reserved
        "4719"  # header CRC
    )
    + GOLDEN_V1[34:]
)
GOLDEN_SCRIPT = """
buf = bytearray(256)
enc = rec.SessionEncoder(buf)
enc.header(header())
enc.step(400, 2550, 150, 2)
enc.step(350, 16049, 171, 2 | rec.FLAG_CUE)
enc.event(760, rec.EV_CUE, 171)
enc.end(800, rec.END_STOPPED)
result = bytes(buf[:enc.pos])
"""


def test_golden_bytes_crcs_are_crc16_ccitt_false() -> None:
    for start, end in ((0, 32), (34, 48), (50, 59), (61, 72)):
        crc = int.from_bytes(GOLDEN_V1[end : end + 2], "big")
        assert binascii.crc_hqx(GOLDEN_V1[start:end], 0xFFFF) == crc
    assert binascii.crc_hqx(GOLDEN_V2[:42], 0xFFFF) == int.from_bytes(GOLDEN_V2[42:44], "big")
    assert binascii.crc_hqx(GOLDEN[:58], 0xFFFF) == int.from_bytes(GOLDEN[58:60], "big")


def test_encoder_writes_the_golden_session(interpreter: str) -> None:
    assert run(interpreter, GOLDEN_SCRIPT) == GOLDEN


def test_header_round_trips_every_field(interpreter: str) -> None:
    script = f"""
h = rec.Header.unpack_from({GOLDEN!r})
result = (h.device_id, h.fw, h.start_s(), h.rate_hz, h.placement, h.session_id, h.target_spm,
          h.tolerance_spm, h.below_s, h.min_gap_s, h.rearm_s, h.auto_target, h.baseline_s,
          h.clock_set, h.rate_mhz, h.boot_id, h.start_up_ms, h.version, h.size, h.coach,
          h.repeat_s, h.beat_steps, h.beat_out, h.programme, h.programme_session,
          h.feedback_pct, h.raise_pct10, h.impact_limit_mg, h.impact_drop_pct, h.baseline_spm)
"""
    assert run(interpreter, script) == (
        bytes.fromhex("a0b1c2d3e4f5"), (1, 2, 3), 1_800_000_000, 100, "shoe", 7,
        172, 4, 10, 12, 5, True, 120, True, 100250, 0xBEEF, 123456, 3, 60, "impact",
        300, 2, "motor", "fade-progressive", 6, 50, 50, 4200, 25, 158,
    )  # fmt: skip


def test_a_version_2_file_still_reads_with_the_new_fields_at_their_defaults(
    interpreter: str,
) -> None:
    script = f"""
h = rec.Header.unpack_from({GOLDEN_V2!r})
skipped, count, out = decode({GOLDEN_V2!r})
result = (h.version, h.size, h.rate_mhz, h.boot_id, h.start_up_ms, h.coach, h.repeat_s,
          h.programme, h.programme_session, h.impact_limit_mg, count, skipped)
"""
    assert run(interpreter, script) == (
        2, 44, 100250, 0xBEEF, 123456, "cues", 0, "off", 0, 0, 3, 0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("at", "value", "message"),
    [(42, 4, "unknown coach code 4"), (44, 3, "unknown beat_out code 3"),
     (45, 4, "unknown programme code 4")],
)  # fmt: skip
def test_a_version_3_header_with_an_unknown_code_is_refused(
    interpreter: str, at: int, value: int, message: str
) -> None:
    data = bytearray(GOLDEN)
    data[at] = value
    data[58:60] = binascii.crc_hqx(bytes(data[:58]), 0xFFFF).to_bytes(2, "big")
    script = f"""
try:
    rec.Header.unpack_from({bytes(data)!r})
    result = "accepted"
except ValueError as e:
    result = str(e)
"""
    assert run(interpreter, script) == message


def test_repeat_s_beyond_one_byte_round_trips(interpreter: str) -> None:
    script = """
buf = bytearray(rec.HEADER_BYTES)
h = header()
h.repeat_s = 600
h.pack_into(buf)
result = rec.Header.unpack_from(buf).repeat_s
"""
    assert run(interpreter, script) == 600


def test_a_version_1_file_still_reads(interpreter: str) -> None:
    script = f"""
h = rec.Header.unpack_from({GOLDEN_V1!r})
skipped, count, out = decode({GOLDEN_V1!r}[:h.size] + {GOLDEN[60:]!r})
result = (h.version, h.size, h.start_s(), h.rate_mhz, h.clock_set, h.boot_id, count)
"""
    assert run(interpreter, script) == (1, 34, 1_800_000_000, 100000, True, 0, 3)


def test_a_version_1_start_before_2024_reads_as_an_unset_clock(interpreter: str) -> None:
    # 2000-01-01 plus a few minutes: the ESP32 clock after a power-off, as v1 stored it
    data = bytearray(GOLDEN_V1)
    data[16:20] = (946684800 + 300).to_bytes(4, "big")
    data[32:34] = binascii.crc_hqx(bytes(data[:32]), 0xFFFF).to_bytes(2, "big")
    script = f"result = rec.Header.unpack_from({bytes(data)!r}).clock_set"
    assert run(interpreter, script) is False


def test_clock_unset_round_trips_in_the_flags_byte(interpreter: str) -> None:
    script = """
buf = bytearray(rec.HEADER_BYTES)
rec.Header(start_s=946684800, auto_target=True, clock_set=False).pack_into(buf)
h = rec.Header.unpack_from(buf)
result = (buf[29], h.clock_set, h.auto_target, h.rate_mhz)
"""
    assert run(interpreter, script) == (1, False, True, 100000)


def test_gap_round_trips_and_the_next_step_starts_a_block_at_its_true_time(
    interpreter: str,
) -> None:
    script = """
buf = bytearray(256)
enc = rec.SessionEncoder(buf)
enc.header(header())
enc.step(350, 1000, 170, 2)
enc.step(350, 1000, 170, 2)
enc.gap(800, 320, 32)
enc.step(350 + 320, 1000, 170, 2)
p = enc.seal()
skipped, count, out = decode(bytes(buf[:p]))
gap = [o for o in out if o[0] == rec.REC_GAP][0]
result = ([o[0] for o in out], [o[1] for o in out if o[0] == "step"],
          rec.unpack_gap(gap[1], 0), skipped, count)
"""
    assert run(interpreter, script) == (
        ["step", "step", rec_gap(), "step"],
        [350, 700, 1370],
        (800, 320, 32),
        0,
        3,
    )


def rec_gap() -> int:
    return 5  # REC_GAP, as records.py's docstring numbers it


def test_samples_ms_is_exact_and_stays_below_2_30(interpreter: str) -> None:
    cases = [
        (0, 100000),
        (1, 100000),
        (100, 104170),
        (12345, 99870),
        (400 * 86400 * 12, 400000),
        (1, 25000),
        (999999, 416000),
        (360000, 100250),
    ]
    script = f"result = [rec.samples_ms(n, r) for n, r in {cases!r}]"
    assert run(interpreter, script) == [n * 1_000_000 // r for n, r in cases]
    for n, r in cases:  # every intermediate, as the function computes them
        q = n // r
        a = (n - q * r) * 1000
        assert max(a, (a - a // r * r) * 1000, q * 1_000_000) < 2**30


def test_header_keeps_start_times_past_2_31(interpreter: str) -> None:
    script = """
buf = bytearray(rec.HEADER_BYTES)
rec.Header(start_s=4000000000).pack_into(buf)
h = rec.Header.unpack_from(buf)
result = (h.start_hi, h.start_lo, h.start_s())
"""
    assert run(interpreter, script) == (4_000_000_000 >> 16, 4_000_000_000 & 0xFFFF, 4_000_000_000)


def test_steps_round_trip_edge_values_with_clamping(interpreter: str) -> None:
    script = """
steps = [(0, 0, 0, 0), (1, 49, 1, 1), (8191, 50, 255, 2), (5, 16000, 300, 7),
         (7, 16049, -1, 4), (9, 25500, 170, 3), (11, 40000, 180, 2), (13, -300, 90, 0)]
skipped, count, out = decode(encode(steps))
result = [o[2:] for o in out]
"""
    assert run(interpreter, script) == [
        (0, 0, 0, 0), (1, 0, 1, 1), (8191, 100, 255, 2), (5, 16000, 255, 7),
        (7, 16000, 0, 4), (9, 25500, 170, 3), (11, 25500, 180, 2), (13, 0, 90, 0),
    ]  # fmt: skip


def test_long_gap_keeps_exact_step_times_in_a_new_block(interpreter: str) -> None:
    script = """
data = encode([(300, 1000, 170, 2), (8192, 1000, 0, 0), (600000, 1000, 0, 1), (350, 1000, 171, 2)])
skipped, count, out = decode(data)
result = (count, [o[1] for o in out])
"""
    assert run(interpreter, script) == (3, [300, 8492, 608492, 608842])


def test_a_block_holds_at_most_62_steps(interpreter: str) -> None:
    script = """
skipped, count, out = decode(encode([(350, 2000, 170, 2)] * 125))
result = (count, len(out), out[-1][1])
"""
    assert run(interpreter, script) == (3, 125, 125 * 350)


def test_summary_event_and_end_round_trip_edge_values(interpreter: str) -> None:
    script = """
buf = bytearray(128)
p = rec.pack_summary(buf, 0, 2**30 - 1, 0, 2**31, 70000, 65535)
p = rec.pack_event(buf, p, 0, rec.EV_TARGET, 255)
p = rec.pack_end(buf, p, 2**30 - 1, 2**30 - 1, rec.END_FULL)
got = []
r = reader.walk(buf, 0, p, lambda t, b, q, n: got.append(t))
result = (r.skipped_bytes, got, rec.unpack_summary(buf, 2), rec.unpack_event(buf, 22),
          rec.unpack_end(buf, 33))
"""
    assert run(interpreter, script) == (
        0,
        [2, 3, 4],
        (2**30 - 1, 0, 2**30 - 1, 65535, 65535),
        (0, 4, 255),
        (2**30 - 1, 2**30 - 1, 2),
    )


def _boundaries(data: bytes) -> list[int]:
    # Record ends found from the framing alone (type, length, payload, CRC).
    ends, pos = [60], 60
    while pos < len(data):
        pos += data[pos + 1] + 4
        ends.append(pos)
    return ends


def test_walk_of_a_cut_buffer_keeps_every_complete_record(interpreter: str) -> None:
    script = f"""
data = {GOLDEN!r}
result = []
for k in range(rec.HEADER_BYTES, len(data) + 1):
    r = reader.walk(data, rec.HEADER_BYTES, k)
    result.append((r.records, r.skipped_bytes))
"""
    ends = _boundaries(GOLDEN)
    expected = []
    for k in range(60, len(GOLDEN) + 1):
        complete = [e for e in ends if e <= k]
        expected.append((len(complete) - 1, k - complete[-1]))
    assert run(interpreter, script) == expected


def test_a_flipped_byte_costs_only_its_record(interpreter: str) -> None:
    script = f"""
data = {GOLDEN!r}
result = []
for i in range(rec.HEADER_BYTES, len(data)):
    bad = bytearray(data)
    bad[i] ^= 0x10
    kept = []
    reader.walk(bad, rec.HEADER_BYTES, -1, lambda t, b, p, n: kept.append(p - 2))
    result.append(kept)
"""
    ends = _boundaries(GOLDEN)
    expected = [[e for e in ends[:-1] if not e <= i < ends[ends.index(e) + 1]]
                for i in range(60, len(GOLDEN))]  # fmt: skip
    assert run(interpreter, script) == expected


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        ("data[0:4] = b'GIF8'", "not a footfall session"),
        ("data = data[:20]", "truncated header: 20 of 60 bytes"),
        ("data[4] = 9", "unsupported session format version 9"),
        ("data[20] ^= 1", "header CRC mismatch"),
    ],
)
def test_corrupt_header_is_rejected_with_a_reason(
    interpreter: str, corrupt: str, message: str
) -> None:
    script = f"""
data = bytearray({GOLDEN!r})
{corrupt}
try:
    rec.Header.unpack_from(data)
    result = "accepted"
except ValueError as e:
    result = str(e)
"""
    assert message in run(interpreter, script)


def test_full_buffer_refuses_records_but_keeps_room_for_end(interpreter: str) -> None:
    script = """
buf = bytearray(128)
enc = rec.SessionEncoder(buf)
enc.header(header())
n = 0
while enc.step(350, 2000, 170, 2):
    n += 1
refused = (enc.summary(1, 0, 0, 0), enc.event(1, rec.EV_PAUSE))
ended = enc.end(5000, rec.END_FULL)
result = (n, refused, ended, enc.pos <= len(buf),
          reader.walk(buf, rec.HEADER_BYTES, enc.pos).records)
"""
    n, refused, ended, fits, records = run(interpreter, script)
    assert (refused, ended, fits) == ((False, False), True, True)
    assert n == (128 - 13 - 60 - 4 - 4) // 4
    assert records == 2


@pytest.mark.e2e
def test_per_step_encoder_allocates_nothing_under_heap_lock() -> None:
    assert run_mpy_file(MPY_SCRIPTS / "records_heap_lock.py").stdout.split() == [
        b"10000",
        b"10000",
    ]


def test_realistic_run_costs_at_most_6_bytes_per_step(interpreter: str) -> None:
    # 10,000 steps at 160-180 spm with varying impact, a summary every 60 s and a cue
    # every ~2 minutes, flushed the way the store does (block buffer of 4096 bytes).
    script = """
buf = bytearray(4096)
enc = rec.SessionEncoder(buf)
enc.header(header())
written = [0]

def flush():
    written[0] += enc.seal()
    enc.clear()

t = 0
last_summary = 0
seed = 12345
for i in range(10000):
    seed = (seed * 1103515245 + 12345) & 0x3FFFFFFF
    spm = 160 + (i // 500) % 21
    interval = 60000 // spm + (seed >> 8) % 15 - 7
    peak = 1800 + (seed >> 12) % 2500
    t += interval
    if not enc.step(interval, peak, spm, 2):
        flush()
        enc.step(interval, peak, spm, 2)
    if i % 340 == 170 and not enc.event(t, rec.EV_CUE, spm):
        flush()
        enc.event(t, rec.EV_CUE, spm)
    if t - last_summary >= 60000:
        last_summary = t
        if not enc.summary(t, t, i // 340, 0):
            flush()
            enc.summary(t, t, i // 340, 0)
        flush()
enc.end(t, rec.END_STOPPED)
flush()
result = (written[0], enc.steps)
"""
    total, steps = run(interpreter, script)
    assert steps == 10000
    print(f"{total} bytes for {steps} steps: {total / steps:.2f} bytes/step")
    assert total / steps <= 6
