"""Every truncation and every single-bit flip of a real session file keeps all its intact
records: in the reader (the host's Session over footfall_core.reader), in the board's
repair (footfall_fw's store under CPython) and in the store's import.

The file is a run on the virtual board (tests/data/README.md, virtual_board_run.ffs). The
fast suite samples flips and cuts with hypothesis; the exhaustive sweeps are marked e2e and
print the figures docs/store-and-sync.md quotes.
"""

from __future__ import annotations

import binascii
import tempfile
from pathlib import Path

import pytest
from footfall.errors import RecordError, StoreError
from footfall.records import Header, Session
from footfall.store import Store
from footfall_core import reader
from footfall_core import records as core
from hypothesis import given, settings
from hypothesis import strategies as st

import tests.firmware.fwpath  # noqa: F401 - firmware/ on the path, for footfall_fw

_FILE = (Path(__file__).resolve().parents[1] / "data" / "virtual_board_run.ffs").read_bytes()
# The recorded session's records under today's header (the file has a version 2 header), so
# that a session written back (bytes(Session)) is the same file.
REAL = bytes(Header.from_bytes(_FILE)) + _FILE[core.Header.unpack_from(_FILE).size :]
HEADER = core.HEADER_BYTES


def spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each record, from the framing alone."""
    out, pos = [], HEADER
    while pos < len(data):
        out.append((pos, pos + data[pos + 1] + core.FRAMING_BYTES))
        pos = out[-1][1]
    return out


SPANS = spans(REAL)


def intact(hit: set[int]) -> list[tuple[int, int]]:
    """The records none of whose bytes are in hit."""
    return [(a, b) for a, b in SPANS if not any(a <= i < b for i in hit)]


def whole(records: list[tuple[int, int]]) -> bytes:
    return REAL[:HEADER] + b"".join(REAL[a:b] for a, b in records)


def flip(data: bytes, *bits: int) -> bytes:
    out = bytearray(data)
    for bit in bits:
        out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def steps_in(records: list[tuple[int, int]]) -> int:
    return sum((b - a - 8) // 4 for a, b in records if REAL[a] == core.REC_STEPS)


def test_the_file_is_a_real_multi_record_session() -> None:
    s = Session.from_bytes(REAL)
    assert len(SPANS) >= 29 and s.skips == () and s.end is not None and s.steps > 1000


# -- the reader ------------------------------------------------------------------------


@pytest.mark.e2e
@settings(max_examples=200, deadline=None)
@given(st.integers(HEADER * 8, len(REAL) * 8 - 1))
def test_a_flipped_bit_costs_only_the_record_it_hits(bit: int) -> None:
    s = Session.from_bytes(flip(REAL, bit))
    assert bytes(s) == whole(intact({bit // 8}))
    assert len(s.skips) == 1 and s.skips[0].damaged


@pytest.mark.e2e
@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(HEADER * 8, len(REAL) * 8 - 1), min_size=2, max_size=3, unique=True))
def test_a_few_flipped_bits_cost_only_the_records_they_hit(bits: list[int]) -> None:
    s = Session.from_bytes(flip(REAL, *bits))
    assert bytes(s) == whole(intact({b // 8 for b in bits}))
    assert s.broken == []


@pytest.mark.e2e
@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(REAL)))
def test_a_cut_anywhere_keeps_every_complete_record(k: int) -> None:
    if k < HEADER:
        with pytest.raises(RecordError):
            Session.from_bytes(REAL[:k])
        return
    s = Session.from_bytes(REAL[:k])
    assert bytes(s) == whole([(a, b) for a, b in SPANS if b <= k])


# -- the board's repair ----------------------------------------------------------------


def board_repair(data: bytes) -> tuple[bytes | None, list]:
    """Leave data as session 1 on a board with no index (a power cut while it was open, a
    lost index), boot the store, run its repair: (the file after, what repair reported)."""
    from footfall_fw.store import Store as BoardStore

    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "00001.ffs").write_bytes(data)
        store = BoardStore(root, free_bytes_fn=lambda: 10**9)
        report = store.repair()
        path = Path(root) / "00001.ffs"
        return (path.read_bytes() if path.exists() else None), report


@pytest.mark.e2e
@settings(max_examples=30, deadline=None)
@given(st.integers(HEADER * 8, len(REAL) * 8 - 1))
def test_the_boards_repair_drops_only_the_record_a_flipped_bit_hits(bit: int) -> None:
    after, report = board_repair(flip(REAL, bit))
    hit = [(a, b) for a, b in SPANS if a <= bit // 8 < b]
    assert after == whole(intact({bit // 8}))
    action = "truncated" if hit[0][1] == len(REAL) else "dropped"
    assert report == [("00001.ffs", action, hit[0][1] - hit[0][0], hit[0][0], 1)]


@pytest.mark.e2e
@settings(max_examples=30, deadline=None)
@given(st.integers(HEADER, len(REAL)))
def test_the_boards_repair_of_a_cut_keeps_every_complete_record(k: int) -> None:
    after, _report = board_repair(REAL[:k])
    assert after == whole([(a, b) for a, b in SPANS if b <= k])


def test_the_boards_repair_of_the_issues_case_keeps_the_unsynced_session() -> None:
    # A bit flipped in the third record of an unsynced session: repair cut it to its
    # header ("4600 bytes dropped", every step gone); now it drops that record alone.
    a, b = SPANS[2]
    after, report = board_repair(flip(REAL, a * 8 + 8 * 9))
    assert report == [("00001.ffs", "dropped", b - a, a, 1)]
    assert Session.from_bytes(after).steps == steps_in(SPANS) - steps_in([(a, b)])


# -- the store's import ----------------------------------------------------------------


@pytest.mark.e2e
@settings(max_examples=40, deadline=None)
@given(st.integers(0, len(REAL) * 8 - 1))
def test_the_store_imports_every_intact_record_of_a_damaged_file(bit: int) -> None:
    bad = flip(REAL, bit)
    with tempfile.TemporaryDirectory() as root, Store(Path(root) / "s.db") as store:
        if bit < HEADER * 8:
            with pytest.raises(StoreError, match="not a valid session file"):
                store.import_session(bad)
            assert store.sessions() == []
            return
        result = store.import_session(bad)
        kept = intact({bit // 8})
        assert store.session(result.id).steps == steps_in(kept)
        assert f"kept {len(kept)} records, {steps_in(kept)} steps" in result.note
        assert store.raw(result.id) == bad  # the exact file, as the device listed it


# -- exhaustive sweeps (e2e) -----------------------------------------------------------


def sweep_flips(data: bytes) -> tuple[int, float, int, int]:
    """Every single-bit flip after the header through footfall_core.reader: (flips, mean
    and most intact records lost, records kept that are not records: false resyncs)."""
    layout = spans(data)
    starts = {a for a, _ in layout}
    lost_total = lost_most = false = 0
    flips = 0
    kept: list[int] = []
    for bit in range(HEADER * 8, len(data) * 8):
        kept.clear()
        reader.walk(flip(data, bit), HEADER, -1, lambda t, b, p, n: kept.append(p - 2))
        byte = bit // 8
        want = {a for a, b in layout if not a <= byte < b}
        lost = len(want - set(kept))
        false += len(set(kept) - starts)
        lost_total += lost
        lost_most = max(lost_most, lost)
        flips += 1
    return flips, lost_total / flips, lost_most, false


@pytest.mark.e2e
def test_every_flipped_bit_of_a_real_session_costs_only_the_record_it_hits() -> None:
    flips, lost_mean, lost_most, false = sweep_flips(REAL)
    print(
        f"{len(SPANS)} records, {flips} flips: {lost_mean:.3f} intact records lost on "
        f"average, {lost_most} at most, {false} false resyncs"
    )
    assert (lost_mean, lost_most, false) == (0, 0, 0)


@pytest.mark.e2e
def test_every_cut_of_a_real_session_keeps_every_complete_record() -> None:
    for k in range(HEADER, len(REAL) + 1):
        r = reader.walk(REAL, HEADER, k)
        assert r.records == sum(1 for _, b in SPANS if b <= k), k


@pytest.mark.e2e
def test_the_boards_repair_of_every_flipped_bit_drops_only_that_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from footfall_fw import session_writer, store_index, store_repair

    # C speed for the sweep: binascii.crc_hqx is the same CRC as the plain loop
    # (tests/core/test_crc_twins.py); the file's session CRC plays no part in a repair.
    monkeypatch.setattr(core, "crc16", lambda buf, s, e: binascii.crc_hqx(bytes(buf[s:e]), 0xFFFF))
    monkeypatch.setattr(store_index, "session_crc", lambda buf, s, e, c: 0)
    for module in (session_writer, store_index, store_repair):
        monkeypatch.setattr(module, "sync_fs", lambda: None)
    for bit in range(HEADER * 8, len(REAL) * 8):
        after, _report = board_repair(flip(REAL, bit))
        assert after == whole(intact({bit // 8})), bit
    for k in range(len(REAL) + 1):
        after, _report = board_repair(REAL[:k])
        assert after == (whole([(a, b) for a, b in SPANS if b <= k]) if k >= HEADER else None)


@pytest.mark.e2e
def test_a_file_of_12_million_steps_is_refused() -> None:
    # Blocks of 62 steps 1 ms apart, CRCs by binascii: 49 MB. The reader keeps MAX_STEPS
    # (400 a minute for 2**30 ms) and drops every block after, each for that rule, which
    # the store refuses (test_store.py checks the refusal at a size a test writes fast).
    block = bytearray(core.FRAMING_BYTES + core.T0_BYTES + 62 * core.STEP_BYTES)
    block[0], block[1] = core.REC_STEPS, len(block) - 4
    for i in range(62):
        core.pack_step(block, 6 + 4 * i, 1, 1500, 200, 2)  # 1 ms apart: time stays short
    out = bytearray(REAL[:HEADER])
    for k in range(12_000_000 // 62 + 1):
        core.put_u30_be(block, 2, 1 + k * 62)
        block[-2:] = binascii.crc_hqx(bytes(block[:-2]), 0xFFFF).to_bytes(2, "big")
        out += block
    whys: set[int] = set()
    r = reader.walk(out, HEADER, -1, None, lambda at, n, why: whys.add(why))
    assert reader.MAX_STEPS - 62 < r.steps <= reader.MAX_STEPS < 12_000_000
    assert r.broken > 0 and whys == {reader.TOO_MANY_STEPS}
