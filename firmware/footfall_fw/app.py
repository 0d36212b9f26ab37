"""The device application: the asyncio tasks that turn samples into steps, cues and sessions.

Tasks: sampler (FIFO -> core), coach (cadence -> "quicken" cues, auto start/stop), haptics,
metronome (beats at the target in the metronome modes),
logger (ring -> store), buttons, battery monitor, watchdog (8 s, fed while the sampler
polls; relaxed again on Ctrl-C, see footfall_fw/guard.py). A loop exception handler makes a
failed task loud: it logs the traceback, closes the session, plays "error" and resets; after
the next boot the store's task repairs the store in steps. `instance` holds the running App
for the REPL and the virtual board.
"""

import asyncio
import sys
import time

from footfall_core import records as rec
from footfall_core.sync_defs import CAP_BLE, CAP_LIVE, CAP_RSC, CAP_SERIAL
from footfall_core.tracker import Tracker

from footfall_fw import VERSION, buttons, config, log
from footfall_fw.battery import CRITICAL, LOW, Battery
from footfall_fw.board import WDT_RELAXED_MS
from footfall_fw.haptics import Haptics
from footfall_fw.metronome import Metronome
from footfall_fw.power import Power
from footfall_fw.progress import Progress
from footfall_fw.sampler import Sampler
from footfall_fw.sessions import Sessions
from footfall_fw.store import Store, StoreFull
from footfall_fw.sync_device import SyncConfig, SyncDevice
from footfall_fw.usb_link import UsbLink

STORE_ROOT = "sessions"
COACH_MS = 1000
WDT_MS = 8000  # reset if the loop stops feeding for this long
STALL_MS = 3000  # the watchdog is starved when the sampler has not polled for this long
ERROR_RESET_MS = 3000  # time for the "error" pattern before resetting
CUE_PATTERNS = ("", "quicken", "quicken_more")  # by Coach.update()'s CUE / CUE_AGAIN
IMPACT_PATTERNS = ("", "soften", "soften_more")  # the same, in the impact mode

instance = None


