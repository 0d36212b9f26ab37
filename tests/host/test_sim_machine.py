"""The stand-in machine.I2C against the ESP32 port's (ports/esp32/machine_i2c.c)."""

import pytest
from footfall.sim import MPY_DIR

from tests.unixport import run_mpy

pytestmark = pytest.mark.e2e

BUS = """
import _sim
_sim.scenario = {"board": "xiao_esp32s3_lsm6dso"}
_sim.samples = []
import machine
burst = bytearray(256 * 7)  # a full LSM6DSO FIFO: 1795 bytes on the wire, 40 ms at 400 kHz
"""


def run(script: str) -> list[str]:
    out = run_mpy(BUS + script, extra_paths=(str(MPY_DIR), str(MPY_DIR.parent)))
    return out.stdout.decode().splitlines()


def test_i2c_timeout_is_microseconds_and_bounds_a_whole_transfer():
    lines = run(
        """
for timeout in (30000, 50000, 200000):
    bus = machine.I2C(0, scl=machine.Pin(6), sda=machine.Pin(5), freq=400000, timeout=timeout)
    try:
        bus.readfrom_mem_into(0x6A, 0x78, burst)
        print(timeout, "ok")
    except OSError as e:
        print(timeout, "errno", e.args[0])
"""
    )
    assert lines == ["30000 errno 110", "50000 ok", "200000 ok"]  # 110: ETIMEDOUT


def test_i2c_default_timeout_is_the_ports_50_ms_and_shows_in_repr():
    lines = run("print(machine.I2C(0, freq=100000))")
    assert lines == ["I2C(0, freq=100000, timeout=50000)"]


def test_i2c_freq_and_timeout_are_keyword_only_as_on_the_port():
    lines = run(
        """
try:
    machine.I2C(0, machine.Pin(6), machine.Pin(5), 400000)
    print("accepted")
except TypeError:
    print("TypeError")
"""
    )
    assert lines == ["TypeError"]
