"""`footfall eval DIR`: groups, per-recording scores, tables written as CSV and JSON."""

import csv
import json

import numpy as np
import pytest
from footfall.cli import main
from footfall.evaluate import TruthRow, detector_placement, group_of

from tests.host.signals import running_waist, write_csv

HEADER = "recording,placement,activity,rate_hz,true_steps,source\n"


@pytest.mark.parametrize(
    "placement, activity, true_steps, group",
    [
        ("left_hip_waistband", "run_outdoor", 500, "running_waist"),
        ("lower_back_L5", "walk_10m_uturn_10m", 30, "walking_waist"),
        ("front_trouser_pocket", "walk_hard_floor", 200, "walking_waist"),
        ("left_hip_waistband", "walk", 200, "walking_waist"),
        ("left_foot_dorsum", "walk_10m_uturn_10m", 15, "shoe_foot"),
        ("left_shoe_below_ankle", "run_outdoor", 500, "shoe_foot"),
        ("hand", "walk_hard_floor", 300, "other_placements"),
        ("wrist", "housework", 958, "other_placements"),
        ("wrist", "driving", 0, "non_walking"),
    ],
)
def test_recordings_fall_into_their_group(placement, activity, true_steps, group):
    assert group_of(TruthRow("r", placement, activity, true_steps)) == group


@pytest.mark.parametrize(
    "placement, expected",
    [("left_foot_dorsum", "shoe"), ("left_shoe_below_ankle", "shoe"), ("lower_back", "waist")],
)
def test_foot_shoe_and_ankle_run_the_shoe_detector(placement, expected):
    assert detector_placement(placement) == expected


@pytest.fixture()
def dataset(tmp_path):
    """run (waist, step times), pocket (count only), idle (labelled 0 steps, but it runs)."""
    t_ms, acc, steps = running_waist(seconds=70, cadence_spm=170)
    write_csv(tmp_path / "run.csv", t_ms, acc)
    np.savetxt(tmp_path / "run.steps.csv", steps, fmt="%d", header="t_ms", comments="")
    write_csv(tmp_path / "pocket.csv", *running_waist(seconds=20, cadence_spm=120, seed=2)[:2])
    write_csv(tmp_path / "idle.csv", *running_waist(seconds=30, seed=3)[:2])
    (tmp_path / "truth.csv").write_text(
        HEADER
        + f"run,left_hip_waistband,run_outdoor,100,{len(steps)},synthetic\n"
        + "pocket,front_trouser_pocket,walk,100,40,synthetic\n"
        + "idle,wrist,static,100,0,synthetic\n"
    )
    return tmp_path


def eval_json(dataset, *args: str) -> dict:
    out = dataset / "out.json"
    assert main(["eval", str(dataset), "--jobs", "1", "--json", str(out), *args]) == 0
    return json.loads(out.read_text())


def detect_steps(capsys, path) -> dict:
    capsys.readouterr()
    main(["detect", "--json", str(path)])
    return json.loads(capsys.readouterr().out)


def test_each_recording_is_scored_in_its_group(dataset):
    result = eval_json(dataset)
    by_name = {r["recording"]: r for r in result["recordings"]}
    assert {n: r["group"] for n, r in by_name.items()} == {
        "run": "running_waist",
        "pocket": "walking_waist",
        "idle": "non_walking",
    }
    assert [g["group"] for g in result["groups"]] == [
        "running_waist",
        "walking_waist",
        "non_walking",
    ]


def test_detected_steps_are_those_of_footfall_detect(dataset, capsys):
    result = eval_json(dataset)
    run = next(r for r in result["recordings"] if r["recording"] == "run")
    assert run["detected_steps"] == detect_steps(capsys, dataset / "run.csv")["steps"]


def test_a_well_detected_run_scores_f1_one_and_small_errors(dataset):
    (run,) = [r for r in eval_json(dataset)["recordings"] if r["recording"] == "run"]
    assert run["f1"] == 1.0
    assert run["count_error_pct"] == 0.0
    assert run["cadence_windows"] == 2
    assert run["cadence_abs_error_sum_spm"] / 2 < 1.0


