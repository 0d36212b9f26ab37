"""Read 600 samples through a driver's read_fifo, each burst under micropython.heap_lock
(unix port only, the chip emulated by the virtual board's imu_emu); print the samples read
and the overflows. stdin: (driver module, class)."""

import sys
from array import array

import imu_emu
import micropython

MODULE, CLS = eval(sys.stdin.read())
cls = getattr(__import__("drivers." + MODULE, None, None, [CLS]), CLS)
rec = []
for k in range(600):
    rec += [(k * 977) % 31999 - 15999, 15999 - (k * 613) % 31999, 1000 + (k * 7) % 3000]
emu = imu_emu.EMULATORS[MODULE](rec)
imu = cls(emu, addr=emu.addr)
out = array("h", [0] * (3 * imu.max_samples))
total = 0
while emu.remaining:
    emu.advance_samples(23)
    micropython.heap_lock()
    n = imu.read_fifo(out)
    micropython.heap_unlock()
    total += n
print(total, imu.overflows)
