"""Power management: light sleep between the event loop's waits during a run, power-off idle.

MicroPython's asyncio does not sleep the CPU: it waits in `select.poll().ipoll()` with the
CPU clock-gated but awake (ESP32 modem-sleep, 27 mA at 160 MHz against 0.8 mA in light
sleep; hardware/power_currents.csv). So a low-priority task yields once (every task due now
runs first), reads when the next task is due from asyncio's own queue (`ph_key` of the head
of `asyncio.core._task_queue`, extmod/modasyncio.c) and light-sleeps until then
(`machine.lightsleep(ms)`, ports/esp32/modmachine.c: a timer wake-up, then
`esp_light_sleep_start()`; the CPU state and RAM are kept and `ticks_ms` counts on).

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

import asyncio
import sys
import time

SLEEP_MIN_MS = 3  # a shorter wait is not worth entering and leaving light sleep
CHECK_MS = 50  # how often to look again while sleeping is not allowed
IDLE_OFF_MS = 300_000  # no session, no steps, no link for this long: power off (standby)


def next_due_ms(now):
    """ms until asyncio's next task is due (None when no task waits on time)."""
    core = sys.modules.get("asyncio.core")
    queue = getattr(core, "_task_queue", None)
    task = queue.peek() if queue is not None else None
    if task is None:
        return None
    return time.ticks_diff(task.ph_key, now)


class Power:
    """Light sleep between tasks while `allowed()` is true; idle power-off timing."""

    def __init__(self, lightsleep, allowed, max_ms, idle_off_ms=IDLE_OFF_MS):
        self.lightsleep = lightsleep  # machine.lightsleep, or None on a board without it
        self.allowed = allowed
        self.max_ms = max_ms
        self.idle_off_ms = idle_off_ms
        self.sleeps = 0
        self.slept_ms = 0
        self._idle_since = time.ticks_ms()

    async def run(self):
        """The sleeper task (lowest priority by design: it runs after what is due now)."""
        while True:
            if self.lightsleep is None or not self.allowed():
                await asyncio.sleep_ms(CHECK_MS)
                continue
            await asyncio.sleep_ms(0)  # every task due now runs before the sleep
            if not self.sleep_once():
                await asyncio.sleep_ms(SLEEP_MIN_MS)  # the next task is too close to sleep

    def sleep_once(self):
        now = time.ticks_ms()
        ms = next_due_ms(now)
        if ms is None or ms > self.max_ms:
            ms = self.max_ms
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
