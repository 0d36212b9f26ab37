"""Loaded only when the boot goes wrong (or safe mode signals): error.log, patterns, power off.

Kept out of footfall_fw.guard so that a normal boot does not hold it in RAM.
"""

import sys
import time

import machine

from footfall_fw import log

ERROR_LOG = "error.log"
ERROR_LOG_BYTES = 4096  # newest kept: older records are dropped to stay within this
ERROR_OFF_MS = 60000  # from a boot error to power off (Ctrl-C in this time: the REPL)


def failed(exc, bd):
    """Log the boot error, signal it, and power off after ERROR_OFF_MS."""
    log(f"boot failed; powering off in {ERROR_OFF_MS // 1000} s (Ctrl-C: the REPL)")
    sys.print_exception(exc)
    record("boot failed", exc)
    try:
        try:
            signal(bd, "error")
        except Exception as sig_exc:  # the outputs may be what failed
            log("no signal: " + repr(sig_exc))
        time.sleep_ms(ERROR_OFF_MS)
    except KeyboardInterrupt:
        log("Ctrl-C: the REPL (watchdog relaxed to 1 h)")
        return
    power_off(bd)


def record(what, exc=None):
    """Append `what` (and exc's traceback) to ERROR_LOG, keeping its newest ERROR_LOG_BYTES."""
    import io
    import os

    try:
        out = io.StringIO()
        out.write(f"[{time.time()}] {what}\n")
        if exc is not None:
            sys.print_exception(exc, out)
        try:
            with open(ERROR_LOG) as f:
                text = f.read() + out.getvalue()
        except OSError:
            text = out.getvalue()
        if len(text) > ERROR_LOG_BYTES:
            text = text[-ERROR_LOG_BYTES:]
            text = text[text.find("\n[") + 1 :]  # from a whole record
        with open(ERROR_LOG + ".tmp", "w") as f:
            f.write(text)
        try:
            os.rename(ERROR_LOG + ".tmp", ERROR_LOG)
        except OSError:  # file systems whose rename will not replace: remove first
            os.remove(ERROR_LOG)
            os.rename(ERROR_LOG + ".tmp", ERROR_LOG)
    except Exception as log_exc:  # a full or broken file system: the console still has it
        log("error.log not written: " + repr(log_exc))


def signal(bd, name):
    """Play haptics pattern `name` on the board's buzzer and motor, waiting (no app runs)."""
    from footfall_fw.haptics import BUZZER_DUTY_U16, MOTOR_DUTY_U16, PATTERNS

    outs = []
    for attr, duty in (("BUZZER_PIN", BUZZER_DUTY_U16), ("MOTOR_PIN", MOTOR_DUTY_U16)):
        n = getattr(bd, attr, None)
        if n is not None:
            outs.append((machine.PWM(machine.Pin(n), freq=2000, duty_u16=0), duty))
    for tone_hz, on_ms, off_ms in PATTERNS[name] if outs else ():
        for pwm, duty in outs:
            pwm.freq(tone_hz)
            pwm.duty_u16(duty)
        time.sleep_ms(on_ms)
        for pwm, _ in outs:
            pwm.duty_u16(0)
        time.sleep_ms(off_ms)


def power_off(bd):
    """Release the power hold (a battery Plus2 switches off), else sleep until reset."""
    log("powering off")
    hold = getattr(bd, "HOLD_PIN", None)
    if hold is not None:
        machine.Pin(hold, machine.Pin.OUT, value=0)
    machine.deepsleep()
