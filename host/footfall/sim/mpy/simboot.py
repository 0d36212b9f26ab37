"""Boot the real firmware on the virtual board: micropython simboot.py SCENARIO.json.

Sets up the flash folder (the scenario's `flash` directory becomes the working directory,
as / is on the device), loads the samples, runs the unchanged `boot.py` and `main.py` as
the ESP32 port does (then the REPL, scripted by the scenario's `repl` steps, with soft
resets), and when the board powers off (end of the recording, reset, watchdog, the REPL
script's end) writes what happened to the scenario's `result` file as JSON.
"""

import gc
import json
import os
import sys
import time

import _sim
from footfall_fw import haptics


def load(scenario_path):
    with open(scenario_path) as f:
        sc = json.load(f)
    _sim.scenario = sc
    if sc.get("serve"):  # footfall sim --serve: paced clock, stopped by the host
        import _serve

        _serve.install(sc)
    # Opened, not read: the emulated IMU reads it a chunk at a time as its FIFO fills, so
    # the heap holds what the firmware uses (plus the stand-ins' few KiB), not the recording.
    _sim.samples = open(sc["samples"], "rb")
    if "events" in sc:  # the sim's log of the board's outputs, kept out of its heap
        _sim.event_path = sc["events"]
        _sim.event_file = open(sc["events"], "w")
    if "epoch_s" in sc:  # the host's clock, as `footfall flash` sets a real board's RTC
        time.set_epoch(sc["epoch_s"])
    os.chdir(sc["flash"])
    os.root = sc["flash"]
    for name, text in sc.get("files", {}).items():
        with open(name, "w") as f:
            f.write(text)
    # From here the board writes (the files above are the host's, as `footfall flash`'s).
    if sc.get("flash_timing"):  # footfall sim --cpu: flash writes cost what SPI NOR does
        import _flash

        _flash.install(sc["flash_timing"])
    return sc


def _exists(name):
    for folder in sys.path:
        try:
            os.stat(folder + "/" + name)
            return True
        except OSError:
            pass
    return False


def script(name):
    """Run boot.py or main.py as ports/esp32/main.c does; False if it raised (not Ctrl-C).

    A missing file counts as run (shared/runtime/pyexec.c, pyexec_file_if_exists)."""
    if not _exists(name + ".py"):
        return True
    try:
        __import__(name)
    except KeyboardInterrupt as exc:  # Ctrl-C: its traceback, then the REPL
        sys.print_exception(exc)
    except Exception as exc:
        sys.print_exception(exc)
        if name == "main" and _sim.exit_reason is None:  # a crash: report it as an ending
            _sim.exit_reason = "crash: " + repr(exc)
        return False
    return True


def boot():
    """Power on: boot.py, then main.py unless boot.py raised; if main.py returns (or is
    interrupted, or soft-resets), the REPL (_repl.py, loaded only then: a run's RAM)."""
    try:
        if script("boot") and not script("main") and _sim.exit_reason is not None:
            return  # main.py crashed (or failed while the board was powering off)
    except SystemExit:
        if not _sim.soft_reset_pending:
            return  # powered off or reset
    import _repl

    _repl.run(script)


TOLERANCE_MS = 10  # the virtual clock carries real processing time: a pulse may run long


def plays(events):
    """[(sensor ms, pattern name)] from the PWM log: one entry per pattern played; each
    metronome beat (its own tone, haptics.BEAT_HZ) is one "beat", however close the next."""
    found = []
    pin = None
    ons = []  # [ms the output went on, ms it went off]
    beat_hz = getattr(haptics, "BEAT_HZ", None)  # firmware before the metronome has none
    for t, kind, *rest in events:
        if kind != "pwm" or (pin is not None and rest[0] != pin):
            continue
        pin = rest[0]
        if rest[2] and rest[1] == beat_hz:
            _close(ons, found)  # a beat ends what came before it and stands alone
            found.append((t, "beat"))
        elif rest[2]:
            if ons and ons[-1][1] is not None and t - ons[-1][1] >= haptics.GAP_MS:
                _close(ons, found)
            if not ons or ons[-1][1] is not None:
                ons.append([t, None])
        elif ons and ons[-1][1] is None:
            ons[-1][1] = t
    _close(ons, found)
    return found


def _name(rhythm):
    # The pattern whose on-times match, each within TOLERANCE_MS.
    for name, steps in haptics.PATTERNS.items():
        if len(steps) != len(rhythm):
            continue
        if all(abs(rhythm[i] - steps[i][1]) <= TOLERANCE_MS for i in range(len(steps))):
            return name
    return "unknown"


