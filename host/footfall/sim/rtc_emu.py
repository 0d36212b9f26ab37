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

ADDR = 0x51
_ENODEV = 19
_DAYS_2000_S = 946684800  # 2000-01-01 in Unix seconds


def _bcd(v):
    return ((v // 10) << 4) | (v % 10)


def _unbcd(v):
    return (v >> 4) * 10 + (v & 0x0F)


def _days_from_civil(y, m, d):
    # Days since 1970-01-01 (H. Hinnant's algorithm): no time.mktime, whose epoch varies.
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def _wall():
    return int(time.time())


class BM8563Emu:
    CHIP = "BM8563"

    def __init__(self, unix_s=_DAYS_2000_S, vl=True, now_s=_wall, addr=ADDR):
        self.addr = addr
        self.now_s = now_s
        self.regs = bytearray(16)
        self.vl = vl
        self.writes = []
        self._base_s = unix_s  # the time the registers held at _at_s
        self._at_s = now_s()

    def __repr__(self):
        return f"BM8563 emulator at 0x{self.addr:02x}"

    def unix_s(self):
        """The time the chip keeps now (Unix seconds)."""
        return self._base_s + self.now_s() - self._at_s

    def _time_regs(self):
        t = self.unix_s()
        days, secs = divmod(t, 86400)
        y, mo, d = _civil_from_days(days)
        return (
            (0x80 if self.vl else 0) | _bcd(secs % 60),
            _bcd(secs // 60 % 60),
            _bcd(secs // 3600),
            _bcd(d),
            (days + 4) % 7,  # 1970-01-01 was a Thursday (weekday 4, Sunday 0)
            _bcd(mo),
            _bcd(y % 100),
        )

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

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        buf = bytearray(nbytes)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self._check(addr)
        now = list(self._time_regs())
        touched = False
        for i, value in enumerate(buf):
            reg = (memaddr + i) & 0x0F
            self.writes.append((reg, value))
            if 2 <= reg <= 8:
                now[reg - 2] = value
                touched = True
                if reg == 2:
                    self.vl = bool(value & 0x80)
            else:
                self.regs[reg] = value
        if touched:
            y = 2000 + _unbcd(now[6])
            days = _days_from_civil(y, _unbcd(now[5] & 0x1F), _unbcd(now[3] & 0x3F))
            secs = _unbcd(now[2] & 0x3F) * 3600 + _unbcd(now[1] & 0x7F) * 60
            self._base_s = days * 86400 + secs + _unbcd(now[0] & 0x7F)
            self._at_s = self.now_s()
