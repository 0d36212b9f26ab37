"""Virtual-board stand-in for `machine`: emulated I2C IMU, logging PWM, scripted pins.

Only the parts footfall_fw.board uses exist. Every PWM change is logged with its virtual
time (`_sim.events`), button pins follow the scenario's scripted presses, the ADC reads the
scenario's battery voltage, the one WDT (kept across soft resets) starves into a reset,
reset()/deepsleep() end the run and soft_reset() hands over to simboot's soft reset.
"""

import time

import _sim

IRQ_FALLING = 2
IRQ_RISING = 1


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, id, mode=None, pull=None, value=None):  # machine's name
        self.id = id
        self.mode = mode
        self._value = 0 if value is None else value
        if value is not None:  # driven at once, as the port's Pin(..., value=) does
            _sim.log("pin", id, self._value)

    def value(self, v=None):
        # A C call on the board: not charged. Reading a pin (the buttons task reads three,
        # 40 times a second) is left uncharged by its wall time, as a hold() bracket would
        # leak more than it costs; driving one logs it, inside a bracket.
        if v is None:
            t_in = time.stand_in_start()
            try:
                return _sim.button_level(self.id) if self.mode == Pin.IN else self._value
            finally:
                time.stand_in_done(t_in)
        time.hold()
        try:
            self._value = 1 if v else 0
            _sim.log("pin", self.id, self._value)
        finally:
            time.release()
        return None

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_FALLING):
        return None

    def __repr__(self):
        return f"Pin({self.id})"


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0):
        self.pin = pin.id if isinstance(pin, Pin) else pin
        self._freq = freq
        self._duty = duty_u16

    def freq(self, hz=None):
        if hz is None:
            return self._freq
        if hz != self._freq:
            self._freq = hz
            _sim.log("pwm", self.pin, self._freq, self._duty)
        return None

    def duty_u16(self, duty=None):
        if duty is None:
            return self._duty
        if duty != self._duty:
            self._duty = duty
            _sim.log("pwm", self.pin, self._freq, self._duty)
        return None

    def deinit(self):
        self.duty_u16(0)


class I2C:
    """A bus holding the virtual board's emulated IMU (or nothing, on other bus ids).

    As the ESP32 port's machine.I2C (ports/esp32/machine_i2c.c): scl, sda, freq and
    timeout are keyword-only; timeout is in microseconds (default 50000) and bounds each
    whole transfer, which fails with ETIMEDOUT when its bytes at 9 clocks each (plus the
    address and register bytes) take longer at freq than that.
    """

    DEFAULT_TIMEOUT_US = 50000  # I2C_DEFAULT_TIMEOUT_US

    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=-1):
        if type(timeout) is not int:
            raise TypeError("timeout must be an int (microseconds)")
        self.id = id
        self.freq = freq
        self.timeout_us = self.DEFAULT_TIMEOUT_US if timeout == -1 else timeout
        # the most bytes a transfer can move in time (worked out once: no big ints per read)
        self._max_bytes = self.timeout_us * freq // 9000000
        self.chip = _sim.bus(id)

    def __repr__(self):
        return f"I2C({self.id}, freq={self.freq}, timeout={self.timeout_us})"

    def _bus(self, nbytes):
        if self.chip is None:
            raise OSError(19)  # ENODEV: nothing answers on this bus
        hang_ms = _sim.scenario.get("bus_hang_ms")
        if hang_ms is not None and _sim.sensor_ms() >= hang_ms:
            time.block_ms(60000)  # fault injection: the bus locks up (SDA held low) for 60 s
        glitch_ms = _sim.scenario.get("bus_glitch_ms")
        if glitch_ms is not None and _sim.sensor_ms() >= glitch_ms:
            _sim.scenario["bus_glitch_ms"] = None  # one failed transfer, then a good bus
            raise OSError(5)
        fail_ms = _sim.scenario.get("bus_error_ms")
        if fail_ms is not None and _sim.sensor_ms() >= fail_ms:
            raise OSError(5)  # EIO: fault injection, as a loose connector would fail
        if nbytes > self._max_bytes:
            raise OSError(110)  # ETIMEDOUT: the transfer outlasts the timeout
        _sim.pump()
        return self.chip

    def scan(self):
        return [] if self.chip is None else self.chip.scan()

    # Each transaction: address+W, register, (address+R,) data bytes on the wire (_sim.transfer).
    def readfrom_mem_into(self, addr, reg, buf, addrsize=8):
        time.interrupts()  # callbacks that fell due run before the transfer
        with _sim.transfer(3 + len(buf), self.freq):  # + address, reg, address
            self._bus(len(buf) + 3).readfrom_mem_into(addr, reg, buf)

    def readfrom_mem(self, addr, reg, n, addrsize=8):
        time.interrupts()  # callbacks that fell due run before the transfer
        with _sim.transfer(3 + n, self.freq):
            return self._bus(n + 3).readfrom_mem(addr, reg, n)

    def writeto_mem(self, addr, reg, buf, addrsize=8):
        time.interrupts()  # callbacks that fell due run before the transfer
        with _sim.transfer(2 + len(buf), self.freq):
            self._bus(len(buf) + 2).writeto_mem(addr, reg, buf)


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin, atten=None):
        self.pin = pin

    def read_uv(self):
        # The board halves the cell voltage (BATTERY_SCALE = 2 on the reference board).
        return _sim.scenario.get("battery_mv", 4000) * 1000 // _sim.scenario.get("adc_scale", 2)

    def read_u16(self):
        return self.read_uv() * 65535 // 3300000


