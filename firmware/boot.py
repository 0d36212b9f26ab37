"""Runs first at every hard and soft reset (ports/esp32/main.c): hold power, relax the watchdog.

The Plus2 cuts its own power unless HOLD_PIN goes high within about 100 ms, so the pin is
driven before anything heavy is imported (board.txt and the data-only board file only).
machine.WDT cannot be stopped and outlives a soft reset (ports/esp32/machine_wdt.c), so
while no app feeds it (mpremote's raw REPL runs boot.py but not main.py, the REPL after
Ctrl-C, safe mode) its timeout is relaxed to an hour; the app shortens it to 8 s when it
takes over (footfall_fw/app.py). Nothing here may raise: on the ESP32 port an exception in
boot.py skips main.py (shared/runtime/pyexec.h: PYEXEC_UNHANDLED_EXCEPTION is 0 there).
"""

import machine

# The same as footfall_fw.board.WDT_RELAXED_MS, not imported from it: `footfall flash` copies
# this file first, onto a board whose footfall_fw may be older and have no guard.
WDT_RELAXED_MS = 3_600_000


def _hold():
    name = ""
    try:
        with open("board.txt") as f:  # as footfall_fw.board.board_name() reads it
            name = f.read().strip()
    except OSError:
        pass
    # footfall_fw.board.DEFAULT_BOARD, written out: this file must run beside an older
    # footfall_fw (tests/host/test_one_definition.py keeps the two equal)
    name = name or "m5stickc_plus2"
    pin = getattr(getattr(__import__("boards." + name), name), "HOLD_PIN", None)
    if pin is not None:
        machine.Pin(pin, machine.Pin.OUT, value=1)


try:
    _hold()
except Exception as exc:  # no board.txt or board file yet (a fresh or half-flashed board)
    print("boot.py: power hold:", repr(exc))
try:
    machine.WDT(timeout=WDT_RELAXED_MS).feed()
except Exception as exc:
    print("boot.py: watchdog:", repr(exc))
