"""Exports: FIT (strides/min at the boundary), CSV with unit-named columns, Parquet dataset."""

import csv
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest
from footfall import export_csv, export_fit, export_parquet
from footfall.analysis import summarise
from garmin_fit_sdk import Decoder, Stream

from tests.host.run_sessions import DAY_S, MONDAY_S, run

ODD_AND_EVEN = [171, 172, 165, 180, 179] * 40


def decode_fit(data: bytes) -> dict:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def fit_of(cadence: list[int], peak_mg: int | list[int] = 2000) -> dict:
    data = run(cadence, peak_mg=peak_mg)
    return decode_fit(export_fit.encode(data, summarise(data)))


def test_fit_file_passes_the_sdk_integrity_check() -> None:
    data = run(ODD_AND_EVEN)
    assert Decoder(Stream.from_byte_array(bytearray(export_fit.encode(data, summarise(data))))
                   ).check_integrity()  # fmt: skip


def test_fit_record_cadence_is_steps_per_min_halved_with_the_fraction_kept() -> None:
    data = run(ODD_AND_EVEN)
    records = decode_fit(export_fit.encode(data, summarise(data)))["record_mesgs"]
    seconds, spm, _ = export_fit.per_second(data)
    strides = [r["cadence"] + r["fractional_cadence"] for r in records]
    assert len(records) == len(seconds) and strides == (spm / 2).tolist()
    assert {r["fractional_cadence"] for r in records} == {0.0, 0.5}


def test_fit_session_avg_running_cadence_is_half_the_mean_steps_per_min() -> None:
    session = fit_of([170] * 300 + [180] * 300)["session_mesgs"][0]
    mean_spm = summarise(run([170] * 300 + [180] * 300)).cadence_mean_spm
    got = session["avg_running_cadence"] + session["avg_fractional_cadence"]
    assert session["sport"] == "running" and got == pytest.approx(mean_spm / 2, abs=1 / 128)


def test_fit_peak_impact_is_a_developer_field_in_mg() -> None:
    messages = fit_of([180] * 200, peak_mg=[2300] * 199 + [4100])
    (desc,) = messages["field_description_mesgs"]
    peaks = [r["developer_fields"][desc["field_definition_number"]]
             for r in messages["record_mesgs"]]  # fmt: skip
    assert desc["field_name"] == "peak_impact_mg" and max(peaks) == 4100 and min(peaks) == 2300


def test_strides_are_computed_only_from_steps() -> None:
    whole, frac = export_fit.strides_per_min(np.array([171, 170]))
    assert whole.tolist() == [85, 85] and frac.tolist() == [0.5, 0.0]


def test_csv_has_unit_named_columns_and_one_row_per_step(tmp_path: Path) -> None:
    data = run([170] * 10, peak_mg=2300, cues=(4,))
    path, rows = export_csv.write([data], tmp_path / "s.csv")
    table = list(csv.DictReader(path.open()))
    assert rows == 10 == len(table)
    assert {"t_ms", "interval_ms", "cadence_spm", "peak_impact_g", "target_spm"} <= set(table[0])
    assert table[4]["cue"] == "1" and table[0]["peak_impact_g"] == "2.3"
    assert table[0]["cadence_spm"] == "170" and table[0]["activity"] == "running"


def test_parquet_is_partitioned_by_device_and_date(tmp_path: Path) -> None:
    first, second = run([170] * 10), run([172] * 20, start_s=MONDAY_S + DAY_S)
    export_parquet.write([first, second], tmp_path / "pq")
    dates = sorted(p.name for p in (tmp_path / "pq" / f"device={first.device}").iterdir())
    assert dates == ["date=2027-01-11", "date=2027-01-12"]
    table = ds.dataset(tmp_path / "pq", partitioning="hive").to_table()
    assert table.num_rows == 30 and sorted(set(table["cadence_spm"].to_pylist())) == [170, 172]
    assert set(table["device"].to_pylist()) == {first.device}


def test_parquet_export_again_does_not_duplicate_steps(tmp_path: Path) -> None:
    export_parquet.write([run([170] * 10)], tmp_path / "pq")
    export_parquet.write([run([170] * 10)], tmp_path / "pq")
    assert ds.dataset(tmp_path / "pq", partitioning="hive").count_rows() == 10
