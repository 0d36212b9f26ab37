"""The device's clock as sessions and sync see it: is the RTC's UTC time valid, this boot's id
and uptime. No `machine` here: board.py sets `valid` (BM8563 read at boot, SET_TIME).

A session whose start comes from an unset clock says so (clock_set false in its header) and
carries BOOT_ID and its start in uptime ms; sync's HELLO reply gives both for now, so the host
can re-base the session on its own clock (docs/firmware.md, Clock).

A clock outside usable() (2024-2099: footfall_core.header) counts as unset wherever it is
read, however it got there (an RTC chip read garbage, a port's clock ran wild), so no value
of the clock can make a session's header unwritable.
"""

import os
import time

from footfall_core.header import CLOCK_MAX_S, CLOCK_MIN_S, EPOCH_2000_S

UPTIME_MASK = (1 << 30) - 1  # ticks_ms's period on MicroPython ports
# Unix s = port s + EPOCH_OFFSET_S: the ESP32 port's time functions count from 2000
EPOCH_OFFSET_S = EPOCH_2000_S if time.gmtime(0)[0] == 2000 else 0

# Random per boot (os.urandom is the ESP32's hardware RNG); never 0, which means "unknown".
BOOT_ID = int.from_bytes(os.urandom(2), "big") or 1
valid = False  # the RTC holds UTC known to be right (BM8563 with VL clear, or SET_TIME)


def set_valid(on):
    global valid
    valid = bool(on)


def uptime_ms():
    """ms since boot, modulo 2**30 (time.ticks_ms; CPython, for host tests: wall ms)."""
    ticks = getattr(time, "ticks_ms", None)
    return (ticks() if ticks is not None else int(time.time() * 1000)) & UPTIME_MASK


def usable(unix_s):
    """True for a UTC time the device can keep and write (header.CLOCK_MIN_S..CLOCK_MAX_S)."""
    return CLOCK_MIN_S <= unix_s <= CLOCK_MAX_S


def unix_s():
    """The RTC's time in Unix s (int: CPython's time() is a float)."""
    return int(time.time()) + EPOCH_OFFSET_S


def is_set():
    """The clock holds valid UTC now: set since power-on and inside usable()."""
    return valid and usable(unix_s())


def start_s(ago_s):
    """(Unix s ago_s seconds ago, clock valid) for a session's header. A clock outside
    2000-01-01..CLOCK_MAX_S is read as an unset ESP32 clock would be (2000-01-01 at boot):
    the header can always hold the start, and the host re-bases it by uptime."""
    now = unix_s()
    if not EPOCH_2000_S <= now <= CLOCK_MAX_S:
        now = EPOCH_2000_S + uptime_ms() // 1000
    return now - ago_s, valid and usable(now)
