"""The virtual board's state, shared by the stand-in `machine` and the boot script.

The host writes a JSON scenario (see footfall.sim.board) and the samples, already resampled to
the board's rate, as little-endian int16 x, y, z. The recording starts when the firmware
starts sampling: at the last FIFO restart before its first FIFO read (the sampler's start).
That is sensor time 0 (counted from the first touch of the IMU until then), and sample k
becomes available (k + 1) sample periods later, so the FIFO fills at exactly the board's rate
in virtual time. What the chip measured before is not the recording: while a driver
configures it, a chip runs at other rates (the MPU6886 wakes at 8 kHz), for as long as the
host takes in real time, so every run, plain or serving, sees the same samples from the
same sample on.
"""

import sys
import time

scenario = {}
events = []  # [sensor ms, kind, ...]: "pwm" pin freq_hz duty_u16, "pin" id value, "exit" why
# With an event file (the boot script opens one), the log goes there a line at a time
# instead of into `events`: the board's heap holds the firmware, not the sim's record of it.
event_file = None
samples = None  # the samples file (int16 x, y, z milli-g at the board's rate), streamed
t0_ms = None  # virtual ticks when the sensor started
end_ms = None  # sensor ms when the recording ran out
watchdogs = []  # machine.WDT's one object once made: never stopped, kept at soft reset
soft_reset_pending = False  # machine.soft_reset() was called
interrupted = False  # the scenario's Ctrl-C (interrupt_ms) has been sent
exit_reason = None
_emu = None
_rtc = None  # the emulated BM8563, on boards whose file names RTC = "bm8563"
_buses = {}
rtc_memory = None  # machine.RTC().memory(), from the scenario at first use
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
    if event_file is None:
        events.append((sensor_ms(), kind) + values)  # one tuple: a run logs thousands
        return
    time.hold()  # the sim's bookkeeping, not the board's work
    try:
        event_file.write("\t".join([str(sensor_ms()), kind] + [str(v) for v in values]))
        event_file.write("\n")
    finally:
        time.release()


def _field(text):
    try:
        return int(text)
    except ValueError:
        return text


def logged():
    """Every event logged so far, oldest first (read back a line at a time from the event
    file, when there is one)."""
    if event_file is None:
        yield from events
        return
    event_file.flush()
    with open(event_path) as f:
        for line in f:
            yield tuple(_field(v) for v in line.rstrip("\n").split("\t"))


event_path = None


class Bus:
    """One I2C bus: each transfer goes to the chip at its address (ENODEV when none
    answers, as the ESP32 port's machine_i2c.c returns for a NACK)."""

    def __init__(self, chips):
        self.chips = chips  # {addr: emulator}

    def _chip(self, addr):
        chip = self.chips.get(addr)
        if chip is None:
            raise OSError(19)
        return chip

    def scan(self):
        return sorted(a for chip in self.chips.values() for a in chip.scan())

    def readfrom_mem_into(self, addr, reg, buf, addrsize=8):
        chip = self._chip(addr)
        if sampling or chip is not _emu:
            chip.readfrom_mem_into(addr, reg, buf)
            return
        fifo_bytes = chip.fifo_bytes
        chip.readfrom_mem_into(addr, reg, buf)
        _sampling_started(chip.fifo_bytes < fifo_bytes)

    def readfrom_mem(self, addr, reg, n, addrsize=8):
        buf = bytearray(n)
        self.readfrom_mem_into(addr, reg, buf)
        return bytes(buf)

    def writeto_mem(self, addr, reg, buf, addrsize=8):
        chip = self._chip(addr)
        chip.writeto_mem(addr, reg, buf)
        imu_mode(chip)


_imu_mode = None


def imu_mode(chip):
    """Log the IMU's power mode when a register write changed it (the power model's)."""
    global _imu_mode
    if chip is _emu:
        mode = chip.power_mode()
        if mode != _imu_mode:
            _imu_mode = mode
            power("imu", mode)


# The power model's record (footfall.sim.energy): each state change the firmware makes, with
# the CPU time charged so far (so CPU time splits by clock frequency).
cpu_hz = 160000000


def power(kind, value):
    log("power", kind, value, time.charged_us() + time.device_us())


light_sleep_ms = [0, 0]  # machine.lightsleep: ms slept during the recording, after it


def slept(ms):
    light_sleep_ms[0 if end_ms is None else 1] += ms


def power_counters():
    """What the power model integrates besides the logged changes: the uptime, the ESP32's
    CPU time from the timing model (at 160 MHz) and the flash time (with --cpu)."""
    out = {"uptime_ms": time.elapsed_ms(), "cpu_us": time.charged_us() + time.device_us()}
    out["cpu_hz"] = cpu_hz
    out["light_sleep_ms"] = light_sleep_ms
    flash = sys.modules.get("_flash")
    out["flash_ms"] = flash.flash_counters()["flash_ms"] if flash else None
    return out


