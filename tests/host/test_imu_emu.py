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
    assert ticks == 728


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