def _close(ons, found):
    if ons:
        rhythm = [off - on for on, off in ons if off is not None]
        found.append((ons[0][0], _name(rhythm)))
        del ons[:]


def result():
    # The app module as the firmware left it: a board that crashed before importing it
    # (out of memory at boot) has none, and importing it now could fail the same way.
    app = sys.modules.get("footfall_fw.app")
    guard = sys.modules.get("footfall_fw.guard")
    left = sys.modules["_repl"].left if "_repl" in sys.modules else {}
    a = app.instance if app and app.instance else left.get("app")
    out = {"exit": _sim.exit_reason, "plays": plays(_sim.logged()), "end_ms": _sim.end_ms}
    _sim.loop_waits(time.ticks_ms())  # a step cut short by a reset was a stall too
    out["watchdog_resets"] = _sim.watchdog_resets
    out["power"] = _sim.power_counters()
    out["max_stall_ms"] = _sim.max_stall_ms
    if _sim.scenario.get("flash_timing"):
        out["flash"] = sys.modules["_flash"].flash_counters()
    out["safe_mode"] = bool(guard and guard.safe) or left.get("safe_mode", False)
    out["boot_error"] = (guard.failure if guard else None) or left.get("boot_error")
    if out["boot_error"] and out["exit"] == "power off":  # signalled and powered off
        out["exit"] = "crash: " + out["boot_error"]
    if a is not None and hasattr(a, "usb"):  # not an app whose building failed half-way
        if not a.sessions.active:
            a.tracker.flush()  # end of stream for a run that never opened a session
        out["steps"] = a.tracker.steps
        out["sessions"] = a.sessions.sessions
        out["steps_logged"] = a.sessions.logged
        out["cues"] = a.cues
        out["failures"] = a.failures
        out["overflows"] = a.sampler.overflows
        out["polls"] = a.sampler.polls
        out["rate_hz"] = a.sampler.imu.rate_hz
        # the sampler's robustness counters (absent from older firmware: not reported)
        names = (
            "rate_mhz",
            "bus_errors",
            "failed_polls",
            "gaps",
            "lost_samples",
            "reinits",
            "ring_full",
        )
        out["sampler"] = {k: getattr(a.sampler, k) for k in names if hasattr(a.sampler, k)}
        out["usb"] = a.usb.counters()
        m = getattr(a, "metronome", None)  # absent from older firmware
        if m is not None:
            out["metronome"] = {"beats": m.beats, "skipped": m.skipped}
            out["metronome"]["late_ms_max"] = m.late_ms_max
    return out


# The report is written after the firmware has run, when its heap may be full: hold a
# little room back for it so that a run that fits is never lost for want of its report.
REPORT_RESERVE = 2048
UNCHARGED = (  # (Pin.value leaves itself uncharged: see there)
    ("PWM", ("freq", "duty_u16")),
    ("ADC", ("read_uv", "read_u16")),
    ("_WDT", ("feed",)),  # machine.WDT() returns the one _WDT
    ("RTC", ("datetime",)),
)
sc = load(sys.argv[1])
reserve = bytearray(REPORT_RESERVE)
# A heap too small for the stand-ins' own set-up is too small for the firmware too: it
# ends the run as a boot that ran out of memory, reported like one (the reserve is free).
try:
    # From here the firmware's CPU time counts: it moves the clock with --cpu
    # (cpu_factor_milli) and is only metered for the power model otherwise
    # (meter_factor_milli).
    factor = sc.get("cpu_factor_milli") or sc.get("meter_factor_milli")
    if factor:
        # The stand-ins for the board's built-in (C) calls are the sim's work: not charged.
        import machine

        for cls_name, names in UNCHARGED:
            cls = getattr(machine, cls_name)
            for name in names:
                setattr(cls, name, time.uncharged(getattr(cls, name)))
        time.configure(factor, clocked=bool(sc.get("cpu_factor_milli")))
    if not sc.get("cpu_factor_milli") and not sc.get("speed"):
        time.replay(True)  # as fast as it computes: the replay clock (sim/mpy/time.py)
    boot()
except MemoryError as exc:
    reserve = None
    gc.collect()
    sys.print_exception(exc)  # on the console, as a crash at boot prints its traceback
    if _sim.exit_reason is None:
        _sim.exit_reason = "crash: " + repr(exc)
del reserve
gc.collect()
with open(sc["result"], "w") as f:
    json.dump(result(), f)
