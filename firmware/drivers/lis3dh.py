"""LIS3DH accelerometer (budget build): 32-sample FIFO burst reads to milli-g, no allocation.

Register map from ST DocID17530 (LIS3DH datasheet, "DS §n") and AN3308 (LIS3DH application
note, "AN §n"). High-resolution mode, +/-16 g: 12-bit samples left-justified in 16 bits,
12 mg per digit (DS Table 4).

Rates: ODR codes 25, 50, 100, 200, 400 Hz (DS Table 31); the driver picks the one nearest
the rate asked for within the core's 25-400 Hz (a tie goes to the faster): 150 -> 200.
`rate_mhz` is the nominal rate (the chip gives no trim to read).

Reset: the LIS3DH has no soft-reset bit. CTRL_REG5.BOOT (DS §8.10) reloads the factory
trimming only and leaves the control registers as they were (ST's answer on its community
forum, "How to reset LIS3DH registers to power ON defaults": there is no soft reset,
rewrite the default values); ST's guidance is to wait 5 ms for it. So every init sets
BOOT, waits until it clears, then writes the power-on value (0) to each control register
it does not configure itself (_CLEARED), so that a high-pass filter, interrupt or click
setting left by another firmware does not reach footfall.

FIFO limits the poll interval: it holds only 32 samples (DS §3.6, AN §8), so the app must
drain it at least every 320 ms at 100 Hz, 160 ms at 200 Hz, 80 ms at 400 Hz (poll with
margin: every 100 ms is safe up to 200 Hz). FIFO mode stops when full; FIFO_SRC_REG.OVRN_FIFO
then says 32 samples are stored and newer ones were dropped: the driver reads them, counts an
overflow and re-arms the FIFO through bypass (AN §8.2.2). With auto-increment (address bit 7)
a burst from OUT_X_L rolls back from OUT_Z_H (2Dh) to OUT_X_L, so one read takes many
samples (AN §8.5).
"""

from drivers._i2cdev import I2CDevice, pick_rate

_WHO_AM_I = 0x0F
_CTRL_REG1 = 0x20
_CTRL_REG4 = 0x23
_CTRL_REG5 = 0x24
_OUT_X_L = 0x28
_FIFO_CTRL_REG = 0x2E
_FIFO_SRC_REG = 0x2F
_AUTO_INC = 0x80  # sub-address MSB: multi-byte read (DS §6.1.1)
_BOOT = 0x80  # CTRL_REG5 bit 7, clears itself
# TEMP_CFG_REG, CTRL_REG2 (high-pass filter), CTRL_REG3, CTRL_REG6, REFERENCE, INT1/INT2
# CFG, THS, DURATION, CLICK_CFG, CLICK_THS, TIME_LIMIT/LATENCY/WINDOW, ACT_THS, ACT_DUR:
# all 00h at power-on (DS §7, register map). CTRL_REG0 (1Eh) is left alone: older revisions of the
# datasheet call it reserved.
_CLEARED = b"\x1f\x21\x22\x25\x26\x30\x32\x33\x34\x36\x37\x38\x3a\x3b\x3c\x3d\x3e\x3f"

_ID = 0x33
FIFO_SAMPLES = 32
_OVRN = 0x40
_FSS = 0x1F
_MODE_BYPASS = 0x00
_MODE_FIFO = 0x40  # FM = 01
_ODR_CODE = {25: 3, 50: 4, 100: 5, 200: 6, 400: 7}
_MG_PER_DIGIT_16G = 12


class LIS3DH(I2CDevice):
    CHIP = "LIS3DH"
    RATES_HZ = (25, 50, 100, 200, 400)

    def __init__(self, i2c, addr=0x18, rate_hz=100):
        super().__init__(i2c, addr)
        self.rate_hz = pick_rate(self.RATES_HZ, rate_hz, self.CHIP)
        self.rate_mhz = self.rate_hz * 1000
        self.max_samples = FIFO_SAMPLES
        self.max_poll_ms = FIFO_SAMPLES * 1000 // self.rate_hz
        self.overflows = 0
        self._init_bursts(6, 6)  # bursts of 32, 16, ... 1 samples (X, Y, Z int16)
        self._check_id(_WHO_AM_I, _ID)
        self._configure()

    def _configure(self):
        self._reset(_CTRL_REG5, _BOOT, 5)
        for reg in _CLEARED:
            self._write(reg, 0)
        self._write(_CTRL_REG1, (_ODR_CODE[self.rate_hz] << 4) | 0x07)  # LPen = 0, X/Y/Z on
        self._write(_CTRL_REG4, 0xB8)  # BDU = 1, FS = 11 (+/-16 g), HR = 1 (DS §8.9)
        self._write(_CTRL_REG5, 0x40)  # FIFO_EN (DS §8.10)
        self._write(_FIFO_CTRL_REG, _MODE_BYPASS)  # empties the FIFO
        self._write(_FIFO_CTRL_REG, _MODE_FIFO)

    def configure(self):
        """Write the configuration again, FIFO restarted empty: when sampling starts, and
        after the chip lost its registers (a brown-out reset puts it back to sleep)."""
        self._configure()

    def _reset_fifo(self):
        self._write(_FIFO_CTRL_REG, _MODE_BYPASS)
        self._write(_FIFO_CTRL_REG, _MODE_FIFO)

    def read_fifo(self, out):
        """Move the FIFO's samples into out as x, y, z milli-g triples; return the count."""
        src = self._read_u8(_FIFO_SRC_REG)
        over = src & _OVRN
        n = FIFO_SAMPLES if over else src & _FSS
        n = min(n, len(out) // 3)
        self._burst_read(_OUT_X_L | _AUTO_INC, n, out)
        if over:
            self.overflows += 1
            self._reset_fifo()
        return n

    def _decode(self, buf, count, out, j):
        """Little-endian left-justified 12-bit samples to milli-g at 12 mg per digit."""
        i = 0
        for _ in range(3 * count):
            v = buf[i] | (buf[i + 1] << 8)
            v -= (v & 0x8000) << 1
            out[j] = (v >> 4) * _MG_PER_DIGIT_16G
            i += 2
            j += 1
        return j
