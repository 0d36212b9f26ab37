"""The sampler: one push_block per FIFO burst, overflows counted, nothing allocated per poll."""

import pytest
from footfall.sim import MPY_DIR

from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy

pytestmark = pytest.mark.e2e

RIG = "from sampler_rig import *\n"


def run_rig(script: str, extra: tuple[str, ...] = ()):
    """run_mpy with tests/mpy/ (the rigs) on the path after `extra`."""
    return run_mpy(script, extra_paths=(*extra, str(MPY_SCRIPTS)))


def test_polls_into_the_real_tracker_allocate_nothing_under_heap_lock() -> None:
    out = run_rig(
        RIG
        + """
imu = FakeIMU()
tracker = Tracker(100, 'waist')
s = Sampler(imu, tracker)
s.poll()
micropython.heap_lock()
for _ in range(2000):
    s.poll()
micropython.heap_unlock()
print(s.samples, tracker.steps > 0)
"""
    )
    assert out.stdout.split() == [b"16008", b"True"]


def test_sampler_task_and_event_loop_run_under_heap_lock() -> None:
    out = run_rig(
        RIG
        + """
s = Sampler(FakeIMU(), NullTracker())
async def locked():
    await asyncio.sleep_ms(0)
    micropython.heap_lock()
    await asyncio.sleep_ms(60000)
    micropython.heap_unlock()
async def main():
    task = asyncio.create_task(s.run())
    await locked()
    task.cancel()
asyncio.run(main())
print(s.polls, s.period_ms)
""",
        extra=(str(MPY_DIR),),
    )
    polls, period_ms = (int(v) for v in out.stdout.split())
    assert period_ms == 160  # a quarter of the rig's 64-sample FIFO at 100 Hz
    assert 60000 // period_ms - 1 <= polls <= 60000 // period_ms + 1


def test_one_push_block_per_burst() -> None:
    out = run_rig(
        RIG
        + """
class CountingTracker:
    def __init__(self): self.calls = []
    def push_block(self, buf, n): self.calls.append(n)
imu = FakeIMU()
t = CountingTracker()
s = Sampler(imu, t)
for burst in (5, 0, 12):
    imu.burst = burst
    s.poll()
print(t.calls, s.samples, s.polls)
"""
    )
    assert out.stdout.decode().strip() == "[5, 12] 17 3"


def test_overflows_follow_the_driver_counter() -> None:
    out = run_rig(
        RIG
        + """
imu = FakeIMU()
s = Sampler(imu, Tracker(100, 'waist'))
imu.overflows = 3
s.poll()
print(s.overflows)
"""
    )
    assert out.stdout.strip() == b"3"


def test_period_drains_a_small_fifo_before_it_is_a_quarter_full() -> None:
    out = run_rig(
        "from footfall_fw.sampler import period_for\n"
        "print(period_for(100, 170), period_for(200, 170), period_for(200, 32),"
        " period_for(400, 32))\n"
    )
    # MPU6886 at 100 Hz: its FIFO allows 425 ms, the period's cap is 400; at 200 Hz, 212
    assert out.stdout.split() == [b"400", b"212", b"40", b"20"]


def run_clocked(body: str) -> list[str]:
    """The words the script printed, less the sampler's own "footfall:" log lines."""
    out = run_rig("from clocked_imu_rig import *\n" + body, extra=(str(MPY_DIR),)).stdout.decode()
    return [
        w for line in out.splitlines() if not line.startswith("footfall:") for w in line.split()
    ]


def test_a_failed_read_is_retried_at_once_and_counted() -> None:
    out = run_clocked(
        """
imu = ClockedIMU()
s = Sampler(imu, LogTracker())
s.start()
time.sleep_ms(80)
imu.fail = 1
print(s.poll(), s.bus_errors, s.failed_polls)
"""
    )
    assert out == ["8", "1", "0"]


def test_a_poll_whose_retries_all_fail_is_skipped_and_nothing_is_lost() -> None:
    out = run_clocked(
        """
imu = ClockedIMU(depth=64)
t = LogTracker()
s = Sampler(imu, t)
s.start()
run_for(s, 400)
imu.fail = S.RETRIES + 1
run_for(s, 400)
print(s.failed_polls, s.bus_errors, t.pushed, s.gaps)
"""
    )
    assert out[:2] == ["1", "3"] and out[3] == "0"
    assert abs(int(out[2]) - 80) <= 8  # 800 ms at 100 Hz, less the last poll's backlog


def test_a_bus_that_keeps_failing_raises_only_after_fail_ms() -> None:
    out = run_clocked(
        """
imu = ClockedIMU()
s = Sampler(imu, LogTracker())
s.start()
run_for(s, 400)
imu.fail = 10**6
t0 = time.ticks_ms()
try:
    run_for(s, 10000)
except OSError as e:
    print(time.ticks_diff(time.ticks_ms(), t0), e.errno, s.failed_polls)
"""
    )
    took_ms, errno, failed = (int(v) for v in out)
    # t0 is one period after the last good read, which FAIL_MS counts from
    assert 1000 - 80 <= took_ms <= 1000 and errno == 5 and failed >= 10


