"""The CRC-16 inner loops compiled by viper: about ten times the plain loop's speed on the
device, so a session block's CRC (4 KiB) stays far inside the smallest IMU FIFO.

MicroPython only; `crc.py` loads it where it can and falls back to its plain twins, which
give the same values for every input (tests/core/test_crc_twins.py).
"""

from array import array

import micropython

TABLE = array("H")  # crc.py hands over its tables (arrays of u16) before the first call
SESSION_TABLE = array("H")


@micropython.viper
def span(buf, start: int, end: int, crc: int) -> int:
    """Continue the CCITT crc over buf[start:end] (bytes, bytearray or memoryview)."""
    b = ptr8(buf)  # noqa: F821 - viper's built-in pointer casts
    t = ptr16(TABLE)  # noqa: F821
    i = start
    while i < end:
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ b[i]) & 0xFF]
        i += 1
    return crc


@micropython.viper
def session_span(buf, start: int, end: int, crc: int) -> int:
    """Continue the session crc (CRC-16/CMS) over buf[start:end]."""
    b = ptr8(buf)  # noqa: F821
    t = ptr16(SESSION_TABLE)  # noqa: F821
    i = start
    while i < end:
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ b[i]) & 0xFF]
        i += 1
    return crc
