"""MPU6886 accelerometer (M5StickC Plus2): FIFO burst reads decoded to milli-g, no allocation.

Register map and behaviour from the TDK InvenSense MPU-6886 datasheet (DS-000193), cited
as "DS §n". The gyro stays in standby: footfall needs acceleration only.

Rates: the FIFO is written at 1 kHz / (1 + SMPLRT_DIV) (DS §10.1 SMPLRT_DIV, with the
gyro DLPF on so the internal rate is 1 kHz). Only rates that divide 1000 are exact integers,
so the driver offers RATES_HZ and picks the one nearest the rate asked for within the
core's 25-400 Hz (a tie goes to the faster): 100 -> 100, 150 -> 125, 400 -> 250 (500 Hz,
the next exact rate, is above what the core accepts). `rate_mhz` is the nominal rate: the
chip gives no trim to read (its clock error is measured against ticks_ms by the sampler).

Reset (DS §10 PWR_MGMT_1 DEVICE_RESET): every init starts with DEVICE_RESET, which puts
the registers back to their power-on values (factory or UIFlow firmware may leave
interrupts, wake-on-motion or low-power modes set); the bit clears itself when done.
M5Stack's own MPU6886 driver waits 10 ms after it; this one waits 10 ms and then until the
bit reads clear.

FIFO (DS §6.7, §10 FIFO_EN/USER_CTRL/FIFO_COUNT): 1024 bytes; with only ACCEL_FIFO_EN set a
packet is 8 bytes (accel X, Y, Z, then TEMP_OUT, big-endian), so it holds 128 samples:
1.28 s at 100 Hz, 0.64 s at 200 Hz. CONFIG.FIFO_MODE = 1 stops writing when full (no
torn packets); a poll that finds it full or FIFO_OFLOW_INT set counts an overflow and
resets the FIFO so sampling continues.
"""

from drivers._i2cdev import I2CDevice, pick_rate

_SMPLRT_DIV = 0x19
_CONFIG = 0x1A
_GYRO_CONFIG = 0x1B
_ACCEL_CONFIG = 0x1C
_ACCEL_CONFIG2 = 0x1D
_FIFO_EN = 0x23
_INT_STATUS = 0x3A
_USER_CTRL = 0x6A
_PWR_MGMT_1 = 0x6B
_PWR_MGMT_2 = 0x6C
_FIFO_COUNTH = 0x72
_FIFO_R_W = 0x74
_WHO_AM_I = 0x75

_ID = 0x19  # DS §10 WHO_AM_I reset value
_FIFO_BYTES = 1024
_PACKET = 8  # accel XYZ + temperature when only ACCEL_FIFO_EN is set
_FIFO_OFLOW = 0x10  # INT_STATUS bit 4
_USER_FIFO_EN = 0x40
_USER_FIFO_RST = 0x04
_DEVICE_RESET = 0x80  # PWR_MGMT_1 bit 7
_FS_16G = 0x18  # ACCEL_CONFIG ACCEL_FS_SEL = 3: +/-16 g, 2048 LSB/g (DS Table 2)


# ACCEL_CONFIG2 A_DLPF_CFG -> 3 dB bandwidth in tenths of Hz, widest first (DS Table 18)
_DLPF_BW_DHZ = ((1, 2181), (2, 990), (3, 448), (4, 212), (5, 102), (6, 51))


def _dlpf(rate_hz):
    """The A_DLPF_CFG with the widest bandwidth under half the rate (no aliasing)."""
    for cfg, bw_dhz in _DLPF_BW_DHZ:
        if 2 * bw_dhz < 10 * rate_hz:
            return cfg
    return 6


class MPU6886(I2CDevice):
    CHIP = "MPU6886"
    RATES_HZ = (25, 40, 50, 100, 125, 200, 250, 500)

    def __init__(self, i2c, addr=0x68, rate_hz=100):
        super().__init__(i2c, addr)
        self.rate_hz = pick_rate(self.RATES_HZ, rate_hz, self.CHIP)
        self.rate_mhz = self.rate_hz * 1000
        self.max_samples = _FIFO_BYTES // _PACKET
        self.overflows = 0
        self._b2 = bytearray(2)
        self._init_bursts(_PACKET, 7)  # bursts of 64, 32, ... 1 packets
        self._check_id(_WHO_AM_I, _ID)
        self._configure()

    def _configure(self):
        self._reset(_PWR_MGMT_1, _DEVICE_RESET, 10)
        self._write(_PWR_MGMT_1, 0x01)  # awake, auto-select best clock (DS §10 PWR_MGMT_1)
        self._write(_PWR_MGMT_2, 0x07)  # accel on, gyro X/Y/Z standby
        self._write(_USER_CTRL, 0)  # FIFO off while configuring
        self._write(_FIFO_EN, 0)
        self._write(_GYRO_CONFIG, 0)  # FCHOICE_B = 0: SMPLRT_DIV applies
        self._write(_CONFIG, 0x41)  # FIFO_MODE = 1 (stop when full), DLPF_CFG = 1 -> 1 kHz
        self._write(_SMPLRT_DIV, 1000 // self.rate_hz - 1)
        self._write(_ACCEL_CONFIG, _FS_16G)
        self._write(_ACCEL_CONFIG2, _dlpf(self.rate_hz))  # ACCEL_FCHOICE_B = 0, no averaging
        self._write(_USER_CTRL, _USER_FIFO_RST)
        self._write(_FIFO_EN, 0x08)  # ACCEL_FIFO_EN
        self._write(_USER_CTRL, _USER_FIFO_EN)

    def configure(self):
        """Write the configuration again, FIFO restarted empty: when sampling starts, and
        after the chip lost its registers (a brown-out reset puts it back to sleep)."""
        self._configure()
        self._read_u8(_INT_STATUS)  # reading clears a latched FIFO_OFLOW_INT (DS §10)

    def _reset_fifo(self):
        self._write(_USER_CTRL, _USER_FIFO_EN | _USER_FIFO_RST)  # FIFO_RST clears itself
        # samples dropped during this burst latched FIFO_OFLOW_INT again: the same overflow
        self._read_u8(_INT_STATUS)

    def read_fifo(self, out):
        """Move the FIFO's samples into out as x, y, z milli-g triples; return the count."""
        oflow = self._read_u8(_INT_STATUS) & _FIFO_OFLOW  # read clears the flags
        b = self._b2
        self._i2c.readfrom_mem_into(self._addr, _FIFO_COUNTH, b)  # high byte first latches both
        nbytes = ((b[0] & 0x1F) << 8) | b[1]
        n = min(nbytes // _PACKET, self.max_samples, len(out) // 3)
        self._burst_read(_FIFO_R_W, n, out)
        if oflow or nbytes >= _FIFO_BYTES:
            self.overflows += 1
            self._reset_fifo()
        return n

    def _decode(self, buf, count, out, j):
        """Big-endian int16 packets (x, y, z, temp) to milli-g: mg = raw * 1000 / 2048."""
        i = 0
        for _ in range(count):
            for _axis in range(3):
                v = (buf[i] << 8) | buf[i + 1]
                v -= (v & 0x8000) << 1
                out[j] = (v * 125 + 128) >> 8  # raw * 125 / 256, rounded; |raw * 125| < 2**22
                i += 2
                j += 1
            i += 2  # skip TEMP_OUT
        return j
