"""IMU drivers against register-level emulators replaying real and synthetic recordings."""

import csv  # noqa: I001 - fwpath must put firmware/ on the path before drivers
from array import array
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from drivers.lis3dh import LIS3DH
from drivers.lsm6dso import LSM6DSO
from drivers.mpu6886 import MPU6886
from footfall.sim import imu_emu
from footfall.sim.imu_emu import LIS3DHEmu, LSM6DSOEmu, MPU6886Emu
from tests.unixport import REPO, datasets_or_skip, run_mpy

SIM_DIR = str(REPO / "host" / "footfall" / "sim")
BUNDLED = REPO / "tests" / "data" / "mobilised__HA001_Test11_Trial1.csv"  # real, Apache-2.0

# name: (driver, emulator factory, driver kwargs, one LSB in milli-g at the chosen range)
CHIPS = {
    "mpu6886": (MPU6886, MPU6886Emu, {}, 1),
    "lsm6dso": (LSM6DSO, LSM6DSOEmu, {}, 1),
    "lsm6dso32": (
        LSM6DSO,
        lambda rec: LSM6DSOEmu(rec, variant="LSM6DSO32"),
        {"variant": "LSM6DSO32", "full_scale_g": 32},
        1,
    ),
    "lis3dh": (LIS3DH, LIS3DHEmu, {}, 12),
}


def synthetic(n: int = 1500) -> list[int]:
    """A deterministic sweep over +/-15.9 g on x and y (the LSM6DSO tops out at 15.99 g)."""
    out = []
    for k in range(n):
        out += [(k * 977) % 31801 - 15900, 15900 - (k * 613) % 31801, 1000 + (k * 7) % 3000]
    return out


def read_csv(path: Path, limit: int = 3000) -> list[int]:
    out: list[int] = []
    with path.open() as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i == limit:
                break
            out += [int(row["ax"]), int(row["ay"]), int(row["az"])]
    return out


def recording(name: str) -> list[int]:
    if name == "synthetic":
        return synthetic()
    if name == "mobilised":
        return read_csv(BUNDLED)
    return read_csv(datasets_or_skip() / "adept__run_bout01_hip.csv")  # running, +/-8 g


def make(chip: str, rec: list[int] | None = None, **kwargs):
    driver, emulator, opts, _ = CHIPS[chip]
    emu = emulator(synthetic() if rec is None else rec)
    return driver(emu, addr=emu.addr, **{**opts, **kwargs}), emu


def drain(imu, emu, ms_per_poll: int = 100) -> list[int]:
    """Poll like the sampler until the recording is used up; every sample read, in order."""
    out = array("h", [0] * (3 * imu.max_samples))
    got: list[int] = []
    while emu.remaining:
        emu.advance_ms(ms_per_poll)
        n = imu.read_fifo(out)
        got += out[: 3 * n]
    return got


# -- what the drivers write at init
def test_mpu6886_init_writes_16g_100hz_and_accel_fifo():
    imu, emu = make("mpu6886")
    assert emu.written(0x1C) == 0x18  # ACCEL_CONFIG: ACCEL_FS_SEL = 3, +/-16 g
    assert emu.written(0x19) == 9  # SMPLRT_DIV: 1 kHz / (1 + 9) = 100 Hz
    assert emu.written(0x23) == 0x08  # FIFO_EN: ACCEL_FIFO_EN only
    assert emu.written(0x6A) & 0x40  # USER_CTRL: FIFO_EN
    assert emu.written(0x6C) == 0x07  # gyro standby
    assert imu.rate_hz == 100 and emu.rate_mhz() == 100_000


def test_lsm6dso_init_writes_16g_104hz_and_fifo_mode():
    imu, emu = make("lsm6dso")
    assert emu.written(0x10) == 0x44  # CTRL1_XL: ODR 104 Hz, FS_XL = 01 (+/-16 g)
    assert emu.written(0x09) == 0x04  # FIFO_CTRL3: BDR_XL 104 Hz
    assert emu.written(0x0A) == 0x01  # FIFO_CTRL4: FIFO mode
    assert emu.written(0x11) == 0  # gyro off
    assert imu.rate_hz == 104 and emu.rate_mhz() == 104_000


def test_lsm6dso32_init_writes_32g_range_bits():
    imu, emu = make("lsm6dso32")
    assert emu.written(0x10) & 0x0C == 0x04  # FS_XL = 01 is +/-32 g on the DSO32
    assert imu.CHIP == "LSM6DSO32"


