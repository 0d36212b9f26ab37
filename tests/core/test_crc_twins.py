"""The viper CRC-16 loop gives the plain loop's value for every input, in the unix port,
and a port that cannot load it falls back to the plain loop."""

import random
import shutil
from pathlib import Path

from footfall_core.crc import crc16

from tests.unixport import FIRMWARE, run_mpy

TWINS = """
import random
from footfall_core import crc
random.seed(7)
bad = 0
for k in range(300):
    n = random.getrandbits(10) + 1
    data = bytearray(random.getrandbits(8) for _ in range(n))
    a = random.getrandbits(9) % n
    b = a + random.getrandbits(9) % (n - a + 1)
    seed = random.getrandbits(16)
    for buf in (data, bytes(data), memoryview(data)):
        if crc._fast(buf, a, b, seed) != crc._span(buf, a, b, seed):
            bad += 1
print(crc.CRC, bad, crc.crc16(b"123456789"))
"""


def test_the_viper_loop_equals_the_plain_one_on_bytes_bytearrays_and_memoryviews() -> None:
    out = run_mpy(TWINS).stdout.decode().split()
    assert out == ["viper", "0", str(0x29B1)]


def test_the_unix_port_and_cpython_agree_on_random_blocks() -> None:
    rng = random.Random(3)
    blocks = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 5000))) for _ in range(5)]
    script = "from footfall_core.crc import crc16\n" + "".join(
        f"print(crc16({b!r}, 1, {len(b)}, 0x1D0F))\n" for b in blocks
    )
    got = run_mpy(script).stdout.decode().split()
    assert got == [str(crc16(b, 1, len(b), 0x1D0F)) for b in blocks]


def test_a_port_without_the_viper_loop_uses_the_plain_one(tmp_path: Path) -> None:
    shutil.copytree(FIRMWARE / "footfall_core", tmp_path / "footfall_core")
    (tmp_path / "footfall_core" / "crc_viper.py").write_text(
        "import micropython\n@micropython.viper_off\ndef span(a, b, c, d):\n    pass\n"
    )  # a port built without the native emitter refuses the decorator: SyntaxError
    script = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n" + (
        "from footfall_core import crc\nprint(crc.CRC, crc.crc16(b'123456789'))\n"
    )
    assert run_mpy(script).stdout.decode().split() == ["python", str(0x29B1)]
