"""Build the hardware objects from a data-only `boards/<name>.py`: the one place `machine` is used.

Everything above this layer receives ready objects (I2C IMU driver, PWM outputs, pins, ADC),
so the app runs unchanged on any board and on the virtual board, whose stand-in `machine`
module takes the real one's place.
"""

import time

import machine

from footfall_fw import clock

BOARD_FILE = "board.txt"
DEFAULT_BOARD = "m5stickc_plus2"
PWM_IDLE_HZ = 2000
# The watchdog's timeout while no app feeds it (as boot.py sets it): a forgotten REPL resets
# within the hour. The app shortens it when it takes over and relaxes it again on Ctrl-C.
WDT_RELAXED_MS = 3_600_000


def board_name(path=BOARD_FILE):
    """The board named in board.txt (written by `footfall flash`), else the reference board."""
    try:
        with open(path) as f:
            name = f.read().strip()
    except OSError:
        return DEFAULT_BOARD
    return name or DEFAULT_BOARD


def load_board(name):
    """Import boards/<name>.py; ValueError naming the board if it does not exist."""
    try:
        return getattr(__import__("boards." + name), name)
    except ImportError:
        raise ValueError("unknown board " + repr(name)) from None


# The ESP32 port's machine.I2C `timeout` is in microseconds (ports/esp32/machine_i2c.c,
# default I2C_DEFAULT_TIMEOUT_US = 50 ms). With the I2C driver of ESP-IDF >= 5.5.2 it bounds
# each whole transfer (timeout_us / 1000 ms to i2c_master_transmit_receive). The longest
# transfer is a full LSM6DSO FIFO burst: 256 words x 7 bytes + 3 = 1795 bytes x 9 clocks at
# 400 kHz = 40 ms (about 45 ms at the ESP32's real SCL rate), too close to 50 ms. 200 ms is
# 4x that and still covers the burst on a 100 kHz bus (162 ms); a hung bus then costs 200 ms
# per transfer, far inside the watchdog. (With older ESP-IDF the value sets the hardware's
# SCL-stall timeout instead, clamped by the chip, and the transfer limit is the port's own.)
I2C_TIMEOUT_US = 200_000


def _imu(board, rate_hz):
    i2c = machine.I2C(
        board.I2C_ID,
        scl=machine.Pin(board.SCL),
        sda=machine.Pin(board.SDA),
        freq=board.I2C_HZ,
        timeout=I2C_TIMEOUT_US,
    )
    module = getattr(__import__("drivers." + board.IMU), board.IMU)
    cls = getattr(module, getattr(board, "IMU_CLASS", board.IMU.upper()))
    options = getattr(board, "IMU_OPTIONS", {})  # e.g. the LSM6DSO variant
    return cls(i2c, addr=board.IMU_ADDR, rate_hz=rate_hz, **options)


# Written to RTC user memory by write_clock. That memory survives soft and watchdog resets but
# not a power-off (ports/esp32/machine_rtc.c: RTC_NOINIT_ATTR), as the ESP32 clock does.
CLOCK_MARK = b"footfall-utc"


def _port_s(unix_s):
    # The port's time functions count from 2000 on some builds
    return unix_s - clock.EPOCH_OFFSET_S


def _rtc_chip(board, i2c):
    name = getattr(board, "RTC", None)
    if name is None:
        return None
    module = getattr(__import__("drivers." + name), name)
    return getattr(module, name.upper())(i2c, addr=board.RTC_ADDR)


def _marked():
    try:
        return bytes(machine.RTC().memory()) == CLOCK_MARK
    except (AttributeError, OSError):
        return False


def load_clock(rtc_chip):
    """Boot: set the ESP32 clock from the external RTC when it kept valid time; returns
    whether the clock is valid (also true after SET_TIME since power-on: CLOCK_MARK).
    A chip time that is no date, or outside clock.usable(), is not believed: VL clear
    does not make a garbled read true."""
    if rtc_chip is not None:
        try:
            t = rtc_chip.datetime()
            if not rtc_chip.vl and _usable_datetime(t):
                _set_esp32_clock(t)
                return True
        except OSError:
            pass  # a silent RTC: the ESP32 clock may still be valid since a SET_TIME
    return _marked()


def _usable_datetime(t):
    # t in time.gmtime() order; mktime would quietly carry a month 13 into the next year
    y, mo, d, h, mi, s = t[:6]
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59):
        return False
    return clock.usable(time.mktime((y, mo, d, h, mi, s, 0, 0)) + clock.EPOCH_OFFSET_S)


def _set_esp32_clock(t):
    # t in time.gmtime() order (year, month, day, hour, min, s, weekday); RTC.datetime()
    # takes (year, month, day, weekday, hour, min, s, subseconds).
    machine.RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0))


