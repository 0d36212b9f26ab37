"""Sync protocol messages (payload layouts) and the device-side, transport-agnostic SyncServer.

Frames are defined in frames.py. A reply has its request's type | REPLY and its sequence
number; every failure is an ERROR frame. Integers are little-endian. A request shorter than
its fields, or with a field outside its range below, gets an ERROR frame (ERR_BAD_PAYLOAD
unless another code is named) and changes nothing; bytes after a request's fields are
ignored (room for fields a later protocol appends). Payloads:

    HELLO      request: empty. reply: protocol u8, firmware major/minor/patch u8 x3,
               capabilities u16 (CAP_*), max_payload u16, device id (6 bytes); then (since
               protocol 2, appended so protocol 1 hosts read on) boot_id u16, uptime_ms u32
               (modulo 2**30), clock u8 (bit 0: the clock holds valid UTC): the host re-bases
               a clock_set false session of the same boot_id from these (footfall.sync)
    INFO       request: empty. reply: battery_mv u16, battery_pct u8 (255: unknown),
               state u8, free_bytes u32, total_bytes u32, sessions u16, rx_frames u32,
               rx_errors u32, fifo_overflows u32, then the config as JSON
    LIST       request: first index u16. reply: total u16, first u16, then entries of
               LIST_ENTRY bytes: id u32, start_s u32 (Unix time), duration_s u32, steps u32,
               size u32, crc u16 (the session CRC: crc.session_crc of the whole file, since
               protocol 3; a protocol 2 device sends crc.crc16 of it, which depends only on
               the file's record lengths)
    GET        request: id u32 (a listed session, else ERR_NO_SESSION), offset u32 (at most
               the session's size), window u8 (chunks in flight, 1..255; the device may
               allow fewer), chunk u16 (bytes; 0, or more than fit: as large as fits).
               reply: DATA frames, numbered by their sequence number (0, 1, ... mod 256
               from the GET), payload offset u32 + bytes; an empty DATA at offset == size
               ends the file. Resume any time with a new GET.
    ACK        request: id u32, offset u32 (every byte below it arrived). No reply; opens
               the window for more DATA. An ACK for another session or at or below the
               last is stale and ignored; one past the bytes sent gets ERR_BAD_PAYLOAD.
    DELETE     request: id u32 (a listed session, else ERR_NO_SESSION), crc u16. Refused
               (ERR_CRC_MISMATCH) unless the CRC matches, so only a host holding an exact
               copy can delete. reply: empty
    SYNCED     request: id u32 (a listed session, else ERR_NO_SESSION), crc u16, as DELETE
               (since protocol 4): the host has stored an exact copy and keeps it on the
               device. Refused (ERR_CRC_MISMATCH) unless the CRC matches. The device marks
               the session synced, so it may delete it to make room for a new session.
               reply: empty
    GET_CONFIG request: empty. reply: config JSON object
    SET_CONFIG request: JSON object of changes (not JSON, or not an object: ERR_BAD_PAYLOAD).
               reply: the whole new config; an unknown key or a value outside the config's
               own rules (footfall_fw/config.py) gets ERR_BAD_CONFIG with the reason, and
               nothing is saved
    SET_TIME   request: unix_s u32, from header.CLOCK_MIN_S to CLOCK_MAX_S (2024-01-01 to
               2099-12-31 UTC). reply: empty
    LIVE       request: on u8, 0 or 1. reply: empty
    BYE        request: empty. reply: empty; the device leaves sync mode (USB serial: back to
               the REPL's text stream, Ctrl-C enabled again)
    ERROR      code u8, request type u8 (0: unknown), reason (UTF-8 text). An error about
               a frame that could not be read has sequence number 0, except ERR_TOO_LONG,
               which carries the oversize header's type and number, so its sender learns
               at once why its request is not answered
"""

import json

from footfall_core import frames
from footfall_core.frames import FrameError
from footfall_core.sync_defs import (  # noqa: F401 - defined there, part of the protocol
    CAP_BLE,
    CAP_LIVE,
    CAP_RSC,
    CAP_SERIAL,
    SERIAL_ENTER,
)

