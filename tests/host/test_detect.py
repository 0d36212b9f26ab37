"""`footfall detect`: the JSON contract, the file's own time base, options and the summary."""

import json

import numpy as np
import pytest
from footfall.cli import main

from tests.host.signals import running_waist, write_csv


@pytest.fixture(scope="module")
def run_csv(tmp_path_factory):
    t_ms, acc, _ = running_waist(seconds=30)
    return write_csv(tmp_path_factory.mktemp("detect") / "run.csv", t_ms, acc)


def detect_json(capsys, *args: str) -> list[dict]:
    assert main(["detect", "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_json_has_every_contract_field_with_its_type(run_csv, capsys):
    (obj,) = detect_json(capsys, str(run_csv))
    assert obj["file"] == str(run_csv)
    assert type(obj["steps"]) is int and obj["steps"] == len(obj["step_times_ms"])
    assert all(type(t) is int for t in obj["step_times_ms"])
    assert len(obj["peak_impact_mg"]) == obj["steps"]
    assert all(type(p) is int for p in obj["peak_impact_mg"])
    assert all(len(pair) == 2 and all(type(v) is int for v in pair) for pair in obj["cadence_spm"])
    assert (obj["engine"], obj["rate_hz"], obj["placement"]) == ("cpython", 100, "waist")
    assert obj["duration_s"] == pytest.approx(29.99, abs=0.011)


def test_one_json_line_per_file_in_argument_order(run_csv, capsys):
    objs = detect_json(capsys, str(run_csv), str(run_csv))
    assert [o["file"] for o in objs] == [str(run_csv)] * 2


def test_cadence_is_reported_once_per_second(run_csv, capsys):
    (obj,) = detect_json(capsys, str(run_csv))
    times = [t for t, _ in obj["cadence_spm"]]
    assert times == list(range(1000, 30_000, 1000))


def test_step_times_are_in_the_files_own_time_base(tmp_path, capsys):
    t_ms, acc, _ = running_waist(seconds=20)
    zero = write_csv(tmp_path / "zero.csv", t_ms, acc)
    later = write_csv(tmp_path / "later.csv", t_ms + 1_234_567, acc)
    a, b = detect_json(capsys, str(zero), str(later))
    assert a["steps"] > 0
    assert [t + 1_234_567 for t in a["step_times_ms"]] == b["step_times_ms"]
    assert [[t + 1_234_567, s] for t, s in a["cadence_spm"]] == b["cadence_spm"]


def test_steps_land_on_the_true_contacts(tmp_path, capsys):
    t_ms, acc, truth = running_waist(seconds=30, cadence_spm=170)
    (obj,) = detect_json(capsys, str(write_csv(tmp_path / "r.csv", t_ms, acc)))
    detected = np.array(obj["step_times_ms"])
    assert len(detected) == len(truth)
    # well inside half a step interval (353 ms): each step maps to its own contact
    assert np.abs(detected - truth).max() <= 120


@pytest.mark.parametrize("rate", ["25", "400"])
def test_rate_limits_are_accepted(run_csv, capsys, rate):
    (obj,) = detect_json(capsys, "--rate", rate, str(run_csv))
    assert obj["rate_hz"] == int(rate)


@pytest.mark.parametrize("rate", ["24", "401", "fast"])
def test_rate_outside_25_to_400_is_a_usage_error(run_csv, capsys, rate):
    with pytest.raises(SystemExit) as info:
        main(["detect", "--rate", rate, str(run_csv)])
    assert info.value.code == 2
    assert "--rate" in capsys.readouterr().err


def test_placement_is_passed_through(run_csv, capsys):
    (obj,) = detect_json(capsys, "--placement", "shoe", str(run_csv))
    assert obj["placement"] == "shoe"


def test_human_summary_names_file_and_step_count(run_csv, capsys):
    assert main(["detect", str(run_csv)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{run_csv}: ") and " steps in 30.0 s " in first
