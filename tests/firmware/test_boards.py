"""Board files: the contract's constants, an axis mapping that is a signed permutation,
and an IMU driver that comes up on its emulator at the board's address and rate."""

import importlib  # noqa: I001 - fwpath must put firmware/ on the path before boards
import pkgutil

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall.sim import MPY_DIR
from tests.unixport import FIRMWARE, run_mpy

BOARDS = sorted(m.name for m in pkgutil.iter_modules([str(FIRMWARE / "boards")]))
REQUIRED = ["NAME", "IMU", "I2C_ID", "SDA", "SCL", "I2C_HZ", "IMU_ADDR", "BUZZER_PIN"]
REQUIRED += ["MOTOR_PIN", "HOLD_PIN", "BUTTON_A", "BUTTON_B", "BATTERY_ADC", "AXES"]
REQUIRED += ["FS_BYTES", "RATE_HZ"]


def board(name: str):
    return importlib.import_module("boards." + name)


def test_the_three_builds_have_board_files():
    assert {"esp32_lis3dh", "m5stickc_plus2", "xiao_esp32s3_lsm6dso"} <= set(BOARDS)


@pytest.mark.parametrize("name", BOARDS)
def test_board_defines_every_contract_constant(name):
    b = board(name)
    missing = [c for c in REQUIRED if not hasattr(b, c)]
    assert missing == []
    assert b.NAME == name
    assert b.I2C_HZ == 400_000


@pytest.mark.parametrize("name", BOARDS)
def test_axes_map_each_body_axis_to_a_distinct_sensor_axis_with_a_sign(name):
    axes = board(name).AXES
    assert sorted(src for src, _ in axes) == [0, 1, 2]
    assert all(sign in (1, -1) for _, sign in axes)


# Builds the board's parts with footfall_fw.board.Hardware on the stand-in machine, as the
# firmware does at boot: the driver gets the board's IMU_OPTIONS only if board.py passes them.
HARDWARE = """
import sys
sys.path[:0] = {first!r}
import _sim
_sim.scenario = {{"board": {name!r}}}
_sim.samples = []
from footfall_fw import board
b = board.load_board({name!r})
hw = board.Hardware({name!r}, {rate})
emu = _sim._emu
print(hw.imu.rate_hz, hw.imu.rate_mhz, emu.rate_mhz())
print(hw.imu.CHIP, emu.CHIP, getattr(hw.imu, "full_scale_g", 16))
print(hw.imu._i2c.timeout_us)
"""


def hardware(name: str, rate_hz: int, first: tuple[str, ...] = ()) -> list[str]:
    """What HARDWARE prints; `first`: folders searched before firmware/ (a board file)."""
    script = HARDWARE.format(name=name, rate=rate_hz, first=list(first))
    out = run_mpy(script, extra_paths=(str(MPY_DIR), str(MPY_DIR.parent)))
    return out.stdout.decode().splitlines()


@pytest.mark.e2e
@pytest.mark.parametrize("name", BOARDS)
def test_board_imu_comes_up_through_hardware_at_its_address_and_rate(name):
    b = board(name)
    rate_hz, rate_mhz, emu_mhz = map(int, hardware(name, b.RATE_HZ)[0].split())
    assert rate_hz == b.RATE_HZ
    assert rate_mhz == emu_mhz  # the chip runs at the rate the driver reports


@pytest.mark.e2e
@pytest.mark.parametrize("name", [n for n in BOARDS if board(n).IMU == "lsm6dso"])
def test_board_imu_options_reach_the_driver(name, tmp_path):
    """A board whose file asks for the LSM6DSO32 gets a driver for the LSM6DSO32."""
    b = board(name)
    text = (FIRMWARE / "boards" / f"{name}.py").read_text()
    variant = text.replace('"variant": "LSM6DSO"', '"variant": "LSM6DSO32"')
    assert variant != text
    boards = tmp_path / "boards"
    boards.mkdir()
    (boards / f"{name}.py").write_text(variant)
    assert hardware(name, b.RATE_HZ, (str(tmp_path),))[1] == "LSM6DSO32 LSM6DSO32 16"


@pytest.mark.e2e
@pytest.mark.parametrize("name", BOARDS)
def test_board_passes_an_explicit_i2c_timeout_with_margin(name):
    timeout_us = int(hardware(name, board(name).RATE_HZ)[2])
    burst_us = (256 * 7 + 3) * 9 * 1_000_000 // board(name).I2C_HZ  # a full LSM6DSO FIFO
    assert timeout_us >= 4 * burst_us


@pytest.mark.e2e
@pytest.mark.parametrize("name", BOARDS)
@pytest.mark.parametrize("rate_hz", [25, 100, 250, 400])
def test_every_board_boots_its_imu_at_any_config_rate(name, rate_hz):
    got, rate_mhz, emu_mhz = map(int, hardware(name, rate_hz)[0].split())
    assert 25 <= got <= 400 and rate_mhz == emu_mhz