def test_count_only_recordings_have_no_f1(dataset):
    (pocket,) = [r for r in eval_json(dataset)["recordings"] if r["recording"] == "pocket"]
    assert pocket["f1"] is None and pocket["cadence_windows"] == 0
    true, det = 40, pocket["detected_steps"]
    assert pocket["count_error_pct"] == pytest.approx(100 * (det - true) / true)


def test_false_steps_per_hour_on_non_walking_logs(dataset, capsys):
    detected = detect_steps(capsys, dataset / "idle.csv")
    (group,) = [g for g in eval_json(dataset)["groups"] if g["group"] == "non_walking"]
    hours = detected["duration_s"] / 3600
    assert detected["steps"] > 0
    assert group["false_steps_per_h"] == pytest.approx(detected["steps"] / hours)
    assert group["total_count_error_pct"] is None


def test_group_filter_limits_the_recordings(dataset):
    result = eval_json(dataset, "--group", "non_walking")
    assert [r["recording"] for r in result["recordings"]] == ["idle"]


def test_table_is_printed_and_written_as_csv(dataset, capsys):
    out = dataset / "out.csv"
    assert main(["eval", str(dataset), "--jobs", "1", "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "running_waist" in printed and "false/h" in printed
    rows = list(csv.DictReader(out.open()))
    assert [(r["kind"], r["name"]) for r in rows][:3] == [
        ("group", "running_waist"),
        ("group", "walking_waist"),
        ("group", "non_walking"),
    ]
    assert {r["name"] for r in rows if r["kind"] == "recording"} == {"run", "pocket", "idle"}


@pytest.mark.e2e
def test_a_process_pool_gives_the_same_scores(dataset):
    one = eval_json(dataset)
    out = dataset / "pool.json"
    assert main(["eval", str(dataset), "--jobs", "2", "--json", str(out)]) == 0
    assert json.loads(out.read_text()) == one


def test_a_bad_recording_is_reported_and_the_rest_scored(dataset, capsys):
    (dataset / "pocket.csv").write_text("t_ms,ax,ay,az\n0,1,2,3\n5,1,?,3\n")
    out = dataset / "out.json"
    assert main(["eval", str(dataset), "--jobs", "1", "--json", str(out)]) == 2
    assert (
        capsys.readouterr().err
        == f"footfall: {dataset / 'pocket.csv'}:3: non-numeric value '?' in column ay\n"
    )
    assert [r["recording"] for r in json.loads(out.read_text())["recordings"]] == ["run", "idle"]


def test_bad_truth_row_names_its_line(dataset, capsys):
    (dataset / "truth.csv").write_text(
        HEADER + "run,hip,run,100,12,x\nidle,wrist,static,100,many,x\n"
    )
    assert main(["eval", str(dataset)]) == 2
    assert capsys.readouterr().err.startswith(f"footfall: {dataset / 'truth.csv'}:3: ")


def test_errors_lists_each_disagreement_and_prints_where_they_lie(dataset, capsys):
    steps = np.loadtxt(dataset / "run.steps.csv", skiprows=1, dtype=np.int64)
    # the truth claims two steps the run never took, in a pause after it
    extra_truth = [steps[-1] + 5000, steps[-1] + 9000]
    np.savetxt(
        dataset / "run.steps.csv", np.r_[steps, extra_truth], fmt="%d", header="t_ms", comments=""
    )
    out = dataset / "errors.csv"
    assert main(["eval", str(dataset), "--jobs", "1", "--errors", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "where the detector and the truth disagree" in printed
    rows = list(csv.DictReader(out.open()))
    assert [(r["recording"], r["kind"], int(r["t_ms"]), r["where"]) for r in rows] == [
        ("run", "missed", t, "edge") for t in extra_truth
    ]
    table = printed.split("where the detector and the truth disagree")[1]
    (line,) = [ln for ln in table.splitlines() if ln.startswith("running_waist")]
    assert line.split()[1:] == ["0", "2", "0", "0", "0", "0", "0"]


def test_an_unwritable_output_is_one_line_and_the_others_are_written(dataset, capsys):
    out = dataset / "out.json"
    missing = dataset / "no-such-dir" / "errors.csv"
    argv = ["eval", str(dataset), "--jobs", "1", "--errors", str(missing), "--json", str(out)]
    assert main(argv) == 2
    assert (
        capsys.readouterr().err
        == f"footfall: {missing}: cannot write: No such file or directory\n"
    )
    assert json.loads(out.read_text())["groups"]
