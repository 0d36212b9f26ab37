"""Virtual-board stand-in for `time`: the real clock plus the time the board skipped waiting,
or, with a CPU model (`footfall sim --cpu`), the firmware's CPU time scaled to the board.

asyncio (frozen in the unix port) takes `ticks_ms` from `time` and waits in
`select.poll().ipoll(dt)`. Its C task queue still stamps newly runnable tasks with the
real `mp_hal_ticks_ms()`. So virtual time is defined as real ticks + skipped ms: every wait
(`ipoll` in the stand-in `select`, `sleep_ms` here) adds its duration to `skipped` instead
of waiting, which keeps the C queue's real stamps at or before virtual "now" (runnable at
once, as intended) and makes a 10-minute run take as long as the computation does. With the
replay clock (`replay(True)`, a replay with no CPU model) the firmware's processing takes
no virtual time at all: virtual time is the waits alone, the same in every run.

With a CPU model (`configure(factor)`), virtual time since boot is
    skipped + max(real elapsed, factor * charged CPU time)
where charged CPU time is this process's CPU time outside hold()/release() (the
stand-ins' own work: the emulated chip, the scripts run after each wait, the built-in
calls they stand for) less the clock's own readings, each CPU us weighted by the host's
speed then against its best (see _measure_speed). The real elapsed time is only a floor,
so virtual time stays at or after the C queue's real stamps (the ordering guarantee
above); at a factor over 100 it binds only if the process gets less than a hundredth of a
CPU. `charge_us` adds device time that costs no host CPU (a flash erase, a bus transfer).

Process CPU time: the port's `time.clock()` is C `clock()` (CLOCK_PROCESS_CPUTIME_ID,
exact but truncated to whole ms by ports/unix/modtime.c), and between its ms steps the
clock follows wall time less the time spent waiting for a CPU (`run_delay` in
/proc/self/schedstat, exact at every reschedule): an estimate that never leaves the ms that
`clock()` reports, so it cannot drift, and that resolves the sub-ms steps a factor of 100
magnifies. A step longer than clock() allows (host steal time, blocking) is not charged.
Each reading's own cost is measured as it is taken and not charged.
"""

import sys

_path = sys.path
sys.path = []
try:
    from time import *  # noqa: F403 - the built-in time module, extended below
    from time import clock as _clock
    from time import sleep_ms as _real_sleep_ms  # noqa: F401
    from time import ticks_add, ticks_diff
    from time import ticks_ms as _real_ticks_ms
    from time import ticks_us as _real_ticks_us
finally:
    sys.path = _path
del _path

_skipped_us = 0  # waits skipped plus device time charged (flash, bus), in microseconds
# Called with no arguments after every wait (the virtual board checks its scripts here).
hooks = []
# Seconds since the epoch (2000-01-01 on MicroPython) at virtual tick 0; set by the RTC.
_epoch_s = 0
_start_ms = _real_ticks_ms()

# The CPU model: off until configure(). Factor in thousandths (integers all the way).
_factor_milli = 0
_raw_us = 0  # the running estimate of this process's CPU time since configure()
_reads_us = 0  # what the readings of it cost (not charged)
_cpu_us = 0  # _raw_us less the readings' cost: the CPU time of everything else
_charged = 0  # CPU us charged (outside hold()) x the host's speed then, in thousandths
_read_us = 0  # the typical cost of one _cpu_now() reading
_read_cap_us = 1000  # a reading that took longer was interrupted: counted as _read_us
_last_w_us = 0  # wall time less run_delay at the last reading
_clock0_ms = 0
_last_ms = _start_ms  # the last virtual ticks_ms returned (kept monotonic)
_sched = None
_sched_buf = bytearray(96)


