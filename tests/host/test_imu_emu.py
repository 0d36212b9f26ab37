"""The IMU emulators' own register semantics, beyond what the driver tests exercise."""

from array import array

import pytest
from footfall.sim.imu_emu import EMULATORS, LIS3DHEmu, LSM6DSOEmu, MPU6886Emu


def steady(n: int) -> list[tuple[int, int, int]]:
    return [(k, -k, 1000) for k in range(n)]


@pytest.mark.parametrize("name", sorted(EMULATORS))
def test_silent_chip_vanishes_from_scan_and_raises_enodev(name):
    emu = EMULATORS[name]()
    assert emu.scan() == [emu.addr]
    emu.silent = True
    assert emu.scan() == []
    with pytest.raises(OSError) as err:
        emu.readfrom_mem(emu.addr, emu.WHO_AM_I_REG, 1)
    assert err.value.args[0] == 19


@pytest.mark.parametrize("name", sorted(EMULATORS))
def test_who_am_i_reads_the_chip_id(name):
    emu = EMULATORS[name]()
    assert emu.readfrom_mem(emu.addr, emu.WHO_AM_I_REG, 1) == bytes([emu.WHO_AM_I_ID])


def test_powered_down_chip_consumes_no_samples():
    emu = LSM6DSOEmu(steady(10))
    assert emu.advance_ms(1000) == 0
    assert emu.remaining == 10


def test_fractional_rate_accumulates_exactly_over_time():
    emu = LSM6DSOEmu(steady(2000))
    emu.writeto_mem(emu.addr, 0x10, bytes([0x40]))  # CTRL1_XL: ODR 104 Hz
    ticks = sum(emu.advance_ms(7) for _ in range(1000))  # 7 s in uneven steps
    assert ticks == 7000 * emu.rate_mhz() // 1_000_000 == 729  # 104.172 Hz


def test_mpu6886_stream_mode_overwrites_oldest_and_flags_overflow():
    emu = MPU6886Emu(steady(200))
    for reg, value in ((0x6B, 0x01), (0x1A, 0x01), (0x23, 0x08), (0x6A, 0x40)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))  # CONFIG.FIFO_MODE = 0: overwrite
    emu.advance_samples(130)
    assert emu.fifo_samples == 128 and emu.dropped == 2
    assert emu.readfrom_mem(emu.addr, 0x3A, 1)[0] & 0x10  # FIFO_OFLOW_INT
    first = emu.readfrom_mem(emu.addr, 0x74, 8)
    x_raw = int.from_bytes(first[:2], "big", signed=True)
    assert x_raw == (2 * 16384 + 500) // 1000  # sample 2 (x = 2 mg) at the reset +/-2 g


def test_lis3dh_reads_without_auto_increment_repeat_the_register():
    emu = LIS3DHEmu(steady(5))
    emu.writeto_mem(emu.addr, 0x20, bytes([0x57]))
    emu.advance_samples(1)
    assert emu.readfrom_mem(emu.addr, 0x0F, 3) == bytes([0x33] * 3)


def test_register_writes_are_logged_in_order():
    emu = LIS3DHEmu()
    emu.writeto_mem(emu.addr, 0xA0, bytes([0x57, 0x00]))  # auto-increment: 0x20, 0x21
    assert emu.writes == [(0x20, 0x57), (0x21, 0x00)]
    assert emu.written(0x21) == 0 and emu.written(0x22) is None


def test_a_recording_streamed_from_a_file_reads_back_as_the_list_across_chunks(tmp_path):
    # 300 samples span three of FileSamples' 128-sample chunks; values differ per axis.
    samples = [(k, -2 * k, 1000 + k) for k in range(300)]
    path = tmp_path / "samples.bin"
    path.write_bytes(array("h", [v for s in samples for v in s]).tobytes())
    listed = LSM6DSOEmu(samples)
    with path.open("rb") as f:
        streamed = LSM6DSOEmu(f)
        assert streamed.remaining == 300
        for emu in (listed, streamed):
            emu.writeto_mem(emu.addr, 0x10, bytes([0x40]))  # CTRL1_XL: ODR 104 Hz, 2 g
        outs = []
        for emu in (listed, streamed):
            got = []
            while emu.advance_samples(1):
                got.append(emu.readfrom_mem(emu.addr, 0x28, 6))  # OUTX_L_A .. OUTZ_H_A
            outs.append(got)
        assert len(outs[1]) == 300 and outs[0] == outs[1]
        assert streamed.remaining == 0