class App:
    def __init__(self, hw, cfg, store_root=STORE_ROOT):
        global instance
        instance = self
        self.hw = hw
        self.cfg = cfg
        self.failures = 0
        self.cues = 0
        self.haptics = Haptics(hw.buzzer, hw.motor)
        self.metronome = Metronome(self.haptics)
        self.tracker = Tracker(hw.imu.rate_hz, cfg["placement"], self._on_step)
        self.store = Store(store_root)
        fw = tuple(int(v) for v in VERSION.split("."))
        self.sessions = Sessions(self.store, self.tracker, cfg, hw.device_id, fw)
        self.sessions.on_full = self._on_full
        self.capture = None  # RawCapture, made at the first capture (rarely used: not loaded)
        self.sampler = Sampler(hw.imu, self.tracker, timer=getattr(hw, "timer", None))
        self.sampler.on_gap = self.sessions.gap  # a FIFO overflow: a GAP record in the session
        self.sessions.poll_fn = self.sampler.poll
        self.store.before_write = self.sessions.before_write
        self.progress = Progress(cfg)
        self.coach = self.progress.coach()
        self.sessions.header_extra = self.progress.header_fields()
        self.battery = Battery(hw.battery, hw.battery_scale)
        self.button_a = buttons.Button(hw.button_a)
        self.button_b = buttons.Button(hw.button_b)
        power_pin = getattr(hw, "button_power", None)  # the Plus2's power button (GPIO35)
        self.button_power = None if power_pin is None else buttons.Button(power_pin)
        self.power = Power(
            getattr(hw, "lightsleep", None), self._may_sleep, self.sampler.period_ms
        )
        self._steps_seen = 0
        self._done = asyncio.Event()
        self.usb = UsbLink(
            self.store,
            SyncConfig(self),
            SyncDevice(self, CAP_SERIAL),
            max_window=hw.usb_sync_window,
        )
        self.ble = self._ble_link()

    def _ble_link(self):
        try:  # ble_link imports aioble and bluetooth: absent on the unix port (virtual board)
            from footfall_fw.ble_link import BleLink
        except ImportError as exc:
            if "aioble" in str(exc):
                log("BLE off: aioble is not installed (mpremote mip install aioble)")
            return None
        dev = SyncDevice(self, CAP_BLE | CAP_RSC | CAP_LIVE)
        cfg = SyncConfig(self)
        return BleLink(dev, self.store, cfg, self.tracker, self.cfg["placement"], self.hw.name)

    async def _ble_power(self):
        # BLE stays off during a run unless live mode is on: the radio costs more than the IMU.
        if self.sessions.active and not self.cfg["live"]:
            await self.ble.stop()
        else:
            await self.ble.start()

    def _may_sleep(self):
        # Light sleep only during a run with every link idle and no output driven (power.py).
        if not self.sessions.active or self.usb.active or self.haptics.sounding:
            return False
        return self.ble is None or not self.ble.running

    def _idle_check(self):
        # Standby: no session, no steps and no link for power.IDLE_OFF_MS: power off.
        steps = self.tracker.steps
        busy = self.sessions.active or steps != self._steps_seen or self.usb.active
        self._steps_seen = steps
        # a central connected over BLE (ble_link's _conn while it serves one) counts as busy
        linked = self.ble is not None and getattr(self.ble, "_conn", None) is not None
        self.power.note_activity(busy or linked)
        if self.power.should_power_off():
            self.power_off("idle")

    def power_off(self, why):
        """Close any session, play "stopped" and power off (the Plus2 keeps its clock)."""
        if self._done.is_set():
            return  # already on its way off
        log(f"powering off: {why}")
        self.stop_session()
        self._done.set()

    def _on_step(self, index, peak_mg, cadence_spm):
        self.sessions.on_step(index, peak_mg, cadence_spm)
        self.coach.on_step(peak_mg)  # the impact mode's reading

    # -- session control (buttons, auto start/stop, battery, storage) -------------------

    def start_session(self, auto=False, back_ms=0):
        self.sessions.rate_mhz = self.sampler.rate_mhz  # the calibrated rate, into the header
        coach = self.progress.begin()  # a programme: the next session's stage
        if coach is not None:
            self.coach = coach
        self.sessions.header_extra = self.progress.header_fields()
        try:
            self.sessions.start(auto, back_ms)
        except StoreFull:
            log("storage full: session not started")
            self.haptics.play("storage_full")
            return
        log("session started" + (" (auto)" if auto else ""))
        self.haptics.play("started")

    def stop_session(self, reason=rec.END_STOPPED):
        if self.sessions.active:
            self.sessions.stop(reason)
            log(f"session stopped: {self.sessions.logged} steps logged")
            self.haptics.play("stopped")

    def _on_full(self):
        log("storage full: session closed")
        self.haptics.play("storage_full")

    def set_target_from_cadence(self):
        spm = self.tracker.cadence_spm()
        if spm < 60:
            return  # not moving: keep the old target
        self.cfg["target_spm"] = spm if spm <= 240 else 240
        self.cfg["auto_target"] = False  # the runner's own choice replaces the learned one
        config.save(self.cfg)
        self.coach = self.progress.coach()
        log(f"target set to {self.cfg['target_spm']} spm")
        self.haptics.play("target_set")

    def open_pairing(self):
        # The runner's consent: for a minute a phone or laptop may bond (pair for good).
        if self.ble is not None and self.ble.open_pairing():
            log("pairing window open")
            self.haptics.play("pairing")
        else:
            log("pairing: this board has no BLE sync")

    def start_capture(self):
        if self.capture is None:
            from footfall_fw.rawcap import RawCapture

            self.capture = RawCapture(self.hw.imu.rate_hz)
        if not self.capture.active:
            self.capture.start(self.cfg["raw_capture_s"])
            self.sampler.tap = self.capture.tap
            log(f"raw capture to {self.capture.path}")
            self.haptics.play("capture")

    # -- tasks -----------------------------------------------------------------------------

    async def _coach_task(self):
        last = time.ticks_ms()
        while True:
            await asyncio.sleep_ms(COACH_MS)
            now = time.ticks_ms()
            dt, last = time.ticks_diff(now, last), now
            spm = self.tracker.cadence_spm()
            state = self.tracker.state()
            action = self.sessions.update_auto(dt, spm, state)
            if action == "start":
                self.start_session(True, self.cfg["start_s"] * 1000)
            elif action == "stop":
                self.stop_session(rec.END_AUTO)
            if self.ble is not None:
                await self._ble_power()
            self.progress.tick(self.coach, self.sessions.now_ms())  # a faded programme
            level = self.coach.update(now, spm, state, not self.sessions.active)
            if level:
                self.cues += 1
                mode = self.cfg["coach"]
                if mode == "cues" or mode == "impact":  # a metronome mode beats instead
                    self.haptics.play(
                        (IMPACT_PATTERNS if mode == "impact" else CUE_PATTERNS)[level]
                    )
                self.sessions.cue(spm)
            active = self.sessions.active and not self.coach.mute
            self.metronome.follow(self.cfg, self.coach, active)
            self._idle_check()
            capture = self.capture  # made by the first capture; the tap is set while one runs
            if self.sampler.tap is not None and capture is not None and not capture.active:
                self.sampler.tap = None
                log("raw capture done")

    async def _buttons_task(self):
        while True:
            await asyncio.sleep_ms(buttons.POLL_MS)
            a = self.button_a.update(buttons.POLL_MS)
            if a == buttons.SHORT:
                if self.sessions.active:
                    self.stop_session()
                else:
                    self.start_session()
            elif a == buttons.LONG:
                self.set_target_from_cadence()
            b = self.button_b.update(buttons.POLL_MS)
            if b == buttons.SHORT:
                self.start_capture()
            elif b == buttons.LONG:
                self.open_pairing()
            power = self.button_power
            if power is not None and power.update(buttons.POLL_MS) == buttons.SHORT:
                self.power_off("power button")

    async def _battery_task(self):
        while True:
            status = self.battery.check(self.haptics.playing)  # a cue's motor sags the cell
            if status == LOW:
                log(f"battery low: {self.battery.mv} mV")
                self.haptics.play("low_battery")
            elif status == CRITICAL:
                log(f"battery flat: {self.battery.mv} mV, powering off")
                self.stop_session(rec.END_BATTERY)
                self._done.set()
            await asyncio.sleep_ms(self.battery.next_ms)

    async def _watchdog_task(self):
        # Take the watchdog over from boot.py's relaxed hour: fed before its timeout shrinks
        # to WDT_MS, so the time it spent relaxed cannot count against the short one.
        self.hw.watchdog(WDT_RELAXED_MS).feed()
        wdt = self.hw.watchdog(WDT_MS)
        wdt.feed()
        while True:
            if time.ticks_diff(time.ticks_ms(), self.sampler.last_poll_ms) < STALL_MS:
                wdt.feed()
            await asyncio.sleep_ms(1000)

    def _on_error(self, loop, context):
        self.failures += 1
        log("task failed: " + str(context.get("message", "")))
        exc = context.get("exception")
        if exc is not None:
            sys.print_exception(exc)
        try:
            self.stop_session(rec.END_STOPPED)
        except Exception as close_exc:  # the store itself may be what failed
            sys.print_exception(close_exc)
        self.haptics.play("error")
        asyncio.create_task(self._reset_later())

    async def _reset_later(self):
        await asyncio.sleep_ms(ERROR_RESET_MS)
        log("resetting")
        self.hw.reset()

    def _on_repair(self, name, action, lost, at, places):
        where = f" in {places} place(s) from byte {at}" if lost and at >= 0 else ""
        log(f"store repair: {name} {action} ({lost} bytes dropped{where})")

    async def main(self):
        asyncio.get_event_loop().set_exception_handler(self._on_error)
        self.store.on_repair = self._on_repair  # the store's task repairs as it goes
        self.tasks = [
            asyncio.create_task(coro)
            for coro in (
                self.sampler.run(),
                self.haptics.run(),
                self.metronome.run(),
                self.sessions.run(lambda: self.sampler.overflows),
                self._coach_task(),
                self._buttons_task(),
                self._battery_task(),
                self._watchdog_task(),
                self.usb.run(),
                self.store.run(),
                self.power.run(),
            )
        ]
        await self._done.wait()
        await asyncio.sleep_ms(1500)  # let the last pattern play


def run(app):
    """Run a built app until it powers off (footfall_fw.guard builds it from the config).

    Ctrl-C (KeyboardInterrupt, which asyncio passes on) hands the watchdog back relaxed and
    closes an open session before the REPL; the next boot repairs what it could not close.
    """
    hw = app.hw
    log(f"footfall {VERSION} on {hw.name}, {hw.imu.rate_hz} Hz, {app.cfg['placement']}")
    try:
        asyncio.run(app.main())
    except KeyboardInterrupt:
        hw.watchdog(WDT_RELAXED_MS).feed()  # first: nothing feeds the watchdog from here on
        app.sampler.stop()  # a timer keeps firing in the REPL until it is stopped
        try:
            app.stop_session()
        except Exception as exc:  # interrupted mid-write: the next boot's repair closes it
            sys.print_exception(exc)
        raise
    finally:
        app.sampler.stop()
    hw.power_off()
