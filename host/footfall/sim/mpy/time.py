"""Virtual-board stand-in for `time`: the real clock plus the time the board skipped waiting.

asyncio (frozen in the unix port) takes `ticks_ms` from `time` and waits in
`select.poll().ipoll(dt)`. Its C task queue still stamps newly runnable tasks with the
real `mp_hal_ticks_ms()`. So virtual time is defined as real ticks + skipped ms: every wait
(`ipoll` in the stand-in `select`, `sleep_ms` here) adds its duration to `skipped` instead
of waiting, which keeps the C queue's real stamps at or before virtual "now" (runnable at
once, as intended) and makes a 10-minute run take as long as the computation does.
"""

import sys

_path = sys.path
sys.path = []
try:
    from time import *  # noqa: F403 - the built-in time module, extended below
    from time import sleep_ms as _real_sleep_ms  # noqa: F401
    from time import ticks_add, ticks_diff
    from time import ticks_ms as _real_ticks_ms
    from time import ticks_us as _real_ticks_us
finally:
    sys.path = _path
del _path

_skipped_ms = 0
# Called with no arguments after every wait (the virtual board checks its scripts here).
hooks = []
# Seconds since the epoch (2000-01-01 on MicroPython) at virtual tick 0; set by the RTC.
_epoch_s = 0
_start_ms = _real_ticks_ms()


def advance(ms):
    """Let `ms` of virtual time pass at once (the sim's replacement for waiting)."""
    global _skipped_ms
    if ms > 0:
        _skipped_ms += ms
    for hook in hooks:
        hook()


def elapsed_ms():
    """Virtual ms since this module was imported (the board's uptime)."""
    return ticks_diff(ticks_ms(), _start_ms)


def ticks_ms():
    return ticks_add(_real_ticks_ms(), _skipped_ms)


def ticks_us():
    return ticks_add(_real_ticks_us(), _skipped_ms * 1000)


def ticks_cpu():
    return ticks_us()


def sleep_ms(ms):
    advance(ms)


def sleep_us(us):
    advance(us // 1000)


def sleep(s):
    advance(int(s * 1000))


def time():
    return _epoch_s + elapsed_ms() // 1000


def time_ns():
    return (_epoch_s * 1000 + elapsed_ms()) * 1000000


def set_epoch(seconds):
    """Set the wall clock (the stand-in RTC calls this)."""
    global _epoch_s
    _epoch_s = seconds - elapsed_ms() // 1000


def localtime(secs=None):
    return gmtime(time() if secs is None else secs)  # noqa: F405
