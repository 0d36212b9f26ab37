"""The sampler: one push_block per FIFO burst, overflows counted, nothing allocated per poll."""

from footfall.sim import MPY_DIR

from tests.unixport import run_mpy

# A fake IMU that copies bursts of a synthetic 3 Hz bounce out of a table made up front.
FAKE_IMU = """
import micropython, asyncio, time
from array import array
from footfall_core.tracker import Tracker
from footfall_fw.sampler import Sampler, period_for
TABLE = array('h', [0] * (3 * 400))
for k in range(400):
    TABLE[3 * k + 2] = 1000 + (1200 if (k * 3 * 4) % 400 < 40 else -200)
class FakeIMU:
    rate_hz = 100
    max_samples = 64
    def __init__(self):
        self.overflows = 0
        self.k = 0
        self.burst = 8
    def read_fifo(self, out):
        t = TABLE; k = self.k
        for i in range(3 * self.burst):
            out[i] = t[(k * 3 + i) % 1200]
        self.k = (k + self.burst) % 400
        return self.burst
"""


NULL_TRACKER = """
class NullTracker:
    def push_block(self, buf, n): pass
"""


def test_polls_into_the_real_tracker_allocate_nothing_under_heap_lock() -> None:
    out = run_mpy(
        FAKE_IMU
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
    out = run_mpy(
        FAKE_IMU
        + NULL_TRACKER
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
print(s.polls)
""",
        extra_paths=(str(MPY_DIR),),
    )
    assert 60000 // 80 - 1 <= int(out.stdout) <= 60000 // 80 + 1


def test_one_push_block_per_burst() -> None:
    out = run_mpy(
        FAKE_IMU
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
    out = run_mpy(
        FAKE_IMU
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
    out = run_mpy(
        "from footfall_fw.sampler import period_for\n"
        "print(period_for(100, 170), period_for(200, 32), period_for(400, 32))\n"
    )
    assert out.stdout.split() == [b"80", b"40", b"20"]
