"""BM8563 real-time clock (the M5StickC Plus2's, at 0x51 on the internal I2C bus).

The BM8563 is register-compatible with NXP's PCF8563 (datasheet Rev. 11, section 8.4 "Time
and date registers"): seven registers from 0x02 hold seconds, minutes, hours, days, weekdays,
century_months and years in BCD. Bit 7 of the seconds register (VL_seconds) is the
voltage-low flag: 1 = "clock integrity is not guaranteed" (set at power-on and whenever the
supply dropped below the oscillator's minimum), cleared only by writing the seconds register.
Years are 2000-2099 here (the century bit is written 0 and ignored on reading).
"""

SECONDS = 0x02
CONTROL_1 = 0x00  # bit 5 STOP: 0 = the clock runs
VL = 0x80


def _bcd(v):
    return (v >> 4) * 10 + (v & 0x0F)


def _to_bcd(v):
    return ((v // 10) << 4) | (v % 10)


class BM8563:
    """datetime() -> (year, month, day, hour, minute, second, weekday) and `vl`;
    set(...) writes the same fields, clears VL and starts the clock. The bus is injected."""

    def __init__(self, i2c, addr=0x51):
        self._i2c = i2c
        self._addr = addr
        self._buf = bytearray(7)
        self.vl = True  # until read: not known to be valid

    def datetime(self):
        """Read all seven registers in one burst (the datasheet's advice: a consistent
        snapshot); sets `vl`. OSError when the chip does not answer."""
        b = self._buf
        self._i2c.readfrom_mem_into(self._addr, SECONDS, b)
        self.vl = bool(b[0] & VL)
        return (
            2000 + _bcd(b[6]),
            _bcd(b[5] & 0x1F),
            _bcd(b[3] & 0x3F),
            _bcd(b[2] & 0x3F),
            _bcd(b[1] & 0x7F),
            _bcd(b[0] & 0x7F),
            b[4] & 0x07,
        )

    def valid(self):
        """True when the clock holds a time it kept through any power loss (VL clear)."""
        self.datetime()
        return not self.vl

    def set(self, year, month, day, hour, minute, second, weekday=0):
        """Write the time (UTC by footfall's convention); clears VL."""
        if not 2000 <= year <= 2099:
            raise ValueError("BM8563 holds years 2000-2099")
        b = self._buf
        b[0] = _to_bcd(second)  # VL = 0
        b[1] = _to_bcd(minute)
        b[2] = _to_bcd(hour)
        b[3] = _to_bcd(day)
        b[4] = weekday & 0x07
        b[5] = _to_bcd(month)
        b[6] = _to_bcd(year - 2000)
        self._i2c.writeto_mem(self._addr, CONTROL_1, b"\x00")
        self._i2c.writeto_mem(self._addr, SECONDS, b)
        self.vl = False
