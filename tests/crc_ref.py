"""The session CRC (CRC-16/CMS: poly 0x8005, init 0xFFFF, MSB first, no final XOR) written
from its definition, not from footfall's code: the tests' independent reference, as
binascii.crc_hqx is for the CCITT CRC of records and frames."""


def _bitwise_byte(c: int) -> int:
    for _ in range(8):
        c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


_TABLE = [_bitwise_byte(i << 8) for i in range(256)]


def session_crc_ref(data: bytes, crc: int = 0xFFFF) -> int:
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


assert session_crc_ref(b"123456789") == 0xAEE7  # the catalogue's check value
