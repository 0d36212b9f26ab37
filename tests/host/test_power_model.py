"""The power model (footfall.sim.energy) over hand-made logs: each state costs its current."""

import pytest
from footfall.sim.board import board_constants
from footfall.sim.energy import currents, energy, integrate

CUR = currents()
PLUS2 = board_constants("m5stickc_plus2")
BUDGET = board_constants("esp32_lis3dh")


def power(t_ms, kind, value, cpu_us):
    return (t_ms, "power", kind, value, cpu_us)


def test_every_current_names_its_source():
    import csv

    from footfall.sim.energy import CURRENTS_CSV

    with open(CURRENTS_CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(row["source"].strip() for row in rows)


def test_cpu_time_at_80_mhz_is_twice_the_time_at_160():
    fast, _ = integrate([power(0, "mark", "x", 0)], 10_000, 10_000, 10_000, 1_000_000, {})
    slow, _ = integrate([power(0, "freq", 80_000_000, 0)], 10_000, 10_000, 10_000, 1_000_000, {})
    assert fast.cpu_ms == {160: pytest.approx(1000)}
    assert slow.cpu_ms == {80: pytest.approx(2000)}


def test_light_sleep_is_taken_from_the_awake_time():
    run, idle = integrate([], 10_000, 8000, 10_000, 0, {}, (4000, 500))
    assert run.light_sleep_ms == 4000 and idle.light_sleep_ms == 500
    assert run.awake_ms[160] == pytest.approx(4000)
    assert idle.awake_ms[160] == pytest.approx(1500)


def test_pwm_on_time_counts_per_output():
    events = [(100, "pwm", "2", "2000", "32768"), (400, "pwm", "2", "2000", "0")]
    run, _ = integrate(events, 1000, 1000, 1000, 0, {2: "buzzer"})
    assert run.haptic_ms == {"buzzer": 300}


def test_the_recording_end_splits_running_from_idle():
    events = [power(600, "mark", "end", 300_000), power(600, "imu", "sleep", 300_000)]
    run, idle = integrate(events, 1000, 600, 1000, 500_000, {})
    assert run.cpu_ms[160] == pytest.approx(300)
    assert idle.cpu_ms[160] == pytest.approx(200)
    assert idle.imu_ms == {"sleep": 400}


def test_a_board_that_powered_off_is_off_for_the_rest_of_the_idle_hours():
    events = [power(0, "imu", "accel", 0), (2000, "exit", "power off")]
    out = energy({"power": {"uptime_ms": 2000, "cpu_us": 0}, "end_ms": 1000}, events, PLUS2, 1)
    assert out["idle"]["off_ms"] == 3_600_000 - 1000
    assert out["idle_avg_mA"] < 0.1
    assert out["standby_days"] > 30


def test_without_idle_hours_standby_is_unknown():
    events = [power(0, "imu", "accel", 0), (2000, "exit", "end of recording")]
    out = energy({"power": {"uptime_ms": 2000, "cpu_us": 0}, "end_ms": 1000}, events, PLUS2)
    assert out["standby_days"] is None and out["idle_avg_mA"] is None
    assert out["running_hours"] > 0


def test_a_board_without_a_battery_reports_current_but_no_hours():
    events = [power(0, "imu", "accel", 0), (2000, "exit", "power off")]
    out = energy({"power": {"uptime_ms": 2000, "cpu_us": 0}, "end_ms": 1000}, events, BUDGET, 1)
    assert out["running_avg_mA"] > 0 and out["idle_avg_mA"] > 0
    assert out["running_hours"] is None and out["standby_days"] is None


def test_radio_states_logged_by_a_bluetooth_stand_in_are_charged():
    quiet = [power(0, "imu", "accel", 0), (3_600_000, "exit", "end of recording")]
    adv = [power(0, "radio", "advertising:1000", 0), *quiet]
    result = {"power": {"uptime_ms": 3_600_000, "cpu_us": 0}, "end_ms": 3_600_000}
    off, on = energy(result, quiet, PLUS2), energy(result, adv, PLUS2)
    assert on["running"]["radio_advertising_ms"] == {"1000ms": 3_600_000}
    assert on["radio_modelled"] and not off["radio_modelled"]
    extra = on["running_avg_mA"] - off["running_avg_mA"]
    assert extra == pytest.approx(CUR["ble.advertising_event_mA_ms"] / 1000, abs=0.01)


def test_the_plus2_drives_no_motor_without_its_hat():
    events = [(0, "pwm", "26", "2000", "52000"), (1000, "exit", "end of recording")]
    result = {"power": {"uptime_ms": 1000, "cpu_us": 0}, "end_ms": 1000}
    plus2 = energy(result, events, PLUS2)
    diy = energy(result, events, {**PLUS2, "NAME": "xiao_esp32s3_lsm6dso", "MOTOR_PIN": 26})
    assert plus2["running"]["haptic_on_ms"] == {"motor": 1000}
    assert diy["running_avg_mA"] - plus2["running_avg_mA"] > CUR["haptic.motor"] - 1
