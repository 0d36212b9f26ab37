"""Board files: the contract's constants, an axis mapping that is a signed permutation,
and an IMU driver that comes up on its emulator at the board's address and rate."""

import importlib  # noqa: I001 - fwpath must put firmware/ on the path before boards
import pkgutil

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall.sim.imu_emu import EMULATORS
from tests.unixport import FIRMWARE

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


@pytest.mark.parametrize("name", BOARDS)
def test_board_imu_comes_up_at_its_address_and_rate(name):
    b = board(name)
    options = getattr(b, "IMU_OPTIONS", {})
    emu = EMULATORS[b.IMU](addr=b.IMU_ADDR, **options)
    driver = getattr(importlib.import_module("drivers." + b.IMU), b.IMU.upper())
    imu = driver(emu, addr=b.IMU_ADDR, rate_hz=b.RATE_HZ, **options)
    assert imu.rate_hz == b.RATE_HZ
    assert emu.rate_mhz() == b.RATE_HZ * 1000
