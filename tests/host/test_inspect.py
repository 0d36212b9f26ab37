"""Host views of session files (footfall.records) and `footfall inspect`."""

import json
from binascii import crc_hqx
from pathlib import Path

import numpy as np
import pytest
from footfall.cli import main
from footfall.errors import FootfallError, RecordError
from footfall.records import End, Event, Header, Record, Session, Step, StepBlock, Summary, Unknown
from footfall_core import records as core
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.test_records import GOLDEN

HEADER = Header(
    device_id=bytes.fromhex("102030405060"), fw=(0, 1, 0), start_s=1_800_000_000, rate_hz=100,
    placement="waist", session_id=3, target_spm=170, tolerance_spm=3, below_s=10, min_gap_s=10,
    rearm_s=5, auto_target=False, baseline_s=120,
)  # fmt: skip


def session_bytes(steps: int = 200) -> bytes:
    """A session as the device writes it: header, steps, a cue, a summary, the end."""
    buf = bytearray(8192)
    enc = core.SessionEncoder(buf)
    buf[: core.HEADER_BYTES] = bytes(HEADER)
    enc.pos = core.HEADER_BYTES
    t = 0
    for i in range(steps):
        t += 350
        assert enc.step(350, 2000 + i, 171, 2)
        if i == steps // 2:
            assert enc.event(t, core.EV_CUE, 160)
    assert enc.summary(t, t, 1, 0)
    assert enc.end(t, core.END_STOPPED)
    return bytes(buf[: enc.pos])


def inspect_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["inspect", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_header_round_trips_through_bytes() -> None:
    assert Header.from_bytes(bytes(HEADER)) == HEADER


@pytest.mark.parametrize(
    "record",
    [
        StepBlock(0, (Step(0, 0, 0, 0),)),
        StepBlock(2**30 - 1, tuple(Step(8191, 25500, 255, 7) for _ in range(62))),
        Summary(2**30 - 1, 123, 456, 65535, 0),
        Event(760, core.EV_CUE, 171),
        End(800, 2, core.END_FULL),
        Unknown(bytes([9, 1, 42]) + crc_hqx(bytes([9, 1, 42]), 0xFFFF).to_bytes(2, "big")),
    ],
)
def test_records_round_trip_through_bytes(record: Record) -> None:
    assert type(record).from_bytes(bytes(record)) == record


def test_a_step_block_refuses_more_than_62_steps() -> None:
    with pytest.raises(RecordError):
        bytes(StepBlock(0, tuple(Step(350, 2000, 170, 2) for _ in range(63))))


def test_golden_session_decodes_to_its_steps_and_events() -> None:
    s = Session.from_bytes(GOLDEN)
    assert (s.header.start_s, s.header.placement, s.header.device_id.hex()) == (
        1_800_000_000, "shoe", "a0b1c2d3e4f5",
    )  # fmt: skip
    assert s.t_ms.tolist() == [400, 750]
    assert s.interval_ms.tolist() == [400, 350]
    assert s.peak_mg.tolist() == [2600, 16000]
    assert s.cadence_spm.tolist() == [150, 171]
    assert s.flags.tolist() == [2, 6]
    assert s.of_type(Event) == [Event(760, core.EV_CUE, 171)]
    assert s.end == End(800, 2, core.END_STOPPED)


def test_session_bytes_are_the_file_up_to_its_last_valid_record() -> None:
    data = session_bytes()
    assert bytes(Session.from_bytes(data)) == data
    assert bytes(Session.from_bytes(data + b"\x01\x40torn")) == data


def test_intervals_are_exact_across_a_gap_longer_than_the_field() -> None:
    buf = bytearray(256)
    enc = core.SessionEncoder(buf)
    enc.header(core.Header())
    for interval_ms in (300, 600_000, 350):
        enc.step(interval_ms, 2000, 170, 2)
    s = Session.from_bytes(bytes(buf[: enc.seal()]))
    np.testing.assert_array_equal(s.interval_ms, [300, 600_000, 350])


def test_corrupt_header_is_a_record_error_and_a_value_error() -> None:
    bad = bytearray(GOLDEN)
    bad[10] ^= 1
    with pytest.raises(RecordError, match="header CRC mismatch") as info:
        Session.from_bytes(bytes(bad))
    assert isinstance(info.value, FootfallError) and isinstance(info.value, ValueError)


def test_inspect_json_reports_steps_records_and_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "00003.ffs"
    path.write_bytes(session_bytes(200))
    out = inspect_json(path, capsys)
    assert (out["steps"], out["discarded_bytes"], out["cues"], out["end"]) == (
        200, 0, 1, "stopped",
    )  # fmt: skip
    assert out["valid_records"] == 4 + 1 + 1 + 1  # 200 steps = 4 blocks, cue, summary, end
    assert out["header"]["start_s"] == 1_800_000_000
    assert out["header"]["device_id"] == "102030405060"
    assert out["events"] == [[101 * 350, "cue", 160]]


def test_inspect_reports_the_bytes_a_repair_discards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = session_bytes(200)
    path = tmp_path / "cut.ffs"
    path.write_bytes(data[:-5])  # power cut inside the END record
    out = inspect_json(path, capsys)
    assert (out["discarded_bytes"], out["valid_bytes"]) == (13 - 5, len(data) - 13)
    assert (out["steps"], out["end"]) == (200, None)


def test_inspect_text_names_the_repair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cut.ffs"
    path.write_bytes(session_bytes(10)[:-5])
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "repair: 8 bytes dropped in 1 place(s), every other record kept:" in out
    assert f"8 damaged bytes at byte {len(session_bytes(10)) - 13}" in out


def test_inspect_rejects_a_corrupt_header_in_one_line_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(session_bytes(10))
    data[20] ^= 0xFF
    path = tmp_path / "bad.ffs"
    path.write_bytes(bytes(data))
    assert main(["inspect", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err == f"footfall: {path}: corrupt header: header CRC mismatch (corrupt header)\n"
    )


def test_inspect_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path / "nope.ffs")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.e2e
@given(st.binary(max_size=600), st.integers(0, 400))
@settings(max_examples=300, deadline=None)
def test_any_bytes_decode_or_raise_record_error_only(noise: bytes, keep: int) -> None:
    data = session_bytes(20)[:keep] + noise
    try:
        s = Session.from_bytes(data)
    except RecordError:
        return
    assert core.HEADER_BYTES <= s.valid_bytes <= len(data)
    assert len(bytes(s)) == s.valid_bytes  # the header and the records kept, re-encoded
    assert s.discarded_bytes == sum(k.nbytes for k in s.skips)