def write_clock(unix_s, rtc_chip=None):
    """Set the ESP32 clock (UTC) and mark it valid, then the external RTC if there is one
    (an OSError from that chip is raised after the ESP32 clock is set and valid).
    ValueError, with both clocks untouched, for a time outside clock.usable()."""
    if not clock.usable(unix_s):
        raise ValueError(f"clock: {unix_s} s is outside 2024-2099 UTC")
    t = time.gmtime(_port_s(unix_s))
    _set_esp32_clock(t)
    try:
        machine.RTC().memory(CLOCK_MARK)
    except AttributeError:
        pass  # a port without RTC user memory: valid until the next reset
    clock.set_valid(True)
    if rtc_chip is not None:
        rtc_chip.set(t[0], t[1], t[2], t[3], t[4], t[5], t[6])


def _pwm(pin):
    if pin is None:
        return None
    return machine.PWM(machine.Pin(pin), freq=PWM_IDLE_HZ, duty_u16=0)


def _off(board):
    return getattr(board, "OFF_PINS", ())


def _button(pin):
    if pin is None:
        return None
    return machine.Pin(pin, machine.Pin.IN, machine.Pin.PULL_UP)


class Hardware:
    """The board's parts, built once at boot."""

    def __init__(self, name, rate_hz=100):
        board = load_board(name)
        self.name = board.NAME
        hold = getattr(board, "HOLD_PIN", None)
        # The M5StickC Plus2 powers itself off unless its hold pin is driven high first.
        self.hold = None if hold is None else machine.Pin(hold, machine.Pin.OUT, value=1)
        self.imu = _imu(board, rate_hz)
        # The hardware timer whose callback reads the IMU's FIFO (footfall_fw.sampler).
        self.timer = machine.Timer(getattr(board, "TIMER_ID", 0))
        # The RTC chip shares the IMU's bus (I2CDevice keeps it as _i2c).
        self.rtc = _rtc_chip(board, self.imu._i2c)
        clock.set_valid(load_clock(self.rtc))
        self.buzzer = _pwm(getattr(board, "BUZZER_PIN", None))
        self.motor = _pwm(getattr(board, "MOTOR_PIN", None))
        self.button_a = _button(board.BUTTON_A)
        self.button_b = _button(getattr(board, "BUTTON_B", None))
        self.button_power = _button(getattr(board, "BUTTON_POWER", None))
        # machine.lightsleep (ports/esp32/modmachine.c); footfall_fw/power.py sleeps with it
        self.lightsleep = getattr(machine, "lightsleep", None)
        # Outputs nothing uses, driven to their off level (the Plus2's LCD backlight, LED)
        self.off_pins = [machine.Pin(p, machine.Pin.OUT, value=v) for p, v in _off(board)]
        adc = getattr(board, "BATTERY_ADC", None)
        # 11 dB attenuation: the ESP32's ADC reads up to ~2.5 V (half a full cell is 2.1 V).
        atten = machine.ADC.ATTN_11DB
        self.battery = None if adc is None else machine.ADC(machine.Pin(adc), atten=atten)
        # Divider between the cell and the ADC pin (the Plus2 halves the cell voltage).
        self.battery_scale = getattr(board, "BATTERY_DIVIDER", 1)
        self.usb_sync_window = getattr(board, "USB_SYNC_WINDOW", 255)
        self.device_id = bytes(machine.unique_id()[-6:])

    def watchdog(self, timeout_ms):
        """Start the hardware watchdog (it cannot be stopped again)."""
        return machine.WDT(timeout=timeout_ms)

    def set_clock(self, unix_s):
        """Sync's SET TIME: the ESP32 clock and the external RTC (which clears its VL bit)."""
        try:
            write_clock(unix_s, self.rtc)
        except OSError:
            pass  # a silent RTC chip: the ESP32 clock is set and valid all the same

    def reset(self):
        machine.reset()

    def power_off(self):
        """Release the hold pin (battery boards switch off) or sleep until a button wakes
        the board: still powered (on USB, or without a hold pin), a press of the power
        button (else button A) wakes it from deep sleep (esp32.wake_on_ext0, level low;
        ports/esp32/modesp32.c), which boots it afresh."""
        if self.hold is not None:
            self.hold.value(0)
        wake = self.button_power or self.button_a
        try:
            import esp32  # the ESP32 port's module (absent on the unix port)

            esp32.wake_on_ext0(wake, False)  # (pin, level): wake while it reads low
        except (ImportError, ValueError):  # no esp32 module, or not an RTC-capable pin
            pass
        machine.deepsleep()
