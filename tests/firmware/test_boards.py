"""Board files: the contract's constants, an axis mapping that is a signed permutation,
and an IMU driver that comes up on its emulator at the board's address and rate."""

import ast  # noqa: I001 - fwpath must put firmware/ on the path before boards
import importlib
import pkgutil

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall.sim import MPY_DIR
from tests.conftest import MPY_SCRIPTS
from tests.unixport import FIRMWARE, run_mpy_file

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


def hardware(name: str, rate_hz: int, first: tuple[str, ...] = ()) -> dict:
    """The board's IMU driver and chip emulator, built by footfall_fw.board.Hardware in the
    unix port (tests/mpy/board_hardware.py); `first`: folders searched before firmware/."""
    stdin = repr((name, rate_hz, list(first))).encode()
    paths = (str(MPY_DIR), str(MPY_DIR.parent))
    out = run_mpy_file(MPY_SCRIPTS / "board_hardware.py", stdin=stdin, paths=paths)
    return ast.literal_eval(out.stdout.decode().strip().splitlines()[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("name", BOARDS)
def test_board_imu_comes_up_through_hardware_at_its_address_and_rate(name):
    b = board(name)
    hw = hardware(name, b.RATE_HZ)
    assert hw["rate_hz"] == b.RATE_HZ
    assert hw["rate_mhz"] == hw["emu_rate_mhz"]  # the chip runs at the rate the driver reports


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
    hw = hardware(name, b.RATE_HZ, (str(tmp_path),))
    assert (hw["chip"], hw["emu_chip"], hw["full_scale_g"]) == ("LSM6DSO32", "LSM6DSO32", 16)


@pytest.mark.e2e
@pytest.mark.parametrize("name", BOARDS)
def test_board_passes_an_explicit_i2c_timeout_with_margin(name):
    timeout_us = hardware(name, board(name).RATE_HZ)["timeout_us"]
    burst_us = (256 * 7 + 3) * 9 * 1_000_000 // board(name).I2C_HZ  # a full LSM6DSO FIFO
    assert timeout_us >= 4 * burst_us


@pytest.mark.e2e
@pytest.mark.parametrize("name", BOARDS)
@pytest.mark.parametrize("rate_hz", [25, 100, 250, 400])
def test_every_board_boots_its_imu_at_any_config_rate(name, rate_hz):
    hw = hardware(name, rate_hz)
    assert 25 <= hw["rate_hz"] <= 400 and hw["rate_mhz"] == hw["emu_rate_mhz"]
