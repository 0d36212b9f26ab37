"""What main.py runs around the app: safe mode, the config fall-back, boot errors and Ctrl-C.

`main()` is the whole of main.py. Safe mode: the safe button (the board file's SAFE_PIN,
else button B) held for SAFE_HOLD_MS in the first SAFE_WINDOW_MS starts no app and leaves
the REPL. A config the board cannot build (a rate the IMU cannot run, say) is logged and
replaced by the defaults, so the app and its sync still start and the host can fix it. Any
other boot exception is logged with its traceback to error.log (`mpremote fs cat
:error.log`), played as "error", and the board powers off a minute later instead of idling
in the REPL with power held (footfall_fw/bootfail.py, loaded only then). Ctrl-C
(KeyboardInterrupt) is no error: it ends in the REPL. In every case where no app runs, the
watchdog is relaxed first: machine.WDT cannot be stopped (ports/esp32/machine_wdt.c), and
the app may already have set it to 8 s.
"""

import time

import machine

from footfall_fw import log
from footfall_fw.board import WDT_RELAXED_MS

SAFE_WINDOW_MS = 2000
SAFE_HOLD_MS = 100  # pressed this long in the window: safe mode (a bounce is not enough)
SAFE_POLL_MS = 20

safe = False  # safe mode was entered (for the REPL and the virtual board)
failure = None  # repr of the boot exception that ended in power off


def relax():
    """Give the watchdog an hour: nothing feeds it while no app runs."""
    wdt = machine.WDT(timeout=WDT_RELAXED_MS)
    wdt.feed()
    return wdt


def main():
    """main.py: safe mode, else the app; Ctrl-C ends in the REPL, an error in power off."""
    global failure
    bd = None
    try:
        from footfall_fw import board

        bd = board.load_board(board.board_name())
        if safe_mode(bd):
            return
        boot()
    except KeyboardInterrupt:
        relax()
        log("Ctrl-C: the REPL (watchdog relaxed to 1 h; reset to run footfall)")
    except Exception as exc:
        relax()
        failure = repr(exc)
        from footfall_fw import bootfail  # loaded only when needed: RAM

        bootfail.failed(exc, bd)


def safe_mode(bd):
    """True (logged, signalled) when the safe button is held early in the boot."""
    global safe
    n = getattr(bd, "SAFE_PIN", getattr(bd, "BUTTON_B", None))
    if n is None:
        return False
    pin = machine.Pin(n, machine.Pin.IN, machine.Pin.PULL_UP)
    held_ms = 0
    for _ in range(SAFE_WINDOW_MS // SAFE_POLL_MS):
        held_ms = held_ms + SAFE_POLL_MS if pin.value() == 0 else 0
        if held_ms >= SAFE_HOLD_MS:
            safe = True
            log(f"safe mode: GPIO{n} held at boot, no app (the REPL; reset to run footfall)")
            from footfall_fw import bootfail

            bootfail.signal(bd, "stopped")
            return True
        time.sleep_ms(SAFE_POLL_MS)
    return False


def boot():
    """Build the board and the app from the config (or the defaults) and run it."""
    import gc

    gc.collect()  # the safe-mode poll's garbage, so the app's modules load into one piece
    from footfall_fw import app, board, config

    gc.collect()  # the imports' garbage, before the store's 4 KiB block buffer is made
    cfg, problems = config.load()
    for problem in problems:
        log(problem)
    name = board.board_name()
    built = fall_back(lambda c: app.App(board.Hardware(name, c["rate_hz"]), c), cfg)
    g = globals()
    for done in ("safe_mode", "fall_back", "boot"):  # boot-only code: free its RAM for the run
        g.pop(done)
    gc.collect()
    app.run(built)


def fall_back(make, cfg):
    """make(cfg); if that fails on a config other than the defaults, log why, make(defaults)."""
    from footfall_fw import config

    try:
        return make(cfg)
    except Exception as exc:
        defaults = config.defaults()
        if cfg == defaults:
            raise
        why = f"config: cannot boot with {config.PATH} ({exc!r}); using the defaults"
        log(why)
        from footfall_fw import bootfail

        bootfail.record(why)
    return make(defaults)
