"""A driver on its chip's emulator: every config rate from 25 to 400 Hz, then a chip left
set up by another firmware. Print {"picked": the rates the driver picked, sorted, once each;
"foreign_after": the foreign registers after the driver's set-up}. stdin: (driver module,
class name, ((register, value), ...) another firmware may leave set)."""

import sys

import imu_emu

module, cls, foreign = eval(sys.stdin.read())
Driver = getattr(__import__("drivers." + module, None, None, [cls]), cls)
picked = []
for asked in range(25, 401):
    emu = imu_emu.EMULATORS[module]([])
    imu = Driver(emu, addr=emu.addr, rate_hz=asked)
    assert emu.rate_mhz() == imu.rate_mhz, (asked, emu.rate_mhz(), imu.rate_mhz)
    picked.append(imu.rate_hz)
emu = imu_emu.EMULATORS[module]([])
for reg, value in foreign:
    emu.writeto_mem(emu.addr, reg, bytes([value]))
Driver(emu, addr=emu.addr)
print(repr({"picked": sorted(set(picked)), "foreign_after": [emu.regs[r] for r, _ in foreign]}))