def test_an_overflow_moves_the_core_clock_on_by_the_samples_lost() -> None:
    out = run_clocked(
        """
imu = ClockedIMU(depth=32)
t = LogTracker()
s = Sampler(imu, t)
gaps = []
s.on_gap = gaps.append
s.start()
t0 = time.ticks_ms()
run_for(s, 2000)
time.sleep_ms(1500)  # the loop held (a long flash write): the 32-sample FIFO overflows
run_for(s, 2000)
elapsed = time.ticks_diff(time.ticks_ms(), t0) - 80
print(imu.overflows, s.gaps, sum(t.skipped), gaps == t.skipped, t.pushed + sum(t.skipped))
print(elapsed // 10)
"""
    )
    overflows, gaps, lost, told, accounted, produced = out
    assert overflows == "1" and gaps == "1" and told == "True"
    lost, accounted, produced = int(lost), int(accounted), int(produced)
    assert abs(lost - (1580 // 10 - 32)) <= 2
    assert abs(accounted - produced) <= 2  # every sample that time made, pushed or skipped


def test_the_rate_is_measured_against_ticks_despite_a_jittery_loop() -> None:
    out = run_clocked(
        """
imu = ClockedIMU(rate_mhz=97000, depth=64)
t = LogTracker()
s = Sampler(imu, t)
s.start()
t0 = time.ticks_ms()
k = 0
while time.ticks_diff(time.ticks_ms(), t0) < 90000:
    s.poll()
    time.sleep_ms(60 + (k * 37) % 41)  # 60-100 ms between polls
    k += 1
print(s.rate_mhz, t.rates[-1], len(t.rates) > 0)
"""
    )
    assert abs(int(out[0]) - 97000) <= 97000 // 2000  # within 0.05 %
    assert out[1] == out[0] and out[2] == "True"


def test_a_window_with_a_gap_is_not_used_for_the_rate() -> None:
    out = run_clocked(
        """
imu = ClockedIMU(rate_mhz=97000, depth=32)
t = LogTracker()
s = Sampler(imu, t)
s.start()
for _ in range(6):
    time.sleep_ms(1000)  # an overflow every window: none is long enough to be believed
    run_for(s, S.CAL_MIN_MS - 2000)
print(s.rate_mhz, len(t.rates), s.gaps)
"""
    )
    assert out == ["100000", "0", "6"]


def test_an_imu_that_measures_nothing_is_configured_again_and_counting_resumes() -> None:
    out = run_clocked(
        """
imu = ClockedIMU(depth=64)
t = LogTracker()
s = Sampler(imu, t)
s.start()
run_for(s, 2000)
imu.awake = False  # a brown-out reset it into sleep: it answers, but measures nothing
run_for(s, 2000)
before = t.pushed
print(s.reinits, imu.configures, sum(t.skipped), t.pushed > 0)
run_for(s, 1000)
print(t.pushed - before)
"""
    )
    reinits, configures, lost, _, resumed = out
    assert reinits == "1" and configures == "2"  # at start, then once for the stall
    assert 50 <= int(lost) <= 70  # S.STALL_MIN_MS of nothing, plus up to a poll
    assert abs(int(resumed) - 100) <= 8


def test_timer_reads_allocate_nothing_and_the_task_feeds_them_in_order() -> None:
    out = run_rig(
        RIG
        + """
class CountingTracker:
    def __init__(self): self.calls = []
    def push_block(self, buf, n): self.calls.append((n, buf[2]))
    def set_rate_mhz(self, rate_mhz): pass
imu = FakeIMU()
timer = FakeTimer()
s = Sampler(imu, CountingTracker(), timer=timer)
s.start()
print(timer.period == s.period_ms, len(s._bufs) - 1 >= 1000 // s.period_ms)
micropython.heap_lock()
for _ in range(5):  # five reads while the task is busy elsewhere: nothing is fed yet
    timer.fire()
micropython.heap_unlock()
print(len(s.tracker.calls), s.polls)
imu.burst = 3
s.feed()
print(s.tracker.calls, s.samples)
s.stop()
print(timer.callback is None)
"""
    )
    lines = out.stdout.decode().split("\n")
    assert lines[0] == "True True"
    assert lines[1] == "0 5"
    # five bursts of 8, fed in the order they were read (each burst's first z differs)
    calls = eval(lines[2].split("]")[0] + "]")  # our own printed list
    assert [n for n, _ in calls] == [8] * 5 and lines[2].endswith(" 40")
    assert len({z for _, z in calls}) > 1
    assert lines[3] == "True"


def test_a_timer_read_while_the_task_holds_the_imu_is_skipped_and_a_full_ring_counted() -> None:
    out = run_rig(
        RIG
        + """
imu = FakeIMU()
timer = FakeTimer()
s = Sampler(imu, NullTracker(), timer=timer)
s.start()
s.busy = True  # the task is mid-poll: the callback must not read the FIFO under it
timer.fire()
s.busy = False
print(s.polls)
slots = len(s._bufs)
for _ in range(slots + 3):  # the task never feeds: the ring fills, the FIFO keeps the rest
    timer.fire()
print(s.polls == slots, s.ring_full)
s.feed()
timer.fire()
print(s.samples == 8 * slots, s.polls == slots + 1)
"""
    )
    assert out.stdout.split() == [b"0", b"True", b"3", b"True", b"True"]
