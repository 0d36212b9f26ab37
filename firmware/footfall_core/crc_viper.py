"""The CRC-16 inner loop compiled by viper: about ten times the plain loop's speed on the
device, so a session block's CRC (4 KiB) stays far inside the smallest IMU FIFO.

MicroPython only; `crc.py` loads it where it can and falls back to its plain twin, which
gives the same value for every input (tests/core/test_crc_twins.py).
"""

from array import array

import micropython

TABLE = array("H")  # crc.py hands over its table (array of u16) before the first call


@micropython.viper
def span(buf, start: int, end: int, crc: int) -> int:
    """Continue crc over buf[start:end] (a bytes-like object: bytes, bytearray, memoryview)."""
    b = ptr8(buf)  # noqa: F821 - viper's built-in pointer casts
    t = ptr16(TABLE)  # noqa: F821
    i = start
    while i < end:
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ b[i]) & 0xFF]
        i += 1
    return crc