def _run_delay_us():
    # Field 2 of /proc/self/schedstat: ns this process spent runnable but not running.
    # Parsed in place: a reading allocates nothing, so it brings on no garbage collection.
    _sched.seek(0)
    n = _sched.readinto(_sched_buf)
    buf = _sched_buf
    i = 0
    while buf[i] != 32:
        i += 1
    v = 0
    i += 1
    while i < n and buf[i] != 32:
        v = v * 10 + buf[i] - 48
        i += 1
    return v // 1000


def _cpu_now(t_in=None):
    """This process's CPU time in us since configure(), less the readings' own cost (from
    t_in, the real ticks_us when the stand-in was entered, if given)."""
    global _raw_us, _cpu_us, _last_w_us, _reads_us, _lo_us, _charged, _owed_us
    if t_in is None:
        t_in = _real_ticks_us()
    w = _real_ticks_us() - _run_delay_us()
    step = ticks_diff(w, _last_w_us)
    _last_w_us = w
    raw = _raw_us + (step if step > 0 else 0)
    # clock() (a float: it allocates) bounds the estimate where it matters: over a long
    # step, and once the estimate passes clock()'s ms. A long step of the firmware counts
    # only as far as clock() moved on: this VM descheduled by its host, an interrupt or
    # the process blocking stretch wall time without being CPU time, and clock() leaves
    # them out (docs/virtual-board.md, Timing). What such a step had beyond clock()'s
    # move is owed: CPU that clock() confirms at its next reading (the estimate falling
    # behind it) is charged up to what is owed, and the rest, which the stand-ins' own
    # uncharged work left behind, is not.
    free = 0
    if step > LONG_STEP_US or raw > _lo_us + 999:
        lo = (round(_clock() * 1000) - _clock0_ms) * 1000
        owed = _owed_us
        _owed_us = 0
        if step > LONG_STEP_US and not _held:
            moved = lo - _lo_us
            if step > moved:
                raw = _raw_us + moved
                _owed_us = step - moved
        _lo_us = lo
        if raw > lo + 999:
            raw = lo + 999
        if raw < lo:
            caught = lo - raw
            free = caught - owed if caught > owed else 0
            raw = lo
    if raw > _raw_us:
        _raw_us = raw
    global _read_end_us
    _read_end_us = _real_ticks_us()
    cost = ticks_diff(_read_end_us, t_in)  # this reading's own cost, not charged
    _reads_us += cost if cost < _read_cap_us else _read_us
    cpu = _raw_us - _reads_us
    if cpu > _cpu_us:
        if not _held and cpu - _cpu_us > free:
            _charged += (cpu - _cpu_us - free) * _speed_milli
        _cpu_us = cpu
    return _cpu_us


LONG_STEP_US = 200
_read_end_us = 0  # real ticks_us at the end of the last reading


def _uncharge(t_in):
    """What ran since real ticks_us t_in was a stand-in of a built-in (C) call: leave it
    uncharged, as a reading's own cost is (a wall-time measure, cheaper than a hold()
    bracket, whose own cost leaks into the charge; an interrupted one counts _read_us)."""
    global _reads_us
    cost = ticks_diff(_real_ticks_us(), t_in)
    _reads_us += cost if cost < _read_cap_us else _read_us


_span = 0  # stand-ins entered by stand_in_start() and not yet done


def stand_in_start():
    """For a stand-in of a built-in (C) call: the real ticks_us it was entered at, to pass to
    stand_in_ms() and stand_in_done(). Nothing it calls may hold() (a reading there would
    split the span); ticks_ms() inside it leaves its own cost to the span."""
    global _span
    _span += 1
    return _real_ticks_us()


def stand_in_ms(t_in):
    """Virtual now, as a stand-in entered at t_in sees it (the firmware has not seen it)."""
    return _virtual_ms(t_in)


def stand_in_done(t_in):
    """The stand-in entered at t_in is done: its work is left uncharged. (A reading of the
    meter inside it, as stand_in_ms() makes with the clock on the CPU model, charged what
    ran before it and left its own cost uncharged: only what followed it is left.)"""
    global _span
    _span -= 1
    if _factor_milli and not _held:
        _uncharge(_read_end_us if ticks_diff(_read_end_us, t_in) > 0 else t_in)