PROTOCOL_VERSION = 4  # 3: LIST and DELETE carry the session CRC; 4: SYNCED
REPLY = 0x80
HELLO = 0x01
INFO = 0x02
LIST = 0x03
GET = 0x04
ACK = 0x05
DELETE = 0x06
GET_CONFIG = 0x07
SET_CONFIG = 0x08
SET_TIME = 0x09
LIVE = 0x0A
BYE = 0x0B
SYNCED = 0x0C
DATA = GET | REPLY
ERROR = 0xFF

ERR_BAD_HEADER = frames.ERR_BAD_HEADER
ERR_BAD_CRC = frames.ERR_BAD_CRC
ERR_TOO_LONG = frames.ERR_TOO_LONG
ERR_TRUNCATED = frames.ERR_TRUNCATED
ERR_UNKNOWN_TYPE = 3
ERR_BAD_PAYLOAD = 4
ERR_NO_SESSION = 5
ERR_CRC_MISMATCH = 6
ERR_BAD_CONFIG = 7
ERR_STORAGE = 8
ERR_DEVICE = 11  # the device failed while handling the request (a bug or out of memory)

HELLO_SIZE = 14  # the protocol 1 reply: version, firmware, capabilities, max_payload, id
HELLO_CLOCK = 7  # the clock fields appended in protocol 2
INFO_SIZE = 26
LIST_ENTRY = 22
DATA_HEADER = 4
GET_SIZE = 11  # id u32, offset u32, window u8, chunk u16
ACK_SIZE = 8  # id u32, offset u32
DELETE_SIZE = 6  # id u32, crc u16


def put_u16_le(buf, off, v):
    buf[off] = v & 0xFF
    buf[off + 1] = (v >> 8) & 0xFF


def put_u32_le(buf, off, v):
    for i in range(4):
        buf[off + i] = (v >> (8 * i)) & 0xFF


def get_u16_le(buf, off):
    return buf[off] | (buf[off + 1] << 8)


def get_u32_le(buf, off):
    return buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)


def need(n, size, what):
    """Raise FrameError unless a payload of n bytes holds at least size bytes."""
    if n < size:
        raise FrameError(f"{what} payload is {n} bytes, needs {size}")


def pack_hello(buf, off, device_id, fw_version, capabilities, max_payload, clock=None):
    """clock: (boot_id, uptime_ms, clock_set), or None to send the protocol 1 reply."""
    buf[off] = PROTOCOL_VERSION
    for i in range(3):
        buf[off + 1 + i] = fw_version[i]
    put_u16_le(buf, off + 4, capabilities)
    put_u16_le(buf, off + 6, max_payload)
    for i in range(6):
        buf[off + 8 + i] = device_id[i]
    if clock is None:
        return HELLO_SIZE
    put_u16_le(buf, off + 14, clock[0])
    put_u32_le(buf, off + 16, clock[1])
    buf[off + 20] = 1 if clock[2] else 0
    return HELLO_SIZE + HELLO_CLOCK


def unpack_hello(buf, off, n):
    """-> (protocol, device_id bytes, (major, minor, patch), capabilities, max_payload)."""
    need(n, HELLO_SIZE, "HELLO")
    fw = (buf[off + 1], buf[off + 2], buf[off + 3])
    dev = bytes(buf[off + 8 : off + 14])
    return buf[off], dev, fw, get_u16_le(buf, off + 4), get_u16_le(buf, off + 6)


def unpack_hello_clock(buf, off, n):
    """-> (boot_id, uptime_ms, clock_set) from a HELLO reply, or None from a protocol 1
    device (no clock fields)."""
    if n < HELLO_SIZE + HELLO_CLOCK:
        return None
    return get_u16_le(buf, off + 14), get_u32_le(buf, off + 16), bool(buf[off + 20] & 1)


