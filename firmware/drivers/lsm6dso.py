"""LSM6DSO / LSM6DSOX / LSM6DSO32 accelerometer: tagged-FIFO burst reads to milli-g, no allocation.

Register map from ST DS12140 (LSM6DSO), DS13124 (LSM6DSOX) and DS13276 (LSM6DSO32), cited
as "DS §n"; all three answer WHO_AM_I = 0x6C, so the DSO32's range table is chosen by
`variant`, not detected. The gyro stays powered down. Full scale is at most +/-16 g: the
core clamps each axis there, and shoe impacts in the labelled recordings stay under 13 g
(docs/firmware.md, IMU rates and ranges), so the DSO32's +/-32 g would only halve the
resolution: it is refused.

Rates: accelerometer ODR and FIFO batch rate (BDR_XL) share one code (DS §9.15 CTRL1_XL,
§9.3 FIFO_CTRL3): 26, 52, 104, 208, 416 Hz. The driver picks the one nearest the rate asked
for within the core's 25-400 Hz, so rate_hz=100 gives 104 and 400 gives 208 (416 is above
what the core accepts). `rate_mhz` is the best estimate of the true rate: the chip's
clock runs at 6667 Hz * (1 + 0.0015 * INTERNAL_FREQ_FINE) divided by 64 for "104 Hz"
(INTERNAL_FREQ_FINE (63h), a signed factory trim; ST AN5192/AN5272 §6.4 "Timestamp",
and the Linux st_lsm6dsx driver's 0.15 % per LSB), so 104 Hz is 104.172 Hz at trim 0.

Reset (DS §9.17 CTRL3_C SW_RESET): every init starts with SW_RESET, which puts the user
registers back to their power-on values (another firmware may have left user offsets,
filters or interrupts set); the bit clears itself when done, which the driver waits for.

FIFO (DS §6.6): 7-byte words, one tag byte (sensor in bits 7:3, accelerometer = 0x02) then
X, Y, Z little-endian. FIFO mode (stop when full) with STOP_ON_WTM limits the depth to
DEPTH words (2.5 s at 104 Hz), so a late poll loses the newest samples, never tears the
stream. A poll that finds it full or FIFO_OVR_IA set counts an overflow and resets it
(bypass then FIFO mode, DS §6.6.2). One burst reads many words: after FIFO_DATA_OUT_Z_H
(7Eh) the address auto-increment rolls back to FIFO_DATA_OUT_TAG (78h), as ST's own FIFO
examples rely on. Words with another tag are skipped and counted in `bad_tags`.
"""

from drivers._i2cdev import I2CDevice, pick_rate

_FIFO_CTRL1 = 0x07
_FIFO_CTRL2 = 0x08
_FIFO_CTRL3 = 0x09
_FIFO_CTRL4 = 0x0A
_WHO_AM_I = 0x0F
_CTRL1_XL = 0x10
_CTRL2_G = 0x11
_CTRL3_C = 0x12
_CTRL8_XL = 0x17
_INTERNAL_FREQ_FINE = 0x63
_FIFO_STATUS1 = 0x3A
_FIFO_DATA_OUT_TAG = 0x78

_ID = 0x6C
_WORD = 7
_TAG_XL = 0x02  # DS Table "FIFO tag": accelerometer, not compressed
_OVR_IA = 0x40  # FIFO_STATUS2 bit 6
_MODE_BYPASS = 0
_MODE_FIFO = 1
DEPTH = 256
_SW_RESET = 0x01  # CTRL3_C bit 0
_ODR_CODE = {26: 2, 52: 3, 104: 4, 208: 5, 416: 6}
_BASE_MHZ = 6667000  # the clock every ODR divides: 104 Hz is 6667 Hz / 64 (AN5192 §6.4)
# full scale g -> (CTRL1_XL FS_XL bits, sensitivity in micro-g per LSB), DS Table 2
_FS_DSO = {2: (0, 61), 4: (2, 122), 8: (3, 244), 16: (1, 488)}
_FS_DSO32 = {4: (0, 122), 8: (2, 244), 16: (3, 488)}  # no 32 g: see the module docstring


