"""The virtual board's REPL, after main.py has returned: scripted idling and soft resets.

The scenario's `repl` steps: "idle:MS" (the REPL waits for input), "raw-reset" (what
mpremote does on connecting: Ctrl-A, Ctrl-D, a soft reset in the raw REPL, which runs
boot.py but not main.py) and "soft-reset" (Ctrl-D in the friendly REPL: boot.py, main.py),
as ports/esp32/main.c does. At the end of the steps the board stops ("repl").
"""

import gc
import sys
import time

import _sim

# What a soft reset clears: the firmware's modules and asyncio with its task queue (a fresh
# heap imports them again), and `machine` (its WDT lives on in _sim). The clock and the
# other stand-ins, and the emulated IMU, carry on.
CLEARED = ("main", "boot", "machine", "asyncio", "footfall_fw", "footfall_core", "drivers")
CLEARED += ("boards", "aioble", "bluetooth")
IDLE_STEP_MS = 100
left = {}  # what the firmware left before a soft reset cleared its modules


def soft_reboot():
    # ports/esp32/main.c, soft_reset_exit: the heap is swept and the modules are gone; the
    # WDT (machine_wdt.c: one static object) and the pins' levels are not reset; timers
    # are stopped by their finalisers (machine_timer.c, machine_timer_del).
    print("MPY: soft reboot")
    time.timers_reset()
    _sim.log("soft reboot")
    app, guard = sys.modules.get("footfall_fw.app"), sys.modules.get("footfall_fw.guard")
    if app is not None and app.instance is not None:
        left["app"] = app.instance
    if guard is not None:
        left["safe_mode"] = guard.safe or left.get("safe_mode", False)
        left["boot_error"] = guard.failure or left.get("boot_error")
    for name in list(sys.modules):
        if name.split(".")[0] in CLEARED:
            del sys.modules[name]
    gc.collect()


def run(script):
    """The REPL until its steps end; script(name) runs boot.py or main.py (simboot)."""
    steps = list(_sim.scenario.get("repl") or ["idle:10000"])
    raw = False
    reset = _sim.soft_reset_pending  # machine.soft_reset() from main.py
    while True:
        try:
            if reset:
                _sim.soft_reset_pending = False
                soft_reboot()
                if script("boot") and not raw and not script("main"):
                    if _sim.exit_reason is not None:
                        return  # main.py crashed
            reset = True
            while steps:
                step = steps.pop(0)
                if step in ("raw-reset", "soft-reset"):
                    raw = step == "raw-reset"
                    break
                for _ in range(int(step[5:]) // IDLE_STEP_MS):
                    time.sleep_ms(IDLE_STEP_MS)
            else:
                _sim.power_off("repl")
        except SystemExit:
            if not _sim.soft_reset_pending:
                return
