"""The device's clock as sessions and sync see it: is the RTC's UTC time valid, this boot's id
and uptime. No `machine` here: board.py sets `valid` (BM8563 read at boot, SET_TIME).

A session whose start comes from an unset clock says so (clock_set false in its header) and
carries BOOT_ID and its start in uptime ms; sync's HELLO reply gives both for now, so the host
can re-base the session on its own clock (docs/firmware.md, Clock).
"""

import os
import time

UPTIME_MASK = (1 << 30) - 1  # ticks_ms's period on MicroPython ports

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
