"""The virtual board's state, shared by the stand-in `machine` and the boot script.

The host writes a JSON scenario (see footfall.sim.cli) and the samples, already resampled to
the board's rate, as little-endian int16 x, y, z. Sensor time 0 is when the firmware first
touches the IMU; sample k becomes available (k + 1) sample periods later, so the FIFO fills at
exactly the board's rate in virtual time.
"""

import sys
import time

scenario = {}
events = []  # [sensor ms, kind, ...]: "pwm" pin freq_hz duty_u16, "pin" id value, "exit" why
samples = None  # the samples file (int16 x, y, z milli-g at the board's rate), streamed
t0_ms = None  # virtual ticks when the sensor started
end_ms = None  # sensor ms when the recording ran out
watchdogs = []
exit_reason = None
_emu = None
_pumped_ms = 0  # virtual ticks up to which the emulator has run
watchdog_resets = 0  # watchdog resets seen
# Loop stalls: the longest time (virtual ms) the event loop ran without returning to its
# scheduler, i.e. the longest single task step; measured by the stand-in select's ipoll,
# which asyncio calls before every step.
max_stall_ms = 0
_loop_ms = None  # virtual ticks when the loop last left its scheduler


def sensor_ms():
    """Virtual ms since the sensor started (0 before)."""
    if t0_ms is None:
        return 0
    return time.ticks_diff(time.ticks_ms(), t0_ms)


def log(kind, *values):
    events.append([sensor_ms(), kind] + list(values))


def bus(bus_id):
    """The emulated IMU on I2C bus bus_id (helper-3's imu_emu: it is a bus with one chip)."""
    global _emu, t0_ms, _pumped_ms
    board_name = scenario["board"]
    board = getattr(__import__("boards." + board_name), board_name)
    if board.I2C_ID != bus_id:
        return None
    if _emu is None:
        import imu_emu

        _emu = imu_emu.EMULATORS[board.IMU](addr=board.IMU_ADDR)
        _emu.load(samples)
        _emu.silent = bool(scenario.get("silent_imu"))
        t0_ms = _pumped_ms = time.ticks_ms()
    return _emu


def pump():
    """Run the emulated chip up to now at its configured rate (before each bus access).
    The emulator's own CPU time is not the firmware's: it is left uncharged."""
    global _pumped_ms, end_ms
    now = time.ticks_ms()
    dt = time.ticks_diff(now, _pumped_ms)
    if dt > 0:
        _pumped_ms = now
        time.hold()
        try:
            _emu.advance_ms(dt)
        finally:
            time.release()
        if end_ms is None and _emu.remaining == 0:
            end_ms = sensor_ms()


# I2C wire time (UM10204 I2C-bus specification, 3.1.5-3.1.10): 9 clocks a byte (8 bits and
# the acknowledge), plus a start, a repeated start and a stop.
I2C_OVERHEAD_CLOCKS = 4


class _Transfer:
    # with transfer(...): one I2C transaction on the emulated bus. The emulator's CPU time is
    # not charged; the wire time is, once the transaction is done.
    nbytes = 0
    freq_hz = 400000

    def __enter__(self):
        time.hold()

    def __exit__(self, kind, value, tb):
        time.release()
        if kind is None and scenario.get("cpu_factor_milli"):
            clocks = 9 * self.nbytes + I2C_OVERHEAD_CLOCKS
            time.charge_us(clocks * 1000000 // self.freq_hz)


_transfer = _Transfer()


def transfer(nbytes, freq_hz):
    """Context for one I2C transaction of nbytes on the wire (address, register, data)."""
    _transfer.nbytes = nbytes
    _transfer.freq_hz = freq_hz
    return _transfer


_scheduler_poller = None


def scheduler_poller():
    """asyncio's own poll object (once asyncio is loaded), to tell its waits from a task's."""
    global _scheduler_poller
    if _scheduler_poller is None:
        core = sys.modules.get("asyncio.core")
        if core is not None:
            _scheduler_poller = core._io_queue.poller
    return _scheduler_poller


def loop_waits(now_ms):
    """The scheduler is waiting (stand-in ipoll), or the board stopped: close the step that
    ran since the scheduler last left its wait, if one is open."""
    global max_stall_ms, _loop_ms
    if _loop_ms is not None:
        stall = time.ticks_diff(now_ms, _loop_ms)
        if stall > max_stall_ms:
            max_stall_ms = stall
    _loop_ms = None  # waiting: no step open (a board that stops now stops waiting)


def loop_runs(now_ms):
    """The scheduler leaves its wait to run a task step."""
    global _loop_ms
    _loop_ms = now_ms


def power_off(reason):
    """End the simulation: the firmware's loop is unwound by SystemExit."""
    global exit_reason
    if exit_reason is None:
        exit_reason = reason
    log("exit", reason)
    raise SystemExit(reason)


def _check():
    # Runs after every virtual wait: watchdogs, end of the recording.
    global watchdog_resets
    now = time.ticks_ms()
    for wdt in watchdogs:
        if time.ticks_diff(now, wdt.fed_ms) > wdt.timeout_ms:
            watchdog_resets += 1
            power_off("watchdog reset")
    if end_ms is None:
        return
    t = sensor_ms()
    if t > end_ms + STOP_AFTER_MS and not _stopped:
        _press_stop()
    if t > end_ms + scenario.get("tail_ms", 5000):
        power_off("end of recording")


STOP_AFTER_MS = 1000
PRESS_MS = 200
_stopped = False


def _press_stop():
    # The runner stops the session with button A once the recording is over (if one is open).
    global _stopped
    _stopped = True
    import footfall_fw.app as app

    if app.instance is not None and app.instance.sessions.active:
        board = scenario["board"]
        pin = getattr(__import__("boards." + board), board).BUTTON_A
        presses = scenario.setdefault("presses", [])
        presses.append((pin, sensor_ms(), PRESS_MS))


time.hooks.append(_check)


def button_level(pin_id):
    """0 while a scripted press of this pin is on (active low), else 1."""
    t = sensor_ms()
    for pin, at_ms, hold_ms in scenario.get("presses", ()):
        if pin == pin_id and at_ms <= t < at_ms + hold_ms:
            return 0
    return 1