class _WDT:
    def __init__(self):
        self.timeout_ms = 0
        self.fed_ms = time.ticks_ms()

    def feed(self):
        self.fed_ms = time.ticks_ms()


def WDT(id=0, timeout=5000):  # machine's name
    """The one task-WDT user of ports/esp32/machine_wdt.c: made once (counting from then),
    every later call only reconfigures its timeout (without feeding it) and returns it, and
    nothing stops it: it lives in _sim, so a soft reset (a fresh `machine`) keeps it."""
    if id != 0:
        raise ValueError
    if timeout <= 0:
        raise ValueError("WDT timeout too short")
    if not _sim.watchdogs:
        _sim.watchdogs.append(_WDT())
    wdt = _sim.watchdogs[0]
    wdt.timeout_ms = timeout
    _sim.log("wdt", timeout)
    return wdt


class RTC:
    def memory(self, data=None):
        """RTC user memory: kept across soft and watchdog resets, lost at power-off
        (ports/esp32/machine_rtc.c); starts as the scenario's `rtc_memory`."""
        if data is not None:
            _sim.rtc_memory = bytes(data)
            return None
        if _sim.rtc_memory is None:
            _sim.rtc_memory = _sim.scenario.get("rtc_memory", "").encode()
        return _sim.rtc_memory

    def datetime(self, dt=None):
        if dt is None:
            y, mo, d, h, mi, s, wd, _ = time.gmtime(time.time())
            return (y, mo, d, wd, h, mi, s, 0)
        y, mo, d, _, h, mi, s = dt[:7]
        time.set_epoch(time.mktime((y, mo, d, h, mi, s, 0, 0)))
        return None


class Timer:
    """A hardware timer of ports/esp32/machine_timer.c: init(mode, period, callback) with
    PERIODIC the default mode; the callback is a soft interrupt (the stand-in `time` runs
    it, see there); deinit() stops it, and so does a soft reset (its finaliser)."""

    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id, **kwargs):  # machine's name
        self.id = id
        if kwargs:
            self.init(**kwargs)

    def init(self, *, mode=PERIODIC, period=-1, callback=None, freq=None):
        if freq is not None:
            period = 1000 // freq
        if period <= 0:
            raise ValueError("period")
        time.timer_start(self, period, callback, mode == self.PERIODIC)

    def deinit(self):
        time.timer_stop(self)

    def __repr__(self):
        return f"Timer({self.id})"


def unique_id():
    return b"\x24\x0a\xc4\x5f\xf0\x0d"


def reset():
    _sim.power_off("reset")


def soft_reset():
    # ports/esp32: SystemExit with a forced exit, then main.c's soft reset (simboot runs it)
    _sim.soft_reset_pending = True
    raise SystemExit("soft reset")


def deepsleep(ms=0):
    _sim.power("deepsleep", ms)
    _sim.power_off("power off")


def lightsleep(ms=0):
    # The CPU sleeps ms (a wait of the scheduler: no step runs). Counted for the power model
    # in _sim, not logged. A sleep comes every few ms: the stand-in's own work is left
    # uncharged by its wall time (time.stand_in_done), as a hold() bracket would leak a
    # little host time into the charge at each. The scheduler's ipoll, which follows at
    # once, runs the wait's scripts.
    t_in = time.stand_in_start()
    _sim.slept(ms)
    _sim.loop_waits(time.stand_in_ms(t_in))
    time.skip_us(ms * 1000)
    time.stand_in_done(t_in)
    time.run_due()  # timer callbacks due meanwhile run as the CPU wakes


def idle():
    return None


# ESP32_GENERIC boots at 160 MHz (its sdkconfig; docs/virtual-board.md, Timing); the port's
# machine.freq takes 20, 40, 80, 160 or 240 MHz (ports/esp32/modmachine.c).
FREQS_HZ = (20000000, 40000000, 80000000, 160000000, 240000000)


def freq(hz=None):
    if hz is None:
        return _sim.cpu_hz
    if hz not in FREQS_HZ:
        raise ValueError("frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz")
    _sim.cpu_hz = hz
    _sim.power("freq", hz)
    return None