sampling = False  # the firmware has read the FIFO: the recording plays on from here


def _sampling_started(read_fifo):
    global sampling
    sampling = sampling or read_fifo


def _fifo_restart():
    # The emulated chip's FIFO was emptied (a reset or a FIFO restart): before the firmware
    # reads the FIFO, the recording starts (again) here, and so does sensor time.
    global t0_ms
    _emu_fifo_clear()
    if not sampling:
        _emu.pos = 0
        _emu._acc = 0
        t0_ms = time.ticks_ms()


_emu_fifo_clear = None


def _clock_s():
    # The emulated RTC's time base: the virtual clock, in seconds since the sim began.
    return time.elapsed_ms() // 1000


def bus(bus_id):
    """I2C bus bus_id: the emulated IMU (imu_emu) and, on boards with one, the
    emulated BM8563 (rtc_emu); None for a bus with nothing on it."""
    global _emu, _rtc, t0_ms, _pumped_ms, _emu_fifo_clear
    board_name = scenario["board"]
    board = getattr(__import__("boards." + board_name), board_name)
    if board.I2C_ID != bus_id:
        return None
    if _emu is None:
        import imu_emu

        options = getattr(board, "IMU_OPTIONS", {})  # the chip variant the board has
        _emu = imu_emu.EMULATORS[board.IMU](addr=board.IMU_ADDR, **options)
        _emu.load(samples)
        _emu.silent = bool(scenario.get("silent_imu"))
        _emu.clock_ppm = scenario.get("imu_clock_ppm") or 0
        t0_ms = _pumped_ms = time.ticks_ms()
        _emu_fifo_clear = _emu._fifo_clear
        _emu._fifo_clear = _fifo_restart  # the chip's, plus the recording's (re)start
    if bus_id not in _buses:
        chips = {board.IMU_ADDR: _emu}
        if getattr(board, "RTC", None) == "bm8563":
            if _rtc is None:
                import rtc_emu

                # --clock unset: the backup supply failed (VL set, time meaningless);
                # otherwise it kept the host's UTC time, as `footfall flash` set it
                unset = scenario.get("clock") == "unset"
                start_s = scenario.get("epoch_s", 0) if not unset else rtc_emu.EPOCH_2000_S
                _rtc = rtc_emu.BM8563Emu(start_s, vl=unset, now_s=_clock_s)
            chips[board.RTC_ADDR] = _rtc
        _buses[bus_id] = Bus(chips)
    return _buses[bus_id]


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
            _emu.hold_ms(dt)
        finally:
            time.release()
        reset_ms = scenario.get("imu_reset_ms")
        if reset_ms is not None and sensor_ms() >= reset_ms:
            scenario["imu_reset_ms"] = None  # once: the chip browns out, back to power-on
            _emu.power_on_reset()
            imu_mode(_emu)
        # the recording ends before the still samples --idle-hours appends (idle_samples)
        if end_ms is None and _emu.remaining <= scenario.get("idle_samples", 0):
            end_ms = sensor_ms()
            power("mark", "end")  # the power model splits running from idle here


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
        if kind is None:
            clocks = 9 * self.nbytes + I2C_OVERHEAD_CLOCKS
            if scenario.get("cpu_factor_milli"):
                time.charge_us(clocks * 1000000 // self.freq_hz)
            else:  # the power model still counts the CPU's time on the bus
                time.meter_us(clocks * 1000000 // self.freq_hz)


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
    try:
        log("exit", reason)
    except MemoryError:  # the simulator's own log, at the heap's edge: the board is off
        pass
    raise SystemExit(reason)


def _check():
    # Runs after every virtual wait: a scripted loop stall, watchdogs, the scripted Ctrl-C,
    # the end of the recording.
    global watchdog_resets, interrupted
    stall_ms = scenario.get("stall_ms")
    if stall_ms is not None and sensor_ms() >= stall_ms:
        scenario["stall_ms"] = None  # once: the loop is held (say, a flash erase) this long
        time.block_ms(scenario.get("stall_len_ms") or 1000)
    now = time.ticks_ms()
    for wdt in watchdogs:
        if time.ticks_diff(now, wdt.fed_ms) > wdt.timeout_ms:
            watchdog_resets += 1
            power_off("watchdog reset")
    at_ms = scenario.get("interrupt_ms")
    if at_ms is not None and not interrupted and sensor_ms() >= at_ms:
        # Ctrl-C on the console: the port raises KeyboardInterrupt in the running code
        interrupted = True
        log("ctrl-c")
        raise KeyboardInterrupt
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
