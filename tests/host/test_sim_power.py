"""Power on the virtual board: the energy object, idle hours, standby and the power button.

The runner's results must not change with power management: the bundled run is held to
tests/data/golden_synthetic_run.json, made by the firmware before it, within what already
varies between two runs of one firmware (tests/data/README.md).
"""

import json
from pathlib import Path

import pytest
from footfall.cli.sim import simulate
from footfall.records import Session

from tests.host.test_sim import SYNTHETIC_RUN, sim_args

pytestmark = pytest.mark.e2e

GOLDEN = json.loads((SYNTHETIC_RUN.parent / "golden_synthetic_run.json").read_text())
COACH_TICK_MS = 1000
START_JITTER_STEPS = 2  # an auto-started session's first logged step (docs/virtual-board.md)
STEPS_PER_TICK = 4  # steps in one coach tick at up to 240 spm


def step_records(out: dict) -> list[list[int]]:
    s = Session.from_file(out["session_files"][0])
    rows = zip(s.t_ms, s.peak_mg, s.cadence_spm, s.flags, strict=True)
    return [[int(t), int(p), int(c), int(f)] for t, p, c, f in rows]


def assert_as_golden(out: dict) -> None:
    assert out["steps"] == GOLDEN["steps"]
    assert out["sessions"] == 1
    assert len(out["cues_ms"]) == len(GOLDEN["cues_ms"])
    for got, want in zip(out["cues_ms"], GOLDEN["cues_ms"], strict=True):
        assert abs(got - want) <= COACH_TICK_MS
    got, want = step_records(out), GOLDEN["step_records"]
    assert abs(len(got) - len(want)) <= START_JITTER_STEPS
    n = min(len(got), len(want))
    got, want = got[len(got) - n :], want[len(want) - n :]  # aligned at the run's end
    assert [r[1] for r in got] == [r[1] for r in want]  # peaks, step for step
    assert all(abs(a[2] - b[2]) <= 1 for a, b in zip(got, want, strict=True))  # cadence
    assert all(a[3] & 3 == b[3] & 3 for a, b in zip(got, want, strict=True))  # activity state
    # the cue flag (bit 2) marks the step at a cue: within one coach tick of the golden's
    cued = [i for i, r in enumerate(got) if r[3] & 4]
    golden_cued = [i for i, r in enumerate(want) if r[3] & 4]
    assert len(cued) == len(golden_cued)
    assert all(abs(a - b) <= STEPS_PER_TICK for a, b in zip(cued, golden_cued, strict=True))
    shift = [(a[0] - got[0][0]) - (b[0] - want[0][0]) for a, b in zip(got, want, strict=True)]
    assert max(map(abs, shift)) < 100


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return simulate(sim_args(SYNTHETIC_RUN, tmp_path_factory.mktemp("flash")))


@pytest.fixture(scope="module")
def idle_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("flash")
    return simulate(sim_args(SYNTHETIC_RUN, out, idle_hours=24))


def test_the_runner_gets_what_the_golden_run_gave(plain_run: dict) -> None:
    assert_as_golden(plain_run)


def test_idle_hours_change_nothing_the_runner_gets(idle_run: dict) -> None:
    assert_as_golden(idle_run)


def test_a_day_lying_still_leaves_a_month_of_standby(idle_run: dict) -> None:
    energy = idle_run["energy"]
    assert energy["standby_days"] >= 30
    assert energy["idle"]["total_ms"] == 24 * 3_600_000
    assert idle_run["exit"] == "power off"  # standby is the board held off (HOLD low)


def test_every_run_reports_its_energy(plain_run: dict) -> None:
    energy = plain_run["energy"]
    assert energy["battery_mah"] == 200
    assert energy["mAh"] > 0 and energy["running_avg_mA"] > 0 and energy["running_hours"] > 0
    assert energy["standby_days"] is None  # no --idle-hours
    running = energy["running"]
    assert sum(running["cpu_active_ms"].values()) > 0
    assert running["imu_ms"].get("accel", 0) > 0.9 * running["total_ms"]


def test_the_cpu_light_sleeps_through_most_of_a_run(plain_run: dict) -> None:
    running = plain_run["energy"]["running"]
    assert running["light_sleep_ms"] > running["total_ms"] // 2


def test_the_power_button_closes_the_session_and_powers_off(tmp_path: Path) -> None:
    out = simulate(sim_args(SYNTHETIC_RUN, tmp_path, press="P@200000"))
    assert out["exit"] == "power off"
    assert out["sessions"] == 1
    assert Session.from_file(out["session_files"][0]).records[-1].reason_name == "stopped"


def test_a_board_without_a_battery_reports_currents_but_no_hours(tmp_path: Path) -> None:
    out = simulate(sim_args(SYNTHETIC_RUN, tmp_path, board="esp32_lis3dh", idle_hours=1))
    energy = out["energy"]
    assert energy["running_avg_mA"] > 0 and energy["idle_avg_mA"] > 0
    assert energy["running_hours"] is None and energy["standby_days"] is None