_lo_us = 0  # clock()'s whole ms of CPU time at its last reading, in us
_owed_us = 0  # a long step's wall time beyond clock()'s move, until clock() is read again


# The host's speed. CPU time per unit of work is not constant on a shared machine: another
# process on the same core (SMT) or cache slows this one (this host's pystone rate ranged
# over 2x, bench/cpu_results.md). So a fixed piece of work (_reference) is timed every
# SPEED_EVERY_MS of virtual time, outside what is charged, and each CPU us is charged at
# the speed then (_speed_milli / 1000: the fastest timing seen over the median of the last
# SPEED_RUNS), so that the factor applies to the host at its own best speed.
SPEED_EVERY_MS = 500
SPEED_RUNS = 9
REFERENCE_LOOPS = 400
_speed_milli = 1000
_best_us = 0
_recent = []
_next_speed_ms = 0


def _reference():
    # A fixed stretch of bytecode (about 40 us here): a loop, integer arithmetic, a list.
    acc = 0
    out = _recent_work
    for i in range(REFERENCE_LOOPS):
        acc = (acc * 31 + i) & 0xFFFF
        out[i & 7] = acc >> 3
    return acc


_recent_work = [0] * 8


def _time_reference():
    # Wall time less run_delay, not the clamped estimate: where clock()'s ms holds the
    # estimate back, the reference would seem to take no time at all.
    t0 = _real_ticks_us() - _run_delay_us()
    _reference()
    return _real_ticks_us() - _run_delay_us() - t0 - _read_us


