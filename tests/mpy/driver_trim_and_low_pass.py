"""The LSM6DSO driver's rate with the chip's frequency trim at -10 (1.5 % slow), and the
MPU6886's low-pass setting (DLPF_CFG) at each of its rates. Print (driver rate in mHz,
emulator rate in mHz, [DLPF_CFG at 25, 40, 50, 100, 125, 200, 250 Hz])."""

import imu_emu
from drivers.lsm6dso import LSM6DSO
from drivers.mpu6886 import MPU6886

emu = imu_emu.LSM6DSOEmu([])
emu.freq_fine = -10
trimmed = LSM6DSO(emu, addr=emu.addr).rate_mhz, emu.rate_mhz()
cfgs = []
for rate in (25, 40, 50, 100, 125, 200, 250):
    emu = imu_emu.MPU6886Emu([])
    MPU6886(emu, addr=emu.addr, rate_hz=rate)
    cfgs.append(emu.regs[0x1D] & 7)
print(repr(trimmed + (cfgs,)))
