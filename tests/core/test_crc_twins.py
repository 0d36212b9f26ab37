"""The viper CRC-16 loops give the plain loops' values for every input, in the unix port,
and a port that cannot load them falls back to the plain loops."""

import random
import shutil
from pathlib import Path

import pytest
from footfall_core.crc import crc16, session_crc

from tests.conftest import MPY_SCRIPTS
from tests.unixport import FIRMWARE, run_mpy, run_mpy_file


@pytest.mark.e2e
def test_the_viper_loop_equals_the_plain_one_on_bytes_bytearrays_and_memoryviews() -> None:
    out = run_mpy_file(MPY_SCRIPTS / "crc_twins.py").stdout.decode().split()
    assert out == ["viper", "0", str(0x29B1), str(0xAEE7)]


@pytest.mark.e2e
def test_the_unix_port_and_cpython_agree_on_random_blocks() -> None:
    rng = random.Random(3)
    blocks = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 5000))) for _ in range(5)]
    got = run_mpy_file(MPY_SCRIPTS / "crc_of_blocks.py", stdin=repr(blocks).encode())
    got = got.stdout.decode().split()
    want = [(crc16(b, 1, len(b), 0x1D0F), session_crc(b, 1, len(b), 0x1D0F)) for b in blocks]
    assert got == [str(v) for pair in want for v in pair]


@pytest.mark.e2e
def test_a_port_without_the_viper_loop_uses_the_plain_one(tmp_path: Path) -> None:
    shutil.copytree(FIRMWARE / "footfall_core", tmp_path / "footfall_core")
    (tmp_path / "footfall_core" / "crc_viper.py").write_text(
        "import micropython\n@micropython.viper_off\ndef span(a, b, c, d):\n    pass\n"
    )  # a port built without the native emitter refuses the decorator: SyntaxError
    script = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n" + (
        "from footfall_core import crc\n"
        "print(crc.CRC, crc.crc16(b'123456789'), crc.session_crc(b'123456789'))\n"
    )
    assert run_mpy(script).stdout.decode().split() == ["python", str(0x29B1), str(0xAEE7)]


def bitwise(data: bytes, poly: int) -> int:
    """An MSB-first CRC-16 with init 0xFFFF, a bit at a time: the definition, not a table."""
    c = 0xFFFF
    for byte in data:
        c ^= byte << 8
        for _ in range(8):
            c = ((c << 1) ^ poly) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def test_both_crcs_match_their_bitwise_definitions() -> None:
    rng = random.Random(5)
    for _ in range(20):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
        assert crc16(data) == bitwise(data, 0x1021)
        assert session_crc(data) == bitwise(data, 0x8005)