def _measure_speed():
    """Time the reference once (its CPU time is not charged) and update _speed_milli."""
    global _best_us, _speed_milli
    us = _time_reference()
    if us <= 0:
        return
    _recent.append(us)
    if len(_recent) > SPEED_RUNS:
        _recent.pop(0)
    if not _best_us or us < _best_us:
        _best_us = us
    now = sorted(_recent)[len(_recent) // 2]
    _speed_milli = 1000 * _best_us // now if now > _best_us else 1000


def speed_milli():
    """The host's speed now relative to its best, in thousandths (1000 with no CPU model)."""
    return _speed_milli


def configure(factor_milli, clocked=True):
    """Turn on the CPU model: virtual time = factor_milli / 1000 x charged CPU time. With
    clocked False the model only meters (charged_us() for the power model): the clock keeps
    real ticks plus skipped waits, so the run is timed as without it."""
    global _factor_milli, _sched, _clock0_ms, _read_us, _read_cap_us, _cpu_us, _last_w_us
    global _held, _clocked
    _clocked = clocked
    _sched = open("/proc/self/schedstat", "rb")
    _clock0_ms = round(_clock() * 1000)
    _last_w_us = _real_ticks_us() - _run_delay_us()
    _held = 1  # calibration is not charged
    # The typical cost of a reading, used for one that was interrupted (it took too long).
    n = 2000
    raw0 = _raw_us
    for _ in range(n):
        _cpu_now()
    _read_us = (_raw_us - raw0) // n
    _read_cap_us = 3 * _read_us + 5
    for _ in range(4 * SPEED_RUNS):  # the host's best speed, to start from
        _measure_speed()
    _cpu_now()
    _held = 0
    _factor_milli = factor_milli


_held = 0  # nesting depth of hold()
_clocked = False  # the charged CPU time moves the clock (--cpu), not only metered
_device_us = 0  # device time metered without moving the clock (bus transfers, no --cpu)


def meter_us(us):
    """Count `us` of device time the CPU is busy (a bus transfer) without moving the clock:
    the power model's, when the clock does not follow the CPU model."""
    global _device_us
    _device_us += us


def device_us():
    """Device time metered by meter_us()."""
    return _device_us


def hold():
    """From now until the matching release(), CPU time is the stand-ins' own work (the
    emulated chip, a wait's scripts), not the firmware's: it is not charged. Nests."""
    global _held
    if _factor_milli and not _held:
        _cpu_now()  # what ran up to here is charged
    _held += 1


def release():
    global _held
    if _factor_milli and _held == 1:
        _cpu_now()  # what ran since hold() is not
    _held -= 1


def uncharged(fn):
    """fn wrapped so that its CPU time is not charged: for stand-ins of what is a built-in
    (C) call on the board, whose cost there is negligible beside the firmware's own."""

    def call(*args):
        hold()
        try:
            return fn(*args)
        finally:
            release()

    return call


def charged_us(t_in=None):
    """Virtual us charged for the firmware's CPU time so far (0 with no CPU model)."""
    if not _factor_milli:
        return 0
    _cpu_now(t_in)
    return _charged * _factor_milli // 1000000


def charge_us(us):
    """Let `us` of device time pass that took no host CPU (flash, bus): no hooks run. The
    board's CPU is held meanwhile, so timer callbacks due then run when it ends."""
    global _skipped_us, _block_from_ms, _block_to_ms
    if us <= 0:
        return
    if not _timers or _in_timer:
        _skipped_us += us
        return
    now = _virtual_ms()
    if ticks_diff(now, _next_due_ms()) >= 0:
        run_timers(now)  # what fell due before this C call ran before it
        now = _virtual_ms()
    if _block_from_ms is None:
        _block_from_ms = now
    _skipped_us += us
    _block_to_ms = _virtual_ms()


def skip_us(us):
    """Let `us` of virtual time pass without running the wait's hooks (the caller's next
    wait runs them)."""
    global _skipped_us
    _skipped_us += us


def advance(ms):
    """Let `ms` of virtual time pass at once (the sim's replacement for waiting)."""
    global _skipped_us, _next_speed_ms
    if ms > 0:
        _skipped_us += ms * 1000
    hold()
    try:
        if _factor_milli and ticks_diff(_last_ms, _next_speed_ms) >= 0:
            _next_speed_ms = ticks_add(_last_ms, SPEED_EVERY_MS)
            _measure_speed()
        for hook in hooks:
            hook()
    finally:
        release()


def idle(ms):
    """An idle wait of the firmware (asyncio's, a sleep): callbacks falling due in it run
    (the port runs pending callbacks while it waits, ports/esp32/mphalport.c)."""
    advance(ms)
    run_due()


def run_due():
    """Run the timer callbacks that fell due (after a wait)."""
    if _timers and not _in_timer:
        run_timers(_virtual_ms())


def block_ms(ms):
    """The board's CPU is held for ms in C (a locked bus, a scripted stall): callbacks
    falling due meanwhile run once it is over."""
    global _block_from_ms, _block_to_ms
    if _timers and _block_from_ms is None:
        _block_from_ms = _virtual_ms()
    advance(ms)
    if _timers:
        _block_to_ms = _virtual_ms()


def elapsed_ms():
    """Virtual ms since this module was imported (the board's uptime)."""
    return ticks_diff(ticks_ms(), _start_ms)


# The replay clock (replay(True): a replay as fast as it computes, with no CPU model): the
# firmware's computing takes no virtual time, so virtual time is the waits alone and every
# run of a recording, plain or serving, meets the same clock. Real time would otherwise move
# the coach's 1 s tick against the sampler's polls by how fast this host was, and with it
# which samples a tick sees. Virtual now is _replay_ms (real ticks when it began, less the
# lead not counted, _unlead_ms) plus the waits, and never before real ticks: the C task
# queue's real stamps stay at or before it (the ordering guarantee above).
_replay_ms = None
_unlead_ms = 0  # real ms that were not counted in virtual time (while the replay clock ran)


def replay(on):
    """Turn the replay clock on or off; virtual time goes on from where it is."""
    global _replay_ms, _unlead_ms
    now = _virtual_ms()
    real = _real_ticks_ms()
    if on:
        _replay_ms = real
        _unlead_ms = ticks_diff(ticks_add(real, _skipped_us // 1000), now)
    else:
        _replay_ms = None
        _unlead_ms = ticks_diff(ticks_add(real, _skipped_us // 1000), now)


def _virtual_ms(t_in=None):
    # Virtual now: real ticks plus the lead that waits and charged time give (t_in: real
    # ticks_us when the caller, a stand-in, was entered: the reading's cost counts from it).
    real = _real_ticks_ms()
    lead_ms = _skipped_us // 1000 - _unlead_ms
    if _replay_ms is not None:
        now = ticks_add(_replay_ms, lead_ms)
        return now if ticks_diff(now, real) > 0 else real
    if _clocked:
        t_in = _real_ticks_us() if t_in is None else t_in
        ahead = (charged_us(t_in) + _skipped_us) // 1000 - ticks_diff(real, _start_ms)
        if ahead > lead_ms:
            lead_ms = ahead
    return ticks_add(real, lead_ms)


def ticks_ms():
    # A built-in C call on the board: this stand-in's own work is not charged (_uncharge),
    # only the timer callbacks it runs are.
    global _last_ms, _reads_us
    t_in = _real_ticks_us()
    now = _virtual_ms(t_in)
    quiet = _held or _span  # a stand-in's own look at the clock: the firmware has not seen it
    if _timers and not quiet and not _in_timer and ticks_diff(now, _next_due_ms()) >= 0:
        run_timers(now)  # between two bytecodes of the firmware: callbacks that fell due
        t_in = _real_ticks_us()
        now = _virtual_ms(t_in)
    if _in_timer:  # a callback sees its deadline, plus the bus time it has spent
        now = ticks_add(_cb_at_ms, (_skipped_us - _cb_skip_us) // 1000)
    if quiet:
        return now
    if ticks_diff(now, _last_ms) < 0:  # rounding between the two clocks: never go back
        now = _last_ms
    _last_ms = now
    if _factor_milli:  # _uncharge(), inlined: a call of its own would leak into the charge
        # with the clock on the CPU model, the reading in _virtual_ms() left its own cost
        # (from its start) uncharged already: only what followed it is left
        cost = ticks_diff(_real_ticks_us(), _read_end_us if _clocked else t_in)
        _reads_us += cost if cost < _read_cap_us else _read_us
    return now


# Timers (the stand-in machine.Timer). On the ESP32 port a Timer's callback is a soft
# interrupt: the timer's ISR schedules it (ports/esp32/machine_timer.c, mp_sched_schedule)
# and it runs between two bytecodes of whatever runs (py/vm.c, pending_exception_check) or
# in an idle wait (ports/esp32/mphalport.c, mp_hal_delay_ms), but not while C holds the
# CPU. Here it runs at the next point the firmware asks the time, touches the bus (the
# stand-in I2C calls interrupts()) or waits, as if at its deadline: the clock it sees is
# shifted back to then, so the emulated IMU is read as it was at the deadline. A deadline
# inside device time (charge_us: a flash write, a bus transfer) runs when that ends; up to
# SCHED_DEPTH callbacks wait in the scheduler's queue meanwhile (MICROPY_SCHEDULER_DEPTH,
# ports/esp32/mpconfigport.h) and those beyond are dropped, as mp_sched_schedule drops
# them when the queue is full (py/scheduler.c).
SCHED_DEPTH = 8
_timers = []  # [timer, callback, period_ms (0: one shot), next_ms] of each running timer
_in_timer = False
_cb_at_ms = 0  # while a callback runs: the time it was due, and the device time then
_cb_skip_us = 0
_block_from_ms = None  # device time charged since the last callbacks ran: from, to
_block_to_ms = 0


def timer_start(timer, period_ms, callback, periodic=True):
    timer_stop(timer)
    due_ms = ticks_add(ticks_ms(), period_ms)
    _timers.append([timer, callback, period_ms if periodic else 0, due_ms])


def timer_stop(timer):
    for i in range(len(_timers)):
        if _timers[i][0] is timer:
            _timers.pop(i)
            return


def timers_reset():
    """Every timer stops (a soft reset runs their finalisers)."""
    _timers.clear()


def _next_due_ms():
    due = _timers[0][3]
    for t in _timers:
        if ticks_diff(t[3], due) < 0:
            due = t[3]
    return due


def interrupts():
    """The firmware is about to call into C (a bus transfer): callbacks due run first."""
    if _timers and not _held and not _in_timer:
        now = _virtual_ms()
        if ticks_diff(now, _next_due_ms()) >= 0:
            run_timers(now)


def run_timers(now):
    """Run each callback that fell due by virtual `now`, in deadline order. Each sees the
    clock at its deadline (or at the end of the device time it fell in) plus the bus time
    it spends, as its read on the board takes a ms or two: its CPU time is charged, but
    moves the clock only once it returns (a pause of this host inside it would otherwise
    read the IMU late, as no board does). This bookkeeping is the stand-in's, uncharged."""
    global _in_timer, _cb_at_ms, _cb_skip_us, _block_from_ms, _held
    held = _held
    if _factor_milli:
        _cpu_now()  # up to here: charged if the firmware was running
    _held = 1
    _in_timer = True
    queued = 0
    try:
        while _timers:
            t = _timers[0]
            for u in _timers:
                if ticks_diff(u[3], t[3]) < 0:
                    t = u
            if ticks_diff(now, t[3]) < 0:
                break
            at = t[3]
            t[3] = ticks_add(at, t[2])
            if not t[2]:
                _timers.remove(t)
            if _block_from_ms is not None and ticks_diff(at, _block_from_ms) >= 0:
                if ticks_diff(_block_to_ms, at) > 0:  # the CPU was held: it waited in the queue
                    queued += 1
                    if queued > SCHED_DEPTH:
                        continue  # the queue was full: this interrupt was lost
                    at = _block_to_ms
            if ticks_diff(_last_ms, at) > 0:
                at = _last_ms
            _cb_at_ms = at
            _cb_skip_us = _skipped_us
            if _factor_milli:
                _cpu_now()  # the bookkeeping: not charged
            _held = 0
            try:
                t[1](t[0])
            except Exception as exc:  # the port prints it and goes on
                sys.print_exception(exc)
            if _factor_milli:
                _cpu_now()  # the callback: charged
            _held = 1
            now = _virtual_ms()
    finally:
        _in_timer = False
        _block_from_ms = None
        if _factor_milli:
            _cpu_now()  # the bookkeeping: not charged
        _held = held


def ticks_us():
    if _clocked or _replay_ms is not None:
        return ticks_add(ticks_ms() * 1000 % (1 << 30), 0)
    return ticks_add(_real_ticks_us(), _skipped_us - _unlead_ms * 1000)


def ticks_cpu():
    return ticks_us()


def sleep_ms(ms):
    if _held:
        advance(ms)  # a stand-in's own wait
    else:
        idle(ms)


def sleep_us(us):
    sleep_ms(us // 1000)


def sleep(s):
    sleep_ms(int(s * 1000))


def time():
    return _epoch_s + elapsed_ms() // 1000


def time_ns():
    return (_epoch_s * 1000 + elapsed_ms()) * 1000000


def set_epoch(seconds):
    """Set the wall clock (the stand-in RTC calls this)."""
    global _epoch_s
    _epoch_s = seconds - elapsed_ms() // 1000


def localtime(secs=None):
    return gmtime(time() if secs is None else secs)  # noqa: F405