# -- rate tables and the LSM6DSO's trim
def test_lsm6dso_rates_are_its_6667_hz_clock_divided_by_powers_of_two():
    emu = LSM6DSOEmu()
    got = []
    for code in range(1, 7):
        emu.writeto_mem(emu.addr, 0x10, bytes([code << 4]))
        got.append(emu.rate_mhz())
    assert got == [13_021, 26_043, 52_086, 104_172, 208_344, 416_688]  # AN5192 §6.4


def test_lsm6dso_internal_freq_fine_reads_its_signed_trim_and_sets_the_rate():
    emu = LSM6DSOEmu()
    emu.writeto_mem(emu.addr, 0x10, bytes([0x40]))
    assert emu.readfrom_mem(emu.addr, 0x63, 1) == b"\x00"  # default trim 0
    emu.freq_fine = -20
    assert emu.readfrom_mem(emu.addr, 0x63, 1) == bytes([256 - 20])
    assert emu.rate_mhz() == 104_172 - (104_172 * 3 * 20 + 1000) // 2000  # -3 %
    emu.writeto_mem(emu.addr, 0x12, bytes([0x01]))  # SW_RESET keeps the factory trim
    assert emu.readfrom_mem(emu.addr, 0x63, 1) == bytes([256 - 20])


def test_mpu6886_rate_is_1khz_over_one_plus_the_divider():
    emu = MPU6886Emu()
    for reg, value in ((0x6B, 0x01), (0x1A, 0x01), (0x19, 3)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    assert emu.rate_mhz() == 250_000


# -- resets: what survives them, what a leftover setting does to the data
def test_mpu6886_device_reset_puts_registers_back_to_power_on_values():
    emu = MPU6886Emu()
    for reg, value in ((0x6B, 0x01), (0x38, 0xE0), (0x19, 9)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    emu.writeto_mem(emu.addr, 0x6B, bytes([0x80]))
    assert emu.readfrom_mem(emu.addr, 0x6B, 1) == b"\x40"  # asleep, reset bit clear
    assert emu.regs[0x38] == emu.regs[0x19] == 0


def test_lsm6dso_sw_reset_puts_registers_back_to_power_on_values():
    emu = LSM6DSOEmu()
    for reg, value in ((0x10, 0x44), (0x16, 0x02), (0x73, 0x10)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    emu.writeto_mem(emu.addr, 0x12, bytes([0x01]))
    assert emu.readfrom_mem(emu.addr, 0x12, 1) == b"\x04"  # IF_INC, SW_RESET clear
    assert emu.regs[0x10] == emu.regs[0x16] == emu.regs[0x73] == 0


def test_lis3dh_boot_reloads_trimming_but_keeps_the_control_registers():
    emu = LIS3DHEmu()
    for reg, value in ((0x21, 0x08), (0x30, 0x95), (0x20, 0x57)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    emu.writeto_mem(emu.addr, 0x24, bytes([0x80]))  # BOOT
    assert emu.readfrom_mem(emu.addr, 0x24, 1) == b"\x00"  # cleared when done
    assert (emu.regs[0x21], emu.regs[0x30], emu.regs[0x20]) == (0x08, 0x95, 0x57)


def test_lsm6dso_leftover_user_offset_shifts_the_output():
    emu = LSM6DSOEmu([(0, 0, 1000)])
    for reg, value in ((0x10, 0x44), (0x15, 0x08), (0x16, 0x02), (0x75, 0x40)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    emu.advance_samples(1)
    z_raw = int.from_bytes(emu.readfrom_mem(emu.addr, 0x2C, 2), "little", signed=True)
    assert z_raw * 488 // 1000 == pytest.approx(1000 - 64 * 15.625, abs=2)  # 2**-6 g steps


def test_lis3dh_leftover_high_pass_filter_removes_gravity():
    emu = LIS3DHEmu([(0, 0, 1000)] * 400)
    for reg, value in ((0x20, 0x57), (0x23, 0xB8), (0x21, 0x08)):
        emu.writeto_mem(emu.addr, reg, bytes([value]))
    emu.advance_samples(400)
    z = int.from_bytes(emu.readfrom_mem(emu.addr, 0xAC, 2), "little", signed=True) >> 4
    assert abs(z * 12) < 50  # 1 g filtered away (12 mg per digit at 16 g)
