"""The two CRC-16s: CRC-16/CCITT-FALSE frames each session record, the header and each sync
frame; CRC-16/CMS is the session CRC, of a whole session file, that LIST and DELETE carry.

Why two: the header and every record end in their own CCITT CRC, and a CRC run over a
message followed by its own CRC (same polynomial) lands on a value that no longer depends
on the message. So a CCITT CRC of a whole session file depends only on its record lengths:
two sessions with the same step counts and record pattern share it, whatever their header,
steps or times. The session CRC uses another polynomial (0x8005, x + 1 a factor: every odd
number of flipped bits is found), so every byte of the file counts.
"""

from array import array

_POLY = 0x1021  # CRC-16/CCITT-FALSE: init 0xFFFF, check crc16(b"123456789") == 0x29B1
_SESSION_POLY = 0x8005  # CRC-16/CMS: init 0xFFFF, check session_crc(b"123456789") == 0xAEE7


def _table(poly):
    # An array of u16, not a tuple: 512 bytes instead of a word per entry (2 KiB on a
    # 64-bit port), built in place (no list of 256 ints on the way).
    t = array("H", bytes(512))
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ poly) if c & 0x8000 else (c << 1)
        t[i] = c & 0xFFFF
    return t


_TABLE = _table(_POLY)
_SESSION_TABLE = _table(_SESSION_POLY)


def _span_with(t, buf, start, end, crc):
    for i in range(start, end):
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ buf[i]) & 0xFF]
    return crc


def _span(buf, start, end, crc):
    return _span_with(_TABLE, buf, start, end, crc)


def _session_span(buf, start, end, crc):
    return _span_with(_SESSION_TABLE, buf, start, end, crc)


# The viper twins where they load (MicroPython 1.23 or later with the native emitter), else
# the loops above: the same failures and fall-back as steps.py's front_viper. A 4 KiB block
# costs 0.86 ms in the plain loop on the unix port, about 150 ms on an ESP32 at
# `footfall sim --cpu esp32`'s slow end: longer than the LIS3DH's FIFO lasts at 200 Hz.
try:
    from footfall_core import crc_viper

    crc_viper.TABLE = _TABLE
    crc_viper.SESSION_TABLE = _SESSION_TABLE
    _fast = crc_viper.span
    _session_fast = crc_viper.session_span
    CRC = "viper"
except (AttributeError, ImportError, SyntaxError, TypeError, ValueError):
    _fast = _span
    _session_fast = _session_span
    CRC = "python"


def crc16(buf, start=0, end=-1, crc=0xFFFF):
    """CCITT CRC of buf[start:end] (end=-1: to the end); pass crc to continue a running CRC.

    Check value: crc16(b"123456789") == 0x29B1. Allocates nothing.
    """
    if end < 0:
        end = len(buf)
    return _fast(buf, start, end, crc)


def session_crc(buf, start=0, end=-1, crc=0xFFFF):
    """The session CRC (CRC-16/CMS) of buf[start:end]; pass crc to continue a running one.

    Check value: session_crc(b"123456789") == 0xAEE7. Allocates nothing.
    """
    if end < 0:
        end = len(buf)
    return _session_fast(buf, start, end, crc)
