"""A register-level BM8563 (PCF8563-compatible) real-time clock for the virtual board.

Runs in the MicroPython unix port (beside the firmware, on the stand-in I2C bus) and in
CPython (tests). The time registers 0x02-0x08 are BCD (NXP PCF8563 datasheet, section 8.4);
bit 7 of 0x02 is VL, "clock integrity not guaranteed": set at power-on, cleared only by
writing the seconds register. The clock counts from the time last written, by `now_s()`
(the virtual board passes its virtual clock), in whole seconds.

    rtc = BM8563Emu(unix_s=1800000000, vl=False, now_s=clock)   # a kept, valid time
    rtc = BM8563Emu(vl=True, now_s=clock)    # as after the backup supply failed
"""

import time

from footfall_core.header import EPOCH_2000_S

try:
    from calendar import timegm  # CPython: UTC tuple -> Unix seconds
except ImportError:  # the unix port: its mktime counts from 1970 and knows no time zone
    from time import mktime as timegm  # type: ignore[assignment]  # MicroPython only

ADDR = 0x51
_ENODEV = 19


def _bcd(v):
    return ((v // 10) << 4) | (v % 10)


def _unbcd(v):
    return (v >> 4) * 10 + (v & 0x0F)


def _wall():
    return int(time.time())


class BM8563Emu:
    CHIP = "BM8563"

    def __init__(self, unix_s=EPOCH_2000_S, vl=True, now_s=_wall, addr=ADDR):
        self.addr = addr
        self.now_s = now_s
        self.regs = bytearray(16)
        self.vl = vl
        self._base_s = unix_s  # the time the registers held at _at_s
        self._at_s = now_s()

    def unix_s(self):
        """The time the chip keeps now (Unix seconds)."""
        return self._base_s + self.now_s() - self._at_s

    def _time_regs(self):
        t = time.gmtime(self.unix_s())
        return [
            (0x80 if self.vl else 0) | _bcd(t[5]),
            _bcd(t[4]),
            _bcd(t[3]),
            _bcd(t[2]),
            (t[6] + 1) % 7,  # gmtime: Monday 0; the chip: any 0-6 cycle, footfall's Sunday 0
            _bcd(t[1]),
            _bcd(t[0] % 100),
        ]

    # -- the machine.I2C memory API
    def scan(self):
        return [self.addr]

    def _check(self, addr):
        if addr != self.addr:
            raise OSError(_ENODEV)

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        self._check(addr)
        now = self._time_regs()
        for i in range(len(buf)):
            reg = (memaddr + i) & 0x0F  # the address pointer wraps after 0x0F
            buf[i] = now[reg - 2] if 2 <= reg <= 8 else self.regs[reg]

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self._check(addr)
        now = self._time_regs()
        touched = False
        for i, value in enumerate(buf):
            reg = (memaddr + i) & 0x0F
            if 2 <= reg <= 8:
                now[reg - 2] = value
                touched = True
                if reg == 2:
                    self.vl = bool(value & 0x80)
            else:
                self.regs[reg] = value
        if touched:
            ymd = (2000 + _unbcd(now[6]), _unbcd(now[5] & 0x1F), _unbcd(now[3] & 0x3F))
            hms = (_unbcd(now[2] & 0x3F), _unbcd(now[1] & 0x7F), _unbcd(now[0] & 0x7F))
            self._base_s = timegm(ymd + hms + (0, 0, 0))
            self._at_s = self.now_s()
