"""Virtual board serving sync (`footfall sim --serve serial`): paced clock and a stop line.

The host runs the unix port with a pty as its stdin and stdout, as a board's USB serial
console is, so the firmware's own usb_link serves it unchanged. Two things differ from a
plain replay, both installed here by simboot when the scenario has "serve":

- The clock is paced: a wait of dt virtual ms really waits dt / speed ms (and skips the
  rest). Speed 0 skips every wait (the plain replay's "as fast as it computes", on the
  plain replay's clock: time.replay) while the recording plays; once the recording has run
  out the board waits in real time and its processing counts again, so the link's
  timeouts and a host's requests meet a board that behaves like a real one.
- The scenario's tail is unbounded (the host sets tail_ms), and the board powers off when
  the host writes to, or closes, the control pipe whose fd the scenario names.
"""

import select
import time

import _sim

_speed = 0
_control = None
_advance = time.advance
_owed_ms = 0.0  # real waiting due but not yet done: the waits are often under a ms at speed
# The real wait: the stand-in `bluetooth` replaces it with one that an incoming radio
# event ends early, as an interrupt wakes the board.
real_wait_ms = time._real_sleep_ms
PAIR_AFTER_MS = 2500  # after the recording: the stop press (at 1 s) has closed the session
PAIR_HOLD_MS = 2500  # longer than footfall_fw.buttons.LONG_MS
_paired = False


def _paced_advance(ms):
    global _owed_ms, _speed
    if _sim.end_ms is not None and _speed != 1:
        _speed = 1  # the recording has played: real time from here, on the clock too
        time.replay(False)
    speed = _speed
    if speed > 0 and ms > 0:
        _owed_ms += ms / speed
        if _owed_ms >= 1:
            t0 = time._real_ticks_ms()
            real_wait_ms(int(_owed_ms))
            waited = time.ticks_diff(time._real_ticks_ms(), t0)
            _owed_ms -= waited
            ms -= waited  # really waited: already on the clock
    _advance(ms if ms > 0 else 0)


def _check_control():
    if _control is not None and _control.poll(0):
        _sim.power_off("stopped by host")


def _check_pair():
    global _paired
    if _paired or _sim.end_ms is None or _sim.sensor_ms() < _sim.end_ms + PAIR_AFTER_MS:
        return
    _paired = True
    board = _sim.scenario["board"]
    pin = getattr(__import__("boards." + board), board).BUTTON_B
    _sim.scenario.setdefault("presses", []).append((pin, _sim.sensor_ms(), PAIR_HOLD_MS))


def install(scenario):
    """Pace the clock at scenario["speed"] and watch scenario["control_fd"]."""
    global _speed, _control
    _speed = scenario.get("speed", 0)
    time.advance = _paced_advance
    fd = scenario.get("control_fd")
    if fd is not None:
        _control = select.poll()
        _control.register(open(fd, "rb"), select.POLLIN)
        time.hooks.append(_check_control)
    if scenario.get("pair"):
        time.hooks.append(_check_pair)