class LSM6DSO(I2CDevice):
    CHIP = "LSM6DSO"
    RATES_HZ = (26, 52, 104, 208, 416)

    def __init__(self, i2c, addr=0x6A, rate_hz=100, full_scale_g=16, variant="LSM6DSO"):
        super().__init__(i2c, addr)
        if variant not in ("LSM6DSO", "LSM6DSOX", "LSM6DSO32"):
            raise ValueError(f"variant must be LSM6DSO, LSM6DSOX or LSM6DSO32, not {variant!r}")
        self.CHIP = variant
        table = _FS_DSO32 if variant == "LSM6DSO32" else _FS_DSO
        if full_scale_g not in table:
            raise ValueError(f"{variant}: full_scale_g must be one of {sorted(table)}")
        self.full_scale_g = full_scale_g
        self._fs_bits, self._ug_per_lsb = table[full_scale_g]
        self.rate_hz = pick_rate(self.RATES_HZ, rate_hz, variant)
        self.max_samples = DEPTH
        self.overflows = 0
        self.bad_tags = 0
        self._b2 = bytearray(2)
        self._init_bursts(_WORD, 9)  # bursts of 256, 128, ... 1 words
        self._check_id(_WHO_AM_I, _ID)
        self._configure()
        self.rate_mhz = true_rate_mhz(self.rate_hz, self._read_u8(_INTERNAL_FREQ_FINE))

    def _configure(self):
        code = _ODR_CODE[self.rate_hz]
        self._reset(_CTRL3_C, _SW_RESET, 1)
        self._write(_CTRL3_C, 0x44)  # BDU = 1, IF_INC = 1 (DS §9.17)
        self._write(_CTRL2_G, 0)  # gyro power-down
        self._write(_CTRL8_XL, 0)  # XL_FS_MODE = 0: the FS table above, LPF2 off
        self._write(_CTRL1_XL, (code << 4) | (self._fs_bits << 2))
        self._write(_FIFO_CTRL4, _MODE_BYPASS)  # empties the FIFO
        self._write(_FIFO_CTRL1, DEPTH & 0xFF)  # WTM[7:0]
        self._write(_FIFO_CTRL2, 0x80 | (DEPTH >> 8))  # STOP_ON_WTM, WTM[8]
        self._write(_FIFO_CTRL3, code)  # BDR_XL = ODR, gyro not batched
        self._write(_FIFO_CTRL4, _MODE_FIFO)

    def configure(self):
        """Write the configuration again, FIFO restarted empty: when sampling starts, and
        after the chip lost its registers (a brown-out reset puts it back to sleep)."""
        self._configure()

    def _reset_fifo(self):
        self._write(_FIFO_CTRL4, _MODE_BYPASS)
        self._write(_FIFO_CTRL4, _MODE_FIFO)

    def read_fifo(self, out):
        """Move the FIFO's samples into out as x, y, z milli-g triples; return the count."""
        b = self._b2
        self._i2c.readfrom_mem_into(self._addr, _FIFO_STATUS1, b)  # FIFO_STATUS1, 2
        words = b[0] | ((b[1] & 0x03) << 8)  # DIFF_FIFO[9:0]
        over = b[1] & _OVR_IA
        n = self._burst_read(_FIFO_DATA_OUT_TAG, min(words, DEPTH, len(out) // 3), out) // 3
        if over or words >= DEPTH:
            self.overflows += 1
            self._reset_fifo()
        return n

    def _decode(self, buf, count, out, j):
        """Tagged little-endian words to milli-g: mg = raw * ug_per_lsb / 1000, rounded."""
        ug = self._ug_per_lsb
        i = 0
        for _ in range(count):
            if buf[i] >> 3 != _TAG_XL:
                self.bad_tags += 1
                i += _WORD
                continue
            i += 1
            for _axis in range(3):
                v = buf[i] | (buf[i + 1] << 8)
                v -= (v & 0x8000) << 1
                out[j] = (v * ug + 500) // 1000  # |raw * 976| < 2**25
                i += 2
                j += 1
        return j


def true_rate_mhz(rate_hz, freq_fine):
    """The chip's rate in milli-Hz for ODR rate_hz and an INTERNAL_FREQ_FINE byte (signed).

    (6667 Hz + 0.15 % per trim LSB) / ODR_Coeff, ODR_Coeff = 2**(10 - code): AN5192 §6.4.
    """
    trim = freq_fine - 256 if freq_fine > 127 else freq_fine
    shift = 10 - _ODR_CODE[rate_hz]
    base = (_BASE_MHZ + (1 << shift >> 1)) >> shift  # rounded: 104 Hz is 104172 mHz
    adj = (base * 3 * abs(trim) + 1000) // 2000  # 0.15 % per LSB, rounded; < 2**28
    return base + adj if trim >= 0 else base - adj
