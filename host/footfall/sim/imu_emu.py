"""Register-level emulators of footfall's IMUs, each one an I2C memory bus with a single chip.

Each emulator answers `readfrom_mem_into`, `readfrom_mem`, `writeto_mem` and `scan` like
`machine.I2C` with the chip's register semantics: WHO_AM_I, configuration registers kept
(and every write logged in `writes` as (reg, value) so tests can assert what a driver
wrote), a FIFO filled from a recording as emulated time advances, FIFO counters and
overflow flags, and `silent = True` making the chip vanish (OSError 19, ENODEV, like a
missing device).

Recordings are milli-g, flat (x0, y0, z0, x1, ...) or a sequence of (x, y, z), or a binary
file of int16 x, y, z (native byte order) read a chunk at a time as the FIFO is fed (the
virtual board's: its heap then holds one chunk, not the recording); each output-data-rate
tick consumes one sample, so resample a recording to the chip's rate first. Samples are
converted to raw LSB at the configured full scale, as the chip would.

Resets and leftovers (what a driver must undo at init, docs/firmware.md "IMU rates and
ranges"): the MPU6886's DEVICE_RESET and the LSM6DSO's SW_RESET put every register back to
its power-on value; the LIS3DH's BOOT only reloads trimming and leaves the control
registers as they were (the chip has no soft reset). Settings another firmware may leave
behind change the data here as on the chip: the LSM6DSO's user offset (USR_OFF_ON_OUT) and
the LIS3DH's high-pass filter (CTRL_REG2 FDS). The LSM6DSO's `freq_fine` (INTERNAL_FREQ_FINE,
a signed factory trim, default 0) sets its true rate: 6667 Hz * (1 + 0.0015 * freq_fine)
divided by 2**(10 - ODR code) (AN5192 §6.4), so "104 Hz" runs at 104.172 Hz.

Pure Python that also runs in the MicroPython unix port (the virtual board builds its
`machine.I2C` on these): no typing, dataclasses or numpy here. Reading registers allocates
nothing, so a driver's `read_fifo` can be checked under `micropython.heap_lock()`.
"""

from array import array

_ENODEV = 19


def _div_round(a, b):
    """a / b rounded half up, b > 0, integers only."""
    return (2 * a + b) // (2 * b)


def _clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


def _flatten(samples_mg):
    if len(samples_mg) and isinstance(samples_mg[0], (tuple, list)):
        flat = []
        for x, y, z in samples_mg:
            flat.append(x)
            flat.append(y)
            flat.append(z)
        return flat
    return samples_mg


class FileSamples:
    """A flat int16 recording read from a binary file on demand, CHUNK samples at a time
    into one buffer made here: indexable like the flat sequence, sequential reads cheap."""

    CHUNK = 128  # samples per read: a 768-byte buffer

    def __init__(self, f):
        self._f = f
        f.seek(0, 2)
        self._len = f.tell() // 2
        self._buf = array("h", range(3 * self.CHUNK))  # no list on the way: one allocation
        self._start = 0  # the value index of _buf[0]
        self._n = 0  # values in _buf

    def __len__(self):
        return self._len

    def __getitem__(self, i):
        j = i - self._start
        if j < 0 or j >= self._n:
            self._fill(i)
            j = i - self._start
        return self._buf[j]

    def _fill(self, i):
        if i < 0 or i >= self._len:
            raise IndexError(i)
        self._start = i - i % len(self._buf)
        self._f.seek(2 * self._start)
        self._n = (self._f.readinto(self._buf) or 0) // 2