def pack_info(buf, off, status, store, rx_frames, rx_errors, config_json):
    battery_mv, battery_pct, state, overflows = status
    put_u16_le(buf, off, battery_mv)
    buf[off + 2] = battery_pct
    buf[off + 3] = state
    put_u32_le(buf, off + 4, store.free_bytes())
    put_u32_le(buf, off + 8, store.total_bytes())
    put_u16_le(buf, off + 12, len(store.sessions()))
    put_u32_le(buf, off + 14, rx_frames)
    put_u32_le(buf, off + 18, rx_errors)
    put_u32_le(buf, off + 22, overflows)
    k = len(config_json)
    buf[off + INFO_SIZE : off + INFO_SIZE + k] = config_json
    return INFO_SIZE + k


def unpack_info(buf, off, n):
    """-> (battery_mv, battery_pct, state, free_bytes, total_bytes, sessions, rx_frames,
    rx_errors, fifo_overflows, config dict)."""
    need(n, INFO_SIZE, "INFO")
    head = (get_u16_le(buf, off), buf[off + 2], buf[off + 3])
    nums = tuple(get_u32_le(buf, off + i) for i in (4, 8))
    counts = tuple(get_u32_le(buf, off + i) for i in (14, 18, 22))
    cfg = decode_config(buf, off + INFO_SIZE, n - INFO_SIZE)
    return head + nums + (get_u16_le(buf, off + 12),) + counts + (cfg,)


def pack_list_entry(buf, off, sid, info):
    start_s, duration_s, steps, size, crc = info
    put_u32_le(buf, off, sid)
    put_u32_le(buf, off + 4, start_s)
    put_u32_le(buf, off + 8, duration_s)
    put_u32_le(buf, off + 12, steps)
    put_u32_le(buf, off + 16, size)
    put_u16_le(buf, off + 20, crc)


def unpack_list(buf, off, n):
    """-> (total, first, [(id, start_s, duration_s, steps, size, crc), ...])."""
    need(n, 4, "LIST")
    if (n - 4) % LIST_ENTRY:
        raise FrameError(f"LIST payload of {n} bytes is not whole entries")
    out = []
    for p in range(off + 4, off + n, LIST_ENTRY):
        vals = tuple(get_u32_le(buf, p + 4 * i) for i in range(5))
        out.append(vals + (get_u16_le(buf, p + 20),))
    return get_u16_le(buf, off), get_u16_le(buf, off + 2), out


def pack_u32s(buf, off, *values):
    """Requests of u32 fields (GET head, ACK, SET_TIME); returns the bytes written."""
    for i, v in enumerate(values):
        put_u32_le(buf, off + 4 * i, v)
    return 4 * len(values)


def unpack_u32s(buf, off, n, count, what):
    need(n, 4 * count, what)
    return tuple(get_u32_le(buf, off + 4 * i) for i in range(count))


def request_get(sid, offset, window=8, chunk=0):
    b = bytearray(GET_SIZE)
    pack_u32s(b, 0, sid, offset)
    b[8] = window
    put_u16_le(b, 9, chunk)
    return bytes(b)


def request_delete(sid, crc):
    """DELETE's payload; SYNCED has the same."""
    b = bytearray(DELETE_SIZE)
    put_u32_le(b, 0, sid)
    put_u16_le(b, 4, crc)
    return bytes(b)


def request_ack(sid, offset):
    b = bytearray(ACK_SIZE)
    pack_u32s(b, 0, sid, offset)
    return bytes(b)


def request_u32s(*values):
    b = bytearray(4 * len(values))
    pack_u32s(b, 0, *values)
    return bytes(b)


def decode_config(buf, off, n):
    """A config JSON object -> dict; FrameError when it is not one."""
    try:
        cfg = json.loads(bytes(buf[off : off + n]).decode("utf-8"))
    except ValueError as e:  # UnicodeError and JSON errors are ValueErrors on both ports
        raise FrameError(f"config is not JSON: {e}") from None
    if not isinstance(cfg, dict):
        raise FrameError("config is not a JSON object")
    return cfg


def unpack_error(buf, off, n):
    """-> (code, request type, reason text)."""
    need(n, 2, "ERROR")
    reason = bytes(buf[off + 2 : off + n]).decode("utf-8", "replace")
    return buf[off], buf[off + 1], reason