def test_lis3dh_init_writes_16g_hr_100hz_and_fifo():
    imu, emu = make("lis3dh")
    assert emu.written(0x20) == 0x57  # CTRL_REG1: ODR 100 Hz, X/Y/Z on, LPen = 0
    assert emu.written(0x23) == 0xB8  # CTRL_REG4: BDU, FS +/-16 g, HR
    assert emu.written(0x24) & 0x40  # CTRL_REG5: FIFO_EN
    assert emu.written(0x2E) == 0x40  # FIFO_CTRL_REG: FIFO mode
    assert imu.rate_hz == 100 and imu.max_poll_ms == 320


@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_200hz_is_configured_on_the_chip(chip):
    imu, emu = make(chip, rate_hz=200)
    assert emu.rate_mhz() == imu.rate_hz * 1000
    assert imu.rate_hz in (200, 208)


def test_mpu6886_has_no_exact_400hz_and_reports_the_500hz_it_sets():
    imu, emu = make("mpu6886", rate_hz=400)
    assert imu.rate_hz == 500 and emu.rate_mhz() == 500_000


@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_rate_above_the_fastest_is_refused(chip):
    with pytest.raises(ValueError, match="rate_hz"):
        make(chip, rate_hz=5000)


# -- scaling: what the driver reads is the recording, within one LSB
@pytest.mark.parametrize("source", ["synthetic", "mobilised", "adept"])
@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_milli_g_read_equals_the_recording_within_one_lsb(chip, source):
    rec = recording(source)
    imu, emu = make(chip, rec)
    got = drain(imu, emu)
    assert len(got) == len(rec)
    lsb = CHIPS[chip][3]
    worst = max(abs(a - b) for a, b in zip(got, rec, strict=True))
    assert worst <= lsb
    assert imu.overflows == 0


# -- overflow: counted, FIFO re-armed, sampling continues
@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_overflow_is_counted_and_sampling_continues(chip):
    rec = synthetic()
    imu, emu = make(chip, rec)
    out = array("h", [0] * (3 * imu.max_samples))
    emu.advance_samples(imu.max_samples + 50)  # nobody drains the FIFO
    assert imu.read_fifo(out) == imu.max_samples
    assert list(out[: 3 * imu.max_samples]) == pytest.approx(rec[: 3 * imu.max_samples], abs=12)
    assert imu.overflows == 1
    emu.advance_samples(10)
    assert imu.read_fifo(out) == 10
    start = 3 * (imu.max_samples + 50)
    assert list(out[:30]) == pytest.approx(rec[start : start + 30], abs=12)
    assert imu.overflows == 1


# -- missing or wrong chip
@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_silent_chip_raises_oserror_naming_chip_and_address(chip):
    driver, emulator, opts, _ = CHIPS[chip]
    emu = emulator([])
    emu.silent = True
    with pytest.raises(OSError) as err:
        driver(emu, addr=emu.addr, **opts)
    assert driver.CHIP[:7] in str(err.value)
    assert f"0x{emu.addr:02x}" in str(err.value)
    assert repr(emu) in str(err.value)  # the bus


@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_wrong_address_raises_oserror(chip):
    driver, emulator, opts, _ = CHIPS[chip]
    with pytest.raises(OSError, match="no answer"):
        driver(emulator([]), addr=0x77, **opts)


@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_wrong_who_am_i_raises_oserror(chip):
    driver, emulator, opts, _ = CHIPS[chip]
    emu = emulator([])
    emu.who_am_i = 0x42
    with pytest.raises(OSError, match="WHO_AM_I is 0x42"):
        driver(emu, addr=emu.addr, **opts)


def test_lsm6dso_skips_and_counts_words_of_other_sensors():
    imu, emu = make("lsm6dso")
    emu.advance_samples(3)
    emu._ring[emu._head] = 0x01 << 3  # first word tagged as gyroscope
    out = array("h", [0] * (3 * imu.max_samples))
    assert imu.read_fifo(out) == 2
    assert imu.bad_tags == 1


# -- no allocation, in the real MicroPython unix port
HEAP_LOCK = """
import micropython
from array import array
import imu_emu
from drivers.{module} import {cls}
rec = []
for k in range(600):
    rec += [(k * 977) % 31999 - 15999, 15999 - (k * 613) % 31999, 1000 + (k * 7) % 3000]
emu = imu_emu.EMULATORS["{module}"](rec)
imu = {cls}(emu, addr=emu.addr)
out = array('h', [0] * (3 * imu.max_samples))
total = 0
while emu.remaining:
    emu.advance_samples(23)
    micropython.heap_lock()
    n = imu.read_fifo(out)
    micropython.heap_unlock()
    total += n
print(total, imu.overflows)
"""


@pytest.mark.parametrize("module, cls", [(m, m.upper()) for m in sorted(imu_emu.EMULATORS)])
def test_read_fifo_allocates_nothing_in_the_unix_port(module, cls):
    proc = run_mpy(HEAP_LOCK.format(module=module, cls=cls), extra_paths=(SIM_DIR,))
    assert proc.stdout.split() == [b"600", b"0"]
