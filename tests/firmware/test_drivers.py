"""IMU drivers against register-level emulators replaying real and synthetic recordings."""

import ast  # noqa: I001 - fwpath must put firmware/ on the path before drivers
import csv
from array import array
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from drivers.lis3dh import LIS3DH
from drivers.lsm6dso import LSM6DSO
from drivers.mpu6886 import MPU6886
from footfall.sim import imu_emu
from footfall.sim.imu_emu import LIS3DHEmu, LSM6DSOEmu, MPU6886Emu
from tests.conftest import MPY_SCRIPTS
from tests.unixport import REPO, datasets_or_skip, run_mpy_file

SIM_DIR = str(REPO / "host" / "footfall" / "sim")
BUNDLED = REPO / "tests" / "data" / "mobilised__HA001_Test11_Trial1.csv"  # real, Apache-2.0

# name: (driver, emulator factory, driver kwargs, one LSB in milli-g at the chosen range)
CHIPS = {
    "mpu6886": (MPU6886, MPU6886Emu, {}, 1),
    "lsm6dso": (LSM6DSO, LSM6DSOEmu, {}, 1),
    "lsm6dso32": (
        LSM6DSO,
        lambda rec: LSM6DSOEmu(rec, variant="LSM6DSO32"),
        {"variant": "LSM6DSO32", "full_scale_g": 16},
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
    assert imu.rate_hz == 104 and emu.rate_mhz() == imu.rate_mhz == 104_172


def test_lsm6dso32_init_writes_its_own_16g_range_bits():
    imu, emu = make("lsm6dso32")
    assert emu.written(0x10) & 0x0C == 0x0C  # FS_XL = 11 is +/-16 g on the DSO32
    assert imu.CHIP == "LSM6DSO32"


def test_lsm6dso32_32g_is_refused_as_the_core_clamps_at_16g():
    with pytest.raises(ValueError, match="full_scale_g"):
        make("lsm6dso32", full_scale_g=32)


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
    assert emu.rate_mhz() == imu.rate_mhz
    assert imu.rate_hz in (200, 208)


def test_mpu6886_has_no_exact_400hz_and_runs_at_250_the_nearest_the_core_takes():
    imu, emu = make("mpu6886", rate_hz=400)
    assert imu.rate_hz == 250 and emu.rate_mhz() == 250_000


def test_lsm6dso_asked_for_400_runs_at_208_not_416():
    imu, emu = make("lsm6dso", rate_hz=400)
    assert imu.rate_hz == 208 and emu.rate_mhz() == imu.rate_mhz


@pytest.mark.e2e
@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_every_config_rate_runs_at_the_nearest_offered_rate_the_core_takes(chip):
    driver = CHIPS[chip][0]
    for asked in range(25, 401):
        imu, emu = make(chip, rec=[], rate_hz=asked)
        assert 25 <= imu.rate_hz <= 400 and imu.rate_hz in driver.RATES_HZ
        taken = [r for r in driver.RATES_HZ if 25 <= r <= 400]
        assert abs(imu.rate_hz - asked) == min(abs(r - asked) for r in taken)
        assert emu.rate_mhz() == imu.rate_mhz  # the chip runs where the driver says


@pytest.mark.parametrize("chip", sorted(CHIPS))
@pytest.mark.parametrize("asked", [5000, 401, 24, 0])
def test_rate_outside_the_configs_range_is_refused(chip, asked):
    with pytest.raises(ValueError, match="rate_hz"):
        make(chip, rate_hz=asked)


def test_mpu6886_low_pass_is_under_half_the_rate_at_every_rate():
    bandwidth_dhz = {1: 2181, 2: 990, 3: 448, 4: 212, 5: 102, 6: 51}  # DS Table 18
    for rate in MPU6886.RATES_HZ:
        if rate > 400:
            continue
        imu, emu = make("mpu6886", rec=[], rate_hz=rate)
        assert 2 * bandwidth_dhz[emu.written(0x1D) & 0x07] < 10 * rate


# -- INTERNAL_FREQ_FINE: the LSM6DSO's true rate
@pytest.mark.parametrize("trim, expected_mhz", [(0, 104_172), (10, 105_735), (-10, 102_609)])
def test_lsm6dso_rate_mhz_follows_internal_freq_fine(trim, expected_mhz):
    emu = LSM6DSOEmu(synthetic())
    emu.freq_fine = trim
    imu = LSM6DSO(emu, addr=emu.addr)
    assert imu.rate_mhz == expected_mhz  # 6667 Hz * (1 + 0.0015 * trim) / 64
    assert abs(emu.rate_mhz() - imu.rate_mhz) <= 1


@pytest.mark.parametrize("chip", ["mpu6886", "lis3dh"])
def test_chips_without_a_trim_give_their_nominal_rate_in_mhz(chip):
    imu, emu = make(chip, rate_hz=200)
    assert imu.rate_mhz == imu.rate_hz * 1000 == emu.rate_mhz()


# -- reset at init: what another firmware left set does not reach footfall
def test_mpu6886_init_resets_the_chip_first():
    imu, emu = make("mpu6886")
    assert emu.writes[0] == (0x6B, 0x80)  # PWR_MGMT_1 DEVICE_RESET before anything else


def test_mpu6886_init_clears_a_foreign_wake_on_motion_setup():
    emu = MPU6886Emu(synthetic())
    for reg, value in ((0x38, 0xE0), (0x69, 0xC0), (0x1E, 0x80)):  # INT_ENABLE, WoM, LP mode
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    MPU6886(emu, addr=emu.addr)
    assert [emu.regs[r] for r in (0x38, 0x69, 0x1E)] == [0, 0, 0]


def test_lsm6dso_init_undoes_a_foreign_user_offset():
    rec = synthetic()
    emu = LSM6DSOEmu(rec)
    for reg, value in ((0x15, 0x08), (0x16, 0x02), (0x75, 0x40)):  # 64 x 15.6 mg on z
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    imu = LSM6DSO(emu, addr=emu.addr)
    got = drain(imu, emu)
    assert max(abs(a - b) for a, b in zip(got, rec, strict=True)) <= 1
    assert emu.writes.index((0x12, 0x01)) < emu.writes.index((0x10, 0x44))  # SW_RESET first


def test_lis3dh_init_undoes_a_foreign_high_pass_filter():
    rec = synthetic()
    emu = LIS3DHEmu(rec)
    emu.writeto_mem(emu.addr, 0x21, bytes([0x08]))  # CTRL_REG2 FDS: filtered data out
    imu = LIS3DH(emu, addr=emu.addr)
    got = drain(imu, emu)
    assert max(abs(a - b) for a, b in zip(got, rec, strict=True)) <= 12
    assert (0x24, 0x80) in emu.writes  # CTRL_REG5 BOOT: trimming reloaded


def test_a_reset_bit_that_never_clears_is_an_oserror_naming_the_chip():
    class StuckReset(LSM6DSOEmu):
        def _read(self, reg):
            return self.regs[0x12] | 0x01 if reg == 0x12 else super()._read(reg)

        def _write(self, reg, value):
            self.regs[reg] = value  # SW_RESET is never acted on

    emu = StuckReset([])
    with pytest.raises(OSError, match="LSM6DSO at 0x6a: reset"):
        LSM6DSO(emu, addr=emu.addr)


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


@pytest.mark.e2e
@pytest.mark.parametrize("module, cls", [(m, m.upper()) for m in sorted(imu_emu.EMULATORS)])
def test_read_fifo_allocates_nothing_in_the_unix_port(module, cls):
    script = MPY_SCRIPTS / "driver_read_fifo_heap_lock.py"
    proc = run_mpy_file(script, stdin=repr((module, cls)).encode(), paths=(SIM_DIR,))
    assert proc.stdout.split() == [b"600", b"0"]


# -- rates and resets, in the real MicroPython unix port
# registers another firmware may leave set, none of which the driver configures itself
FOREIGN = {
    "mpu6886": ((0x38, 0xE0), (0x69, 0xC0), (0x1E, 0x80)),
    "lsm6dso": ((0x15, 0x08), (0x16, 0x02), (0x75, 0x40)),
    "lis3dh": ((0x21, 0x08), (0x22, 0x40), (0x30, 0x95)),
}
PICKED = {
    "mpu6886": [25, 40, 50, 100, 125, 200, 250],
    "lsm6dso": [26, 52, 104, 208],
    "lis3dh": [25, 50, 100, 200, 400],
}


def in_unix_port(script: str, params: object = None) -> object:
    """What tests/mpy/`script` prints, given `params`, with the chip emulators on the path."""
    stdin = repr(params).encode()
    out = run_mpy_file(MPY_SCRIPTS / script, stdin=stdin, paths=(SIM_DIR,)).stdout.decode()
    return ast.literal_eval(out.strip().splitlines()[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("module", sorted(imu_emu.EMULATORS))
def test_unix_port_drivers_take_every_config_rate_and_clear_foreign_setup(module):
    got = in_unix_port("driver_rates_and_reset.py", (module, module.upper(), FOREIGN[module]))
    assert got["picked"] == PICKED[module]
    assert got["foreign_after"] == [0] * len(FOREIGN[module])


@pytest.mark.e2e
def test_unix_port_lsm6dso_reads_its_trim_and_mpu6886_low_pass_stays_under_half_rate():
    driver_mhz, emu_mhz, cfgs = in_unix_port("driver_trim_and_low_pass.py")
    assert driver_mhz == emu_mhz == 102609  # 104.172 Hz * (1 - 0.015)
    assert cfgs == [5, 5, 4, 3, 3, 2, 2]  # 10.2, 10.2, 21.2, 44.8, 44.8, 99, 99 Hz
