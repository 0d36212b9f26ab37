"""The virtual board's power model: the energy a run costs, from the state changes it made.

The stand-ins log every change the firmware makes that costs current (`power` events of
sim/mpy/_sim.py: `machine.freq`, `lightsleep`, `deepsleep`, the IMU's power mode as its
registers set it, plus the PWM outputs' `pwm` events), each with the ESP32 CPU time charged
so far by the timing model (docs/virtual-board.md, Timing; metered on every run, and moving
the clock only with --cpu). This module integrates them over the recording (running) and
over what follows it (idle: the tail, and with --idle-hours the hours after it, the board
off once it powered itself off) with the currents of hardware/power_currents.csv.

The CPU is active for the charged CPU time (at 160 MHz; slower clocks stretch it), in
light sleep for the time it asked, and awake waiting (clock-gated, as MicroPython's asyncio
waits) for the rest of the time it is on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from footfall.paths import POWER_CURRENTS

CURRENTS_CSV = POWER_CURRENTS
REF_HZ = 160_000_000  # the timing model's ESP32 clock (ESP32_GENERIC's default)
MCU_MHZ = (80, 160, 240)  # the clocks the current table covers; others take the next above


def currents(path: Path = CURRENTS_CSV) -> dict[str, float]:
    """key -> mA (or a share, for battery.usable) from the table with its sources."""
    with open(path, newline="") as f:
        return {row["key"]: float(row["mA"]) for row in csv.DictReader(f)}


@dataclass
class Window:
    """Time spent in each power state over one stretch of the run, in ms."""

    on_ms: float = 0.0
    off_ms: float = 0.0
    cpu_ms: dict[int, float] = field(default_factory=dict)  # active, by clock MHz
    awake_ms: dict[int, float] = field(default_factory=dict)  # on, not active nor asleep
    light_sleep_ms: float = 0.0
    deep_sleep_ms: float = 0.0
    flash_ms: float = 0.0
    imu_ms: dict[str, float] = field(default_factory=dict)
    haptic_ms: dict[str, float] = field(default_factory=dict)
    advertising_ms: dict[int, float] = field(default_factory=dict)  # by interval, ms
    connected_ms: float = 0.0

    def add(self, table: dict, key: object, ms: float) -> None:
        table[key] = table.get(key, 0.0) + ms

    @property
    def total_ms(self) -> float:
        return self.on_ms + self.off_ms

    def to_json(self) -> dict[str, object]:
        return {
            "total_ms": round(self.total_ms),
            "cpu_active_ms": {f"{k}MHz": round(v, 1) for k, v in sorted(self.cpu_ms.items())},
            "cpu_awake_idle_ms": {f"{k}MHz": round(v) for k, v in sorted(self.awake_ms.items())},
            "light_sleep_ms": round(self.light_sleep_ms),
            "deep_sleep_ms": round(self.deep_sleep_ms),
            "off_ms": round(self.off_ms),
            "radio_advertising_ms": {f"{k}ms": round(v) for k, v in self.advertising_ms.items()},
            "radio_connected_ms": round(self.connected_ms),
            "haptic_on_ms": {k: round(v) for k, v in sorted(self.haptic_ms.items())},
            "flash_write_ms": round(self.flash_ms),
            "imu_ms": {k: round(v) for k, v in sorted(self.imu_ms.items())},
        }


def _mhz(hz: int) -> int:
    mhz = hz // 1_000_000
    return next((m for m in MCU_MHZ if m >= mhz), MCU_MHZ[-1])


@dataclass
class _State:
    mhz: int = 160
    imu: str = "sleep"
    cpu_us: int = 0  # the CPU time charged at the last power event
    radio: str = "off"  # "off", "connected" or "advertising:<interval ms>"
    outputs: dict[int, bool] = field(default_factory=dict)  # PWM pin -> on


def integrate(
    events: list[tuple],
    uptime_ms: int,
    end_ms: int,
    stop_ms: int,
    cpu_us: int,
    pins: dict,
    light_sleep_ms: tuple[int, int] = (0, 0),
) -> tuple[Window, Window]:
    """(running, idle) windows: sensor ms [0, end_ms) and [end_ms, stop_ms), from the log.

    events: the stand-ins' log (sensor ms, kind, values...); uptime_ms: how long the board
    ran (its boot before the IMU counts as running); cpu_us: the CPU time charged in all;
    pins: PWM pin -> "buzzer" or "motor"; light_sleep_ms: the ms slept during the recording
    and after it, as the stand-in machine.lightsleep counts them."""
    run, idle = Window(), Window()
    st = _State()
    last_t = 0
    boot_ms = max(0, uptime_ms - stop_ms)  # before sensor time 0: the boot

    def span(t0: float, t1: float) -> None:
        # the states held from t0 to t1, split at end_ms
        for w, a, b in ((run, 0, end_ms), (idle, end_ms, stop_ms)):
            lo, hi = max(t0, a), min(t1, b)
            if hi > lo:
                w.on_ms += hi - lo
                w.add(w.awake_ms, st.mhz, hi - lo)
                w.add(w.imu_ms, st.imu, hi - lo)
                if st.radio == "connected":
                    w.connected_ms += hi - lo
                elif st.radio.startswith("advertising:"):
                    w.add(w.advertising_ms, int(st.radio.split(":")[1]), hi - lo)
                for pin, on in st.outputs.items():
                    if on:
                        w.add(w.haptic_ms, pins.get(pin, "buzzer"), hi - lo)

    def cpu(t: float, charged: int) -> None:
        if charged == st.cpu_us:
            return
        w = run if t <= end_ms else idle
        active = (charged - st.cpu_us) / 1000 * REF_HZ / (st.mhz * 1_000_000)
        st.cpu_us = charged
        w.add(w.cpu_ms, st.mhz, active)
        w.add(w.awake_ms, st.mhz, -active)

    for ev in events:
        t, kind = int(ev[0]), ev[1]
        span(last_t, t)
        last_t = max(last_t, t)
        if kind == "pwm":
            st.outputs[int(ev[2])] = int(ev[4]) > 0
        elif kind == "power":
            what, value, charged = ev[2], ev[3], int(ev[4])
            cpu(t, charged)
            w = run if t < end_ms else idle
            if what == "freq":
                st.mhz = _mhz(int(value))
            elif what == "imu":
                st.imu = str(value)
            elif what == "radio":  # logged by a bluetooth stand-in, where there is one
                st.radio = str(value)
            elif what == "lightsleep":
                w.light_sleep_ms += int(value)
                w.add(w.awake_ms, st.mhz, -int(value))
    span(last_t, stop_ms)
    cpu(stop_ms, cpu_us)
    for w, ms in zip((run, idle), light_sleep_ms, strict=True):  # counted by the stand-in
        w.light_sleep_ms += ms
        w.add(w.awake_ms, st.mhz, -ms)
    run.on_ms += boot_ms
    run.add(run.awake_ms, 160, boot_ms)
    for w in (run, idle):
        _fit_sleep(w)
    return run, idle


def _fit_sleep(w: Window) -> None:
    # Without --cpu the clock does not carry the ESP32's CPU time, so a light sleep "until
    # the next task" spans time the board would have spent computing: where the awake time
    # went below zero, the sleep was that much shorter on the board.
    short = -sum(w.awake_ms.values())
    if short > 0:
        cut = min(short, w.light_sleep_ms)
        w.light_sleep_ms -= cut
        for mhz in w.awake_ms:
            w.awake_ms[mhz] = max(w.awake_ms[mhz], 0.0)
        if cut < short:  # more CPU than time: the board could not keep up (report it as is)
            w.add(w.awake_ms, next(iter(w.awake_ms), 160), 0.0)
    for mhz in w.awake_ms:
        w.awake_ms[mhz] = max(w.awake_ms[mhz], 0.0)


def _ma_ms(w: Window, cur: dict[str, float], board: str, mcu: str, imu: str) -> float:
    total = w.on_ms * cur[f"{board}.board"] + w.off_ms * cur[f"{board}.off"]
    for mhz, ms in w.cpu_ms.items():
        total += ms * cur[f"{mcu}.active.{mhz}"]
    for mhz, ms in w.awake_ms.items():
        total += max(ms, 0.0) * cur[f"{mcu}.idle.{mhz}"]
    total += w.light_sleep_ms * cur[f"{mcu}.light_sleep"]
    total += w.deep_sleep_ms * cur[f"{mcu}.deep_sleep"]
    total += w.flash_ms * cur[f"{mcu}.flash_write"]
    for mode, ms in w.imu_ms.items():
        total += ms * cur.get(f"{imu}.{mode}", cur[f"{imu}.accel"])
    for out, ms in w.haptic_ms.items():
        total += ms * cur.get(f"{board}.{out}", cur[f"haptic.{out}"])
    for interval_ms, ms in w.advertising_ms.items():  # one event's charge per interval
        total += ms * cur["ble.advertising_event_mA_ms"] / interval_ms
    total += w.connected_ms * cur["ble.connected"]
    return total


def energy(
    result: dict,
    events: list[tuple],
    board: dict,
    idle_hours: float | None = None,
    cur: dict[str, float] | None = None,
) -> dict[str, object]:
    """The `energy` object of `footfall sim --json` for a finished run.

    result: the board's result (its `power` counters, `end_ms`); board: the board file's
    constants (NAME, IMU, BATTERY_MAH, BUZZER_PIN, MOTOR_PIN, HOLD_PIN)."""
    cur = cur or currents()
    power = result.get("power") or {}
    exits = [int(e[0]) for e in events if e[1] == "exit"]
    stop_ms = exits[-1] if exits else int(power.get("uptime_ms", 0))
    end_ms = result.get("end_ms")
    end_ms = stop_ms if end_ms is None else min(int(end_ms), stop_ms)
    pins = {board.get("BUZZER_PIN"): "buzzer", board.get("MOTOR_PIN"): "motor"}
    run, idle = integrate(
        events,
        int(power.get("uptime_ms", stop_ms)),
        end_ms,
        stop_ms,
        int(power.get("cpu_us", 0)),
        pins,
        tuple(power.get("light_sleep_ms", (0, 0))),
    )
    flash_ms = power.get("flash_ms")
    if flash_ms:  # --cpu: the flash time, shared in proportion to each window's CPU time
        cpu_run, cpu_all = (
            sum(run.cpu_ms.values()),
            sum(run.cpu_ms.values()) + sum(idle.cpu_ms.values()),
        )
        share = cpu_run / cpu_all if cpu_all else 1.0
        run.flash_ms, idle.flash_ms = flash_ms * share, flash_ms * (1 - share)
    powered_off = bool(exits) and str(events[-1][2] if len(events[-1]) > 2 else "") == "power off"
    if idle_hours is not None:
        rest = idle_hours * 3_600_000 - idle.total_ms
        if rest > 0:  # the hours after the board switched itself off (or it stayed on)
            if powered_off:
                idle.off_ms += rest
            else:
                idle.on_ms += rest  # not reached in a run that ends on time
    name, mcu, imu = board["NAME"], "esp32", board["IMU"]
    run_ma = _ma_ms(run, cur, name, mcu, imu) / run.total_ms if run.total_ms else 0.0
    idle_ma = _ma_ms(idle, cur, name, mcu, imu) / idle.total_ms if idle.total_ms else 0.0
    mah = (_ma_ms(run, cur, name, mcu, imu) + _ma_ms(idle, cur, name, mcu, imu)) / 3_600_000
    usable = board.get("BATTERY_MAH", 0) * cur["battery.usable"]
    idle_known = idle_hours is not None
    return {
        "battery_mah": board.get("BATTERY_MAH", 0),
        "usable_mah": round(usable, 1),
        "mAh": round(mah, 4),
        "running_avg_mA": round(run_ma, 3),
        "idle_avg_mA": round(idle_ma, 4) if idle_known else None,
        "running_hours": round(usable / run_ma, 1) if usable and run_ma else None,
        "standby_days": round(usable / idle_ma / 24, 1)
        if usable and idle_ma and idle_known
        else None,
        "running": run.to_json(),
        "idle": idle.to_json(),
        # the unix port has no bluetooth: the radio is seen only through a stand-in that logs
        # "radio" power events (_sim.power("radio", "advertising:1000" / "connected" / "off"))
        "radio_modelled": any(e[1] == "power" and e[2] == "radio" for e in events),
        "currents": str(CURRENTS_CSV.name),
    }
