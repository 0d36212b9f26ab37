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


def crc16(buf, start=0, end=-1, crc=0xFFFF):
    """CRC of buf[start:end] (end=-1: to the end); pass crc to continue a running CRC.

    Check value: crc16(b"123456789") == 0x29B1. Allocates nothing.
    """
    if end < 0:
        end = len(buf)
    t = _TABLE
    for i in range(start, end):
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ buf[i]) & 0xFF]
    return crc