class _ImuEmu:
    """What every emulated chip shares: the bus API, the clock and a FIFO of frames."""

    CHIP = ""
    ADDR = 0
    WHO_AM_I_REG = 0
    WHO_AM_I_ID = 0
    FRAME_BYTES = 6  # bytes per sample in the FIFO
    FIFO_FRAMES = 32  # capacity in samples
    REG_MASK = 0xFF  # register address bits (the LIS3DH uses bit 7 for auto-increment)

    def __init__(self, samples_mg=(), addr=None, who_am_i=None, **options):
        # options: a board's IMU_OPTIONS; the range and rate come from the registers.
        self.addr = self.ADDR if addr is None else addr
        self.who_am_i = self.WHO_AM_I_ID if who_am_i is None else who_am_i
        self.silent = False
        self.writes = []
        self.regs = bytearray(256)
        self.out = bytearray(self.FRAME_BYTES)  # the latest sample, as the data registers show it
        self._ring = bytearray(self.FIFO_FRAMES * self.FRAME_BYTES)
        self._head = 0  # byte index of the oldest FIFO byte
        self.fifo_bytes = 0
        self.dropped = 0  # samples lost to a full FIFO
        self.produced = 0  # output-data-rate ticks so far
        self.clock_ppm = 0  # the chip's clock off its nominal rate, parts per million
        self._acc = 0
        self._ticks = 0  # ticks the last advance_ms ran or should have run
        self._world_mhz = 0  # the last rate the chip ran at
        self.load(samples_mg)
        self._defaults()

    def __repr__(self):
        return f"{self.CHIP} emulator at 0x{self.addr:02x}"

    def load(self, samples_mg):
        """Replace the recording (milli-g) and start it from its first sample; a binary
        file (anything with readinto) is streamed from as time advances."""
        if hasattr(samples_mg, "readinto"):
            samples_mg = FileSamples(samples_mg)
        self.samples = _flatten(samples_mg)
        self.pos = 0

    @property
    def remaining(self):
        return len(self.samples) // 3 - self.pos

    @property
    def fifo_samples(self):
        return self.fifo_bytes // self.FRAME_BYTES

    def power_mode(self):
        """The chip's power state for the power model: "sleep", or "accel" while it samples
        (chips with more modes say which)."""
        return "accel" if self.rate_mhz() else "sleep"

    def written(self, reg):
        """The last value a driver wrote to reg, or None."""
        for r, v in reversed(self.writes):
            if r == reg:
                return v
        return None

    # -- the machine.I2C memory API
    def scan(self):
        return [] if self.silent else [self.addr]

    def _check(self, addr):
        if self.silent or addr != self.addr:
            raise OSError(_ENODEV)

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        self._check(addr)
        reg = memaddr
        for i in range(len(buf)):
            buf[i] = self._read(reg)
            reg = self._next(reg)

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        buf = bytearray(nbytes)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self._check(addr)
        reg = memaddr
        for value in buf:
            self.writes.append((reg & self.REG_MASK, value))
            self._write(reg, value)
            reg = self._next(reg)

    # -- emulated time
    def advance_samples(self, n):
        """Run n output-data-rate ticks from the recording; return how many ran."""
        done = 0
        while done < n and self.pos * 3 + 2 < len(self.samples) and self.rate_mhz():
            i = self.pos * 3
            self.pos += 1
            self.push_sample(self.samples[i], self.samples[i + 1], self.samples[i + 2])
            done += 1
        return done

    def hold_ms(self, ms):
        """Past the recording's end the chip keeps measuring: ms of its last sample (the
        wearer stands still), so a firmware never sees a live IMU produce nothing."""
        n = self.advance_ms(ms)
        if self.pos:
            i = self.pos * 3 - 3
            x, y, z = self.samples[i], self.samples[i + 1], self.samples[i + 2]
            while n < self._ticks:
                self.push_sample(x, y, z)
                n += 1
        return n

    def advance_ms(self, ms):
        """Let ms milliseconds pass at the configured rate; return the ticks that ran."""
        rate = self.rate_mhz()
        self._ticks = 0
        if not rate:
            self._unseen_ms(ms)
            return 0
        self._world_mhz = rate
        # a part's internal oscillator is off nominal by up to a few percent (the LSM6DSO
        # reports its own deviation in INTERNAL_FREQ_FINE); clock_ppm models that
        self._acc += ms * rate * (1000000 + self.clock_ppm)
        ticks = self._acc // 1000000000000
        self._acc -= ticks * 1000000000000
        self._ticks = ticks
        return self.advance_samples(ticks)

    def _unseen_ms(self, ms):
        # A chip that stopped (asleep after a brown-out) does not stop the world: the
        # recording runs on, at the rate the chip last ran, unmeasured.
        self._acc += ms * self._world_mhz * (1000000 + self.clock_ppm)
        ticks = self._acc // 1000000000000
        self._acc -= ticks * 1000000000000
        self.pos = min(self.pos + ticks, len(self.samples) // 3)

    def power_on_reset(self):
        """The chip's registers back to their power-on state (a brown-out): asleep or
        powered down, FIFO empty, until a driver configures it again."""
        self._defaults()

    def push_sample(self, x_mg, y_mg, z_mg):
        """One output-data-rate tick measuring (x, y, z) milli-g."""
        self.produced += 1
        self._sample(x_mg, y_mg, z_mg)

    # -- the FIFO ring (bytes; frames are pushed whole, reads may pop single bytes)
    def _fifo_clear(self):
        self._head = 0
        self.fifo_bytes = 0

    def _fifo_push(self, frame, overwrite):
        """Store one frame; when full drop it, or the oldest frame when overwrite."""
        size = len(self._ring)
        if self.fifo_bytes + len(frame) > size:
            self.dropped += 1
            if not overwrite:
                return False
            self._head = (self._head + len(frame)) % size
            self.fifo_bytes -= len(frame)
        tail = (self._head + self.fifo_bytes) % size
        for b in frame:
            self._ring[tail] = b
            tail = (tail + 1) % size
        self.fifo_bytes += len(frame)
        return True

    def _fifo_pop(self, empty=0):
        if not self.fifo_bytes:
            return empty
        b = self._ring[self._head]
        self._head = (self._head + 1) % len(self._ring)
        self.fifo_bytes -= 1
        return b

    # -- chip specifics
    def _defaults(self):
        self.regs[self.WHO_AM_I_REG] = self.who_am_i

    def _read(self, reg):
        if reg == self.WHO_AM_I_REG:
            return self.who_am_i
        return self.regs[reg & 0xFF]

    def _next(self, reg):
        return (reg + 1) & 0xFF

    def _write(self, reg, value):
        self.regs[reg & 0xFF] = value

    def rate_mhz(self):
        """The output data rate configured, in millihertz (0 when powered down)."""
        return 0

    def _sample(self, x_mg, y_mg, z_mg):
        pass


def _put16(buf, i, v, big_endian):
    v &= 0xFFFF
    if big_endian:
        buf[i] = v >> 8
        buf[i + 1] = v & 0xFF
    else:
        buf[i] = v & 0xFF
        buf[i + 1] = v >> 8


class MPU6886Emu(_ImuEmu):
    """TDK InvenSense MPU-6886 (DS-000193): accel-only FIFO packets of 8 bytes, big-endian."""

    CHIP = "MPU6886"
    ADDR = 0x68
    WHO_AM_I_REG = 0x75
    WHO_AM_I_ID = 0x19
    FRAME_BYTES = 8  # accel X, Y, Z, TEMP_OUT
    FIFO_FRAMES = 128  # 1024 bytes

    def _defaults(self):
        self.regs = bytearray(256)
        self.regs[0x6B] = 0x40  # PWR_MGMT_1: SLEEP
        self._int_status = 0
        self._fifo_clear()
        _ImuEmu._defaults(self)

    def _read(self, reg):
        if reg == 0x74:  # FIFO_R_W: 0xFF when empty
            return self._fifo_pop(0xFF)
        if reg == 0x72:  # FIFO_COUNTH
            return (self.fifo_bytes >> 8) & 0x1F
        if reg == 0x73:
            return self.fifo_bytes & 0xFF
        if reg == 0x3A:  # INT_STATUS, cleared by reading
            v = self._int_status
            self._int_status = 0
            return v
        if 0x3B <= reg <= 0x40:  # ACCEL_XOUT_H .. ACCEL_ZOUT_L
            return self.out[reg - 0x3B]
        return _ImuEmu._read(self, reg)

    def _next(self, reg):
        return reg if reg == 0x74 else (reg + 1) & 0xFF  # FIFO_R_W does not increment

    def _write(self, reg, value):
        if reg == 0x6B and value & 0x80:  # DEVICE_RESET
            self._defaults()
            return
        if reg == 0x6A and value & 0x04:  # FIFO_RST, self-clearing
            self._fifo_clear()
            value &= ~0x04
        self.regs[reg] = value

    def power_mode(self):
        r = self.regs
        if self.rate_mhz() == 0:
            return "gyro" if r[0x6C] & 0x07 != 0x07 and not r[0x6B] & 0x40 else "sleep"
        if r[0x6B] & 0x20:  # PWR_MGMT_1 CYCLE: accelerometer low-power mode
            return "accel_lp"
        return "accel_gyro" if r[0x6C] & 0x07 != 0x07 else "accel"

    def rate_mhz(self):
        r = self.regs
        if r[0x6B] & 0x40 or r[0x6C] & 0x38 == 0x38:  # asleep, or every accel axis standby
            return 0
        dlpf = r[0x1A] & 0x07
        internal_hz = 1000 if r[0x1B] & 0x03 == 0 and 1 <= dlpf <= 6 else 8000
        return internal_hz * 1000 // (1 + r[0x19])

    def _lsb_per_g(self):
        return 16384 >> ((self.regs[0x1C] >> 3) & 0x03)  # ACCEL_FS_SEL

    def _sample(self, x_mg, y_mg, z_mg):
        lsb = self._lsb_per_g()
        out = self.out
        _put16(out, 0, _clamp(_div_round(x_mg * lsb, 1000), -32768, 32767), True)
        _put16(out, 2, _clamp(_div_round(y_mg * lsb, 1000), -32768, 32767), True)
        _put16(out, 4, _clamp(_div_round(z_mg * lsb, 1000), -32768, 32767), True)
        _put16(out, 6, 0, True)  # TEMP_OUT: 25 degC
        if self.regs[0x6A] & 0x40 and self.regs[0x23] & 0x08:  # FIFO_EN and ACCEL_FIFO_EN
            overwrite = not self.regs[0x1A] & 0x40  # CONFIG.FIFO_MODE = 0: replace oldest
            if self.fifo_bytes + 8 > len(self._ring):
                self._int_status |= 0x10  # FIFO_OFLOW_INT
            self._fifo_push(out, overwrite)


# LSM6DSO family: full-scale bits of CTRL1_XL -> micro-g per LSB (DS12140 / DS13276 Table 2)
_LSM_UG = {0: 61, 1: 488, 2: 122, 3: 244}
_LSM32_UG = {0: 122, 1: 976, 2: 244, 3: 488}
_LSM_BASE_MHZ = 6667000  # every ODR is this clock / 2**(10 - code) (AN5192 §6.4)
_LSM_OFS_UG = (977, 15625)  # user offset weight by CTRL6_C USR_OFF_W: 2**-10 g, 2**-6 g


class LSM6DSOEmu(_ImuEmu):
    """ST LSM6DSO / DSOX / DSO32 (DS12140): tagged 7-byte FIFO words, little-endian."""

    CHIP = "LSM6DSO"
    ADDR = 0x6A
    WHO_AM_I_REG = 0x0F
    WHO_AM_I_ID = 0x6C
    FRAME_BYTES = 7
    FIFO_FRAMES = 438  # about 3 kbytes uncompressed

    def __init__(self, samples_mg=(), addr=None, who_am_i=None, variant="LSM6DSO", **options):
        self.CHIP = variant
        self.freq_fine = 0  # INTERNAL_FREQ_FINE, -128..127: factory trim, kept over resets
        self._ug = _LSM32_UG if variant == "LSM6DSO32" else _LSM_UG
        self._word = bytearray(7)  # the word popped by reading FIFO_DATA_OUT_TAG
        self._staged = bytearray(7)  # the word being batched
        _ImuEmu.__init__(self, samples_mg, addr, who_am_i)

    def _defaults(self):
        self.regs = bytearray(256)
        self.regs[0x12] = 0x04  # CTRL3_C: IF_INC
        self._fifo_clear()
        self._ovr = False
        self._tag_cnt = 0
        self._batch = 0
        _ImuEmu._defaults(self)

    def _depth(self):
        wtm = self.regs[0x07] | ((self.regs[0x08] & 0x01) << 8)
        if self.regs[0x08] & 0x80 and wtm:  # STOP_ON_WTM
            return min(wtm, self.FIFO_FRAMES)
        return self.FIFO_FRAMES

    def _read(self, reg):
        words = self.fifo_bytes // 7
        if reg == 0x3A:  # FIFO_STATUS1: DIFF_FIFO[7:0]
            return words & 0xFF
        if reg == 0x3B:  # FIFO_STATUS2
            wtm = self.regs[0x07] | ((self.regs[0x08] & 0x01) << 8)
            v = (words >> 8) & 0x03
            if wtm and words >= wtm:
                v |= 0x80  # FIFO_WTM_IA
            if self._ovr:
                v |= 0x48  # FIFO_OVR_IA, FIFO_OVR_LATCHED
            if words >= self._depth() - 1:
                v |= 0x20  # FIFO_FULL_IA: full at the next ODR
            return v
        if reg == 0x78:  # FIFO_DATA_OUT_TAG pops a word
            w = self._word
            for i in range(7):
                w[i] = self._fifo_pop(0) if words else 0
            return w[0]
        if 0x79 <= reg <= 0x7E:
            return self._word[reg - 0x78]
        if 0x28 <= reg <= 0x2D:  # OUTX_L_A .. OUTZ_H_A
            return self.out[reg - 0x28]
        if reg == 0x63:  # INTERNAL_FREQ_FINE, read-only
            return self.freq_fine & 0xFF
        return _ImuEmu._read(self, reg)

    def _next(self, reg):
        if not self.regs[0x12] & 0x04:  # IF_INC off
            return reg
        if reg == 0x7E:  # FIFO_DATA_OUT_Z_H rolls back to the tag
            return 0x78
        return (reg + 1) & 0xFF

    def _write(self, reg, value):
        if reg == 0x12 and value & 0x01:  # SW_RESET
            self._defaults()
            return
        if reg == 0x0A and value & 0x07 == 0:  # FIFO_MODE bypass empties the FIFO
            self._fifo_clear()
            self._ovr = False
        self.regs[reg] = value

    def rate_mhz(self):
        code = self.regs[0x10] >> 4  # ODR_XL: 1 = 12.5 Hz ... 10 = 6667 Hz, 11 = 1.6 Hz (LP)
        if not 1 <= code <= 10:
            return 0
        shift = 10 - code
        base = (_LSM_BASE_MHZ + (1 << shift >> 1)) >> shift
        adj = (base * 3 * abs(self.freq_fine) + 1000) // 2000  # 0.15 % per LSB
        return base + adj if self.freq_fine >= 0 else base - adj

    def _user_offset_mg(self, reg):
        """The user offset a leftover USR_OFF_ON_OUT subtracts from an axis (DS §9.21 CTRL7_G)."""
        if not self.regs[0x16] & 0x02:  # CTRL7_G USR_OFF_ON_OUT
            return 0
        v = self.regs[reg]
        v -= (v & 0x80) << 1
        return v * _LSM_OFS_UG[(self.regs[0x15] >> 3) & 1] // 1000  # CTRL6_C USR_OFF_W

    def _sample(self, x_mg, y_mg, z_mg):
        ug = self._ug[(self.regs[0x10] >> 2) & 0x03]
        x_mg -= self._user_offset_mg(0x73)  # X_OFS_USR
        y_mg -= self._user_offset_mg(0x74)
        z_mg -= self._user_offset_mg(0x75)
        out = self.out
        _put16(out, 0, _clamp(_div_round(x_mg * 1000, ug), -32768, 32767), False)
        _put16(out, 2, _clamp(_div_round(y_mg * 1000, ug), -32768, 32767), False)
        _put16(out, 4, _clamp(_div_round(z_mg * 1000, ug), -32768, 32767), False)
        mode = self.regs[0x0A] & 0x07
        bdr = self.regs[0x09] & 0x0F  # BDR_XL
        odr = self.regs[0x10] >> 4
        if mode not in (1, 6) or not bdr or bdr > odr:
            return
        self._batch += 1
        if self._batch < 1 << (odr - bdr):  # BDR below ODR batches every 2**k-th sample
            return
        self._batch = 0
        w = self._word_in()
        if mode == 1 and self.fifo_bytes // 7 >= self._depth():
            self.dropped += 1  # FIFO mode stops when full
            self._ovr = True
            return
        if self.fifo_bytes + 7 > len(self._ring):
            self._ovr = True
        self._fifo_push(w, True)

    def _word_in(self):
        w = self._staged
        w[0] = (0x02 << 3) | (self._tag_cnt << 1)  # TAG_SENSOR accelerometer, TAG_CNT
        self._tag_cnt = (self._tag_cnt + 1) & 0x03
        for i in range(6):
            w[i + 1] = self.out[i]
        return w


# LIS3DH: (LPen, HR) mode -> (bits, mg per digit by FS) (DocID17530 Table 4)
_LIS_MODES = {
    "hr": (12, (1, 2, 4, 12)),
    "normal": (10, (4, 8, 16, 48)),
    "lp": (8, (16, 32, 64, 192)),
}
_LIS_ODR_MHZ = (0, 1000, 10000, 25000, 50000, 100000, 200000, 400000, 1600000, 1344000)


class LIS3DHEmu(_ImuEmu):
    """ST LIS3DH (DocID17530): 32-sample FIFO, left-justified little-endian samples."""

    CHIP = "LIS3DH"
    ADDR = 0x18
    WHO_AM_I_REG = 0x0F
    WHO_AM_I_ID = 0x33
    FRAME_BYTES = 6
    FIFO_FRAMES = 32
    REG_MASK = 0x7F

    def _defaults(self):
        self.regs = bytearray(256)
        self.regs[0x20] = 0x07  # CTRL_REG1: power-down, X/Y/Z enabled
        self._hp = [0, 0, 0]  # high-pass filter state per axis, mg * 32
        self._fifo_clear()
        _ImuEmu._defaults(self)

    def _fifo_on(self):
        return self.regs[0x24] & 0x40 and self.regs[0x2E] & 0xC0  # FIFO_EN, FM != bypass

    def _read(self, reg):
        reg &= 0x7F
        n = self.fifo_samples
        if reg == 0x2F:  # FIFO_SRC_REG
            v = n if n < 32 else 0x1F
            if n >= 32:
                v |= 0x40  # OVRN_FIFO: full, newer samples dropped or overwritten
            if n == 0:
                v |= 0x20  # EMPTY
            if n > self.regs[0x2E] & 0x1F:
                v |= 0x80  # WTM
            return v
        if 0x28 <= reg <= 0x2D:
            if reg == 0x28 and self._fifo_on() and n:  # OUT_X_L pops the next sample
                for i in range(6):
                    self.out[i] = self._fifo_pop()
            return self.out[reg - 0x28]
        return _ImuEmu._read(self, reg)

    def _next(self, reg):
        if not reg & 0x80:  # sub-address MSB = auto-increment
            return reg
        if reg & 0x7F == 0x2D and self._fifo_on():  # FIFO reads roll back to OUT_X_L
            return 0xA8
        return 0x80 | ((reg + 1) & 0x7F)

    def _write(self, reg, value):
        reg &= 0x7F
        if reg == 0x24:
            value &= 0x7F  # BOOT reloads trimming and clears itself: control registers stay
        if reg == 0x2E and value & 0xC0 == 0:  # bypass empties the FIFO
            self._fifo_clear()
        self.regs[reg] = value

    def rate_mhz(self):
        code = self.regs[0x20] >> 4
        if not self.regs[0x20] & 0x07 or code >= len(_LIS_ODR_MHZ):
            return 0
        return _LIS_ODR_MHZ[code]

    def _mode(self):
        if self.regs[0x20] & 0x08:
            return _LIS_MODES["lp"]
        return _LIS_MODES["hr" if self.regs[0x23] & 0x08 else "normal"]

    def _high_pass(self, axis, v_mg):
        """CTRL_REG2 FDS routes high-pass-filtered data to the outputs and FIFO (DS §8.7);
        modelled as a first-order filter of corner about rate / 200 (HPCF not modelled)."""
        hp = self._hp
        hp[axis] += v_mg - (hp[axis] >> 5)
        return v_mg - (hp[axis] >> 5)

    def _sample(self, x_mg, y_mg, z_mg):
        bits, table = self._mode()
        mg = table[(self.regs[0x23] >> 4) & 0x03]
        top = (1 << (bits - 1)) - 1
        shift = 16 - bits
        if self.regs[0x21] & 0x08:  # FDS
            x_mg = self._high_pass(0, x_mg)
            y_mg = self._high_pass(1, y_mg)
            z_mg = self._high_pass(2, z_mg)
        out = self.out
        _put16(out, 0, _clamp(_div_round(x_mg, mg), -top - 1, top) << shift, False)
        _put16(out, 2, _clamp(_div_round(y_mg, mg), -top - 1, top) << shift, False)
        _put16(out, 4, _clamp(_div_round(z_mg, mg), -top - 1, top) << shift, False)
        if not self._fifo_on():
            return
        stream = self.regs[0x2E] & 0x80  # FM = 10 stream or 11 stream-to-FIFO: overwrite
        self._fifo_push(out, stream)


EMULATORS = {"mpu6886": MPU6886Emu, "lsm6dso": LSM6DSOEmu, "lis3dh": LIS3DHEmu}
