"""Power management (footfall_fw/power.py) in the unix port, on MicroPython's own asyncio."""

from tests.unixport import run_mpy

RIG = """
import asyncio, time
from footfall_fw.power import Power
slept = []
def lightsleep(ms):
    slept.append(ms)
    time.sleep_ms(ms)
async def wait(ms):
    await asyncio.sleep_ms(ms)
"""


def run(script: str) -> list[bytes]:
    return run_mpy(RIG + script).stdout.split()


def test_the_loop_sleeps_until_the_next_task_is_due() -> None:
    out = run(
        """
async def main():
    Power(lightsleep, lambda: True, 80).install()
    await wait(40)
asyncio.run(main())
print(len(slept), 30 <= slept[0] <= 40)
"""
    )
    assert out == [b"1", b"True"]


def test_a_sleep_is_never_longer_than_the_poll_period() -> None:
    out = run(
        """
async def main():
    Power(lightsleep, lambda: True, 80).install()
    await wait(200)
asyncio.run(main())
print(max(slept) == 80, sum(slept) <= 200)
"""
    )
    assert out == [b"True", b"True"]


def test_it_does_not_sleep_when_not_allowed() -> None:
    out = run(
        """
async def main():
    Power(lightsleep, lambda: False, 80).install()
    await wait(300)
asyncio.run(main())
print(slept)
"""
    )
    assert out == [b"[]"]


def test_it_does_not_sleep_while_a_stream_is_waited_on() -> None:
    out = run(
        """
async def main():
    Power(lightsleep, lambda: True, 80).install()
    flag = asyncio.ThreadSafeFlag()  # an interrupt's flag: waited on through the IO queue
    waiter = asyncio.create_task(flag.wait())
    await wait(100)
    waiter.cancel()
asyncio.run(main())
print(slept)
"""
    )
    assert out == [b"[]"]


def test_a_periodic_task_keeps_its_period_between_sleeps() -> None:
    out = run(
        """
ticks = []
async def poller():
    while True:
        ticks.append(time.ticks_ms())
        await asyncio.sleep_ms(80)
async def main():
    Power(lightsleep, lambda: True, 80).install()
    tasks = [asyncio.create_task(poller())]
    await asyncio.sleep_ms(1000)
    for t in tasks:
        t.cancel()
asyncio.run(main())
gaps = [time.ticks_diff(b, a) for a, b in zip(ticks, ticks[1:])]
print(sum(slept) > 600, max(gaps) < 100)
"""
    )
    assert out == [b"True", b"True"]


def test_idle_power_off_waits_for_quiet() -> None:
    out = run(
        """
p = Power(None, lambda: False, 80, idle_off_ms=1000)
t0 = time.ticks_ms()
p.note_activity(True, t0)
a = p.should_power_off(time.ticks_add(t0, 999))
p.note_activity(False, time.ticks_add(t0, 999))
b = p.should_power_off(time.ticks_add(t0, 1000))
p.note_activity(True, time.ticks_add(t0, 1000))
c = p.should_power_off(time.ticks_add(t0, 1500))
print(a, b, c)
"""
    )
    assert out == [b"False", b"True", b"False"]
