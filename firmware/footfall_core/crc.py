"""CRC-16/CCITT-FALSE: the one checksum of session records and sync frames."""

from array import array

_POLY = 0x1021


def _table():
    # An array of u16, not a tuple: 512 bytes instead of a word per entry (2 KiB on a
    # 64-bit port), built in place (no list of 256 ints on the way).
    t = array("H", bytes(512))
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ _POLY) if c & 0x8000 else (c << 1)
        t[i] = c & 0xFFFF
    return t


_TABLE = _table()


def _span(buf, start, end, crc):
    t = _TABLE
    for i in range(start, end):
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ buf[i]) & 0xFF]
    return crc


# The viper twin where it loads (MicroPython 1.23 or later with the native emitter), else
# the loop above: the same failures and fall-back as steps.py's front_viper. A 4 KiB block
# costs 0.86 ms in the plain loop on the unix port, about 150 ms on an ESP32 at
# `footfall sim --cpu esp32`'s slow end: longer than the LIS3DH's FIFO lasts at 200 Hz.
try:
    from footfall_core import crc_viper

    crc_viper.TABLE = _TABLE
    _fast = crc_viper.span
    CRC = "viper"
except (ImportError, SyntaxError, TypeError, ValueError):
    _fast = _span
    CRC = "python"


def crc16(buf, start=0, end=-1, crc=0xFFFF):
    """CRC of buf[start:end] (end=-1: to the end); pass crc to continue a running CRC.

    Check value: crc16(b"123456789") == 0x29B1. Allocates nothing.
    """
    if end < 0:
        end = len(buf)
    return _fast(buf, start, end, crc)
