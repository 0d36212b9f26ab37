"""Power management: light sleep between the event loop's waits during a run, power-off idle.

MicroPython's asyncio does not sleep the CPU: it waits in `select.poll().ipoll(dt)` with
the CPU clock-gated but awake (ESP32 modem-sleep, 27 mA at 160 MHz against 0.8 mA in light
sleep; hardware/power_currents.csv). The scheduler looks its IO queue up as a global
(`_io_queue.wait_io_event(dt)` in extmod/asyncio/core.py, `dt` the ms until the next task
is due), so `install()` puts in its place an IOQueue that, when no stream is waited on,
light-sleeps for that time first (`machine.lightsleep(ms)`, ports/esp32/modmachine.c: a
timer wake-up, then `esp_light_sleep_start()`; the CPU state and RAM are kept and
`ticks_ms` counts on), then polls as before. Nothing runs per wake beyond that check.

It sleeps only while that is safe for every guarantee:
- a session is open (the runner is running: no USB sync expected, the USB-UART would lose
  bytes sent meanwhile) and the USB link is idle;
- BLE is off (the radio needs the CPU awake);
- no output is driven: LEDC PWM stops in light sleep unless made with `lightsleep=True`
  (ports/esp32/machine_pwm.c), so a cue's or a beat's "on" is never slept through, and its
  "off" is a task wake-up like any other;
- each sleep is at most `max_ms` (the sampler's poll period), so a FIFO read by a
  machine.Timer, whose callback cannot run while the CPU sleeps, is at most that late: the
  poll period is a quarter of the FIFO (footfall_fw/sampler.py period_for), so no sample is
  lost.

Standby: with no session open and no steps for IDLE_OFF_MS, `should_power_off()` says so;
the app then powers the board off (the Plus2 releases its HOLD pin; its BM8563 keeps the
clock, and the power button turns it on again).
"""

import sys
import time

SLEEP_MIN_MS = 3  # a shorter wait is not worth entering and leaving light sleep
IDLE_OFF_MS = 300_000  # no session, no steps, no link for this long: power off (standby)


class Power:
    """Light sleep in the event loop's waits while `allowed()` is true; idle power-off."""

    def __init__(self, lightsleep, allowed, max_ms, idle_off_ms=IDLE_OFF_MS):
        self.lightsleep = lightsleep  # machine.lightsleep, or None on a board without it
        self.allowed = allowed
        self.max_ms = max_ms
        self.idle_off_ms = idle_off_ms
        self.sleeps = 0
        self.slept_ms = 0
        self._idle_since = time.ticks_ms()

    async def run(self):
        """Install the sleeping wait into the running loop (a task that ends at once)."""
        self.install()

    def install(self):
        core = sys.modules.get("asyncio.core")
        if self.lightsleep is None or core is None or not hasattr(core, "IOQueue"):
            return False  # CPython's asyncio, or a board without light sleep
        base = core._io_queue
        if isinstance(base, _sleepy_queue(core)):
            return True
        core._io_queue = _sleepy_queue(core)(self, base)  # type: ignore[attr-defined]
        return True

    def sleep_for(self, dt):
        """Light-sleep for up to dt ms (at most max_ms) when allowed; the ms slept."""
        ms = dt if dt < self.max_ms else self.max_ms
        if ms < SLEEP_MIN_MS or not self.allowed():
            return 0
        self.lightsleep(ms)
        self.sleeps += 1
        self.slept_ms += ms
        return ms

    def note_activity(self, busy, now=None):
        """Tell the idle clock whether anything is going on (a session, steps, a link)."""
        if busy:
            self._idle_since = time.ticks_ms() if now is None else now

    def should_power_off(self, now=None):
        now = time.ticks_ms() if now is None else now
        return time.ticks_diff(now, self._idle_since) >= self.idle_off_ms


_Sleepy = None


def _sleepy_queue(core):
    """The IOQueue subclass (made once asyncio is loaded, as its base class lives there)."""
    global _Sleepy
    if _Sleepy is None:

        class SleepyIOQueue(core.IOQueue):  # type: ignore[name-defined]  # not in the stubs
            def __init__(self, power, base):
                self.poller = base.poller  # the same poller and map: nothing is lost
                self.map = base.map
                self.power = power

            def wait_io_event(self, dt):
                if dt > 0 and not self.map and self.power.sleep_for(dt):
                    dt = 0  # woken: poll once, and the loop looks at its queue again
                core.IOQueue.wait_io_event(self, dt)

        _Sleepy = SleepyIOQueue
    return _Sleepy
