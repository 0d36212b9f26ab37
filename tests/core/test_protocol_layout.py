"""The sync payloads' named sizes and the byte order in the helpers' names."""

import pytest
from footfall_core import header
from footfall_core import protocol as P
from footfall_core.frames import FrameError

from tests.mpy.sync_rig import Rig
from tests.unixport import run_mpy

DEVICE_ID = bytes.fromhex("246f281a2b3c")


def _hello(clock=None) -> bytes:
    buf = bytearray(64)
    n = P.pack_hello(buf, 0, DEVICE_ID, (1, 2, 3), P.CAP_SERIAL, 236, clock)
    return bytes(buf[:n])


def test_a_protocol_1_hello_reply_is_hello_size_bytes_and_ends_with_the_device_id() -> None:
    reply = _hello()
    assert len(reply) == P.HELLO_SIZE
    assert reply[-len(DEVICE_ID) :] == DEVICE_ID
    assert P.unpack_hello(reply, 0, len(reply))[1] == DEVICE_ID


def test_a_hello_reply_one_byte_short_of_hello_size_is_refused() -> None:
    reply = _hello()
    with pytest.raises(FrameError):
        P.unpack_hello(reply, 0, P.HELLO_SIZE - 1)


def test_the_clock_fields_follow_hello_size() -> None:
    reply = _hello((7, 1234, True))
    assert len(reply) == P.HELLO_SIZE + P.HELLO_CLOCK
    assert P.unpack_hello_clock(reply, 0, len(reply)) == (7, 1234, True)
    assert P.unpack_hello_clock(reply, 0, P.HELLO_SIZE + P.HELLO_CLOCK - 1) is None


@pytest.mark.parametrize(
    ("ftype", "size", "build"),
    [
        (P.GET, P.GET_SIZE, lambda: P.request_get(1, 0, 1, 0)),
        (P.ACK, P.ACK_SIZE, lambda: P.request_ack(1, 0)),
        (P.DELETE, P.DELETE_SIZE, lambda: P.request_delete(1, 0)),
    ],
)
def test_the_host_builds_each_request_at_its_named_size(ftype, size, build) -> None:
    assert len(build()) == size


@pytest.mark.parametrize(
    ("name", "size"), [("GET", P.GET_SIZE), ("ACK", P.ACK_SIZE), ("DELETE", P.DELETE_SIZE)]
)
def test_the_device_refuses_a_request_one_byte_short_of_its_named_size(name, size) -> None:
    ((ftype, _, payload),) = Rig().ask(getattr(P, name), 3, bytes(size - 1))
    assert ftype == P.ERROR
    assert P.unpack_error(payload, 0, len(payload))[:2] == (P.ERR_BAD_PAYLOAD, getattr(P, name))


BYTE_ORDER = """
from footfall_core import header
from footfall_core import protocol as P
b = bytearray(4)
out = []
header.put_u16_be(b, 0, 0x1234)
out.append(bytes(b[:2]).hex())
out.append(header.get_u16_be(b, 0))
P.put_u16_le(b, 0, 0x1234)
out.append(bytes(b[:2]).hex())
out.append(P.get_u16_le(b, 0))
header.put_u30_be(b, 0, 0x01020304)
out.append(bytes(b).hex())
P.put_u32_le(b, 0, 0x01020304)
out.append(bytes(b).hex())
out.append(P.get_u32_le(b, 0))
"""
WANT = ["1234", 0x1234, "3412", 0x1234, "01020304", "04030201", 0x01020304]


def test_the_session_file_helpers_are_big_endian_and_the_protocols_little_endian() -> None:
    namespace: dict = {}
    exec(BYTE_ORDER, namespace)
    assert namespace["out"] == WANT
    assert header.get_u30_be(bytes.fromhex("01020304"), 0) == 0x01020304


@pytest.mark.e2e
def test_the_byte_order_helpers_agree_in_the_unix_port() -> None:
    out = run_mpy(BYTE_ORDER + "print(repr(out))\n").stdout.decode().strip().splitlines()[-1]
    assert eval(out) == WANT  # our own printed list
