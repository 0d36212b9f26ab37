"""Register access the IMU drivers share: one-byte reads and writes, WHO_AM_I, FIFO bursts.

A driver subclasses I2CDevice, sets CHIP, calls `_init_bursts` in `__init__` and defines
`_decode(buf, count, out, j)` for its FIFO record format; `_burst_read` then moves any
number of records with no allocation. The bus is injected: nothing here imports `machine`.
"""

import time


def sleep_ms(ms):
    """time.sleep_ms on MicroPython; CPython, where the drivers are also tested, has sleep."""
    if hasattr(time, "sleep_ms"):
        time.sleep_ms(ms)
    else:
        time.sleep(ms / 1000)


# The rates the core accepts (footfall_core.steps.StepDetector): a driver never picks outside.
CORE_MIN_HZ = 25
CORE_MAX_HZ = 400


class I2CDevice:
    CHIP = "I2C device"

    def __init__(self, i2c, addr):
        self._i2c = i2c
        self._addr = addr
        self._b1 = bytearray(1)

    def _read_u8(self, reg):
        self._i2c.readfrom_mem_into(self._addr, reg, self._b1)
        return self._b1[0]

    def _write(self, reg, value):
        self._b1[0] = value
        self._i2c.writeto_mem(self._addr, reg, self._b1)

    def _check_id(self, reg, expected):
        """Raise OSError naming the chip, address and bus unless reg reads `expected`."""
        # The message is built here and raised below: MicroPython warns on `raise ... from`.
        try:
            got = self._read_u8(reg)
            problem = f"WHO_AM_I is 0x{got:02x}, not 0x{expected:02x}"
        except OSError as err:
            got = -1
            problem = f"no answer ({err})"
        if got != expected:
            raise OSError(f"{self.CHIP} at 0x{self._addr:02x} on {self._i2c!r}: {problem}")

    def _reset(self, reg, bit, wait_ms, tries=10):
        """Write a self-clearing reset bit, wait wait_ms, then until it reads back clear.

        OSError naming the chip if it is still set after `tries` waits.
        """
        self._write(reg, bit)
        for _ in range(tries):
            sleep_ms(wait_ms)
            if not self._read_u8(reg) & bit:
                return
        raise OSError(f"{self.CHIP} at 0x{self._addr:02x}: reset bit 0x{bit:02x} never cleared")

    def _init_bursts(self, record_bytes, levels):
        """Views of 2**(levels-1), ... 2, 1 records over one buffer, made once.

        `_burst_read` reads any count as its binary digits, each digit one burst into the
        matching view, so reading slices (allocates) nothing.
        """
        buf = memoryview(bytearray(record_bytes << (levels - 1)))
        self._views = [buf[: record_bytes << k] for k in range(levels)]

    def _burst_read(self, reg, n, out):
        """Read n records from reg in bursts, decoding each into out; return the next index."""
        j = 0
        k = len(self._views) - 1
        while n:
            size = 1 << k
            if n >= size:
                view = self._views[k]
                self._i2c.readfrom_mem_into(self._addr, reg, view)
                j = self._decode(view, size, out, j)
                n -= size
            else:
                k -= 1
        return j

    def _decode(self, buf, count, out, j):
        """Decode count records from buf into out from index j; return the next index."""
        raise NotImplementedError


def pick_rate(rates_hz, asked_hz, chip, low_hz=CORE_MIN_HZ, high_hz=CORE_MAX_HZ):
    """The rate of rates_hz within low_hz..high_hz nearest asked_hz (a tie goes to the faster).

    ValueError when asked_hz is outside low_hz..high_hz: the config allows only those, and a
    chip rate outside them would stop the core at every boot.
    """
    if not low_hz <= asked_hz <= high_hz:
        raise ValueError(f"{chip}: rate_hz {asked_hz} outside {low_hz}..{high_hz}")
    best = None
    for r in rates_hz:
        if low_hz <= r <= high_hz and (best is None or abs(r - asked_hz) <= abs(best - asked_hz)):
            best = r
    if best is None:
        raise ValueError(f"{chip}: no rate within {low_hz}..{high_hz} Hz")
    return best
