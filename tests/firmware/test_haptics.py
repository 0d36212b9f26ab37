"""Haptic patterns: distinct, played by their own task, never blocking the caller."""

import pytest  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw

import tests.firmware.fwpath  # noqa: F401
from footfall.sim import MPY_DIR
from footfall_fw import haptics
from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy

REQUIRED = ("quicken", "quicken_more", "started", "stopped", "storage_full", "low_battery")

# The fake PWM and its log: tests/mpy/haptics_rig.py.
PRELUDE = "from haptics_rig import *\n"


def rhythm(pattern: tuple[tuple[int, int, int], ...]) -> tuple[tuple[int, int], ...]:
    return tuple((on_ms, off_ms) for _, on_ms, off_ms in pattern)


def test_required_patterns_exist() -> None:
    assert set(REQUIRED) <= set(haptics.PATTERNS)


@pytest.mark.parametrize("name", sorted(haptics.PATTERNS))
def test_each_rhythm_differs_from_every_other(name: str) -> None:
    mine = rhythm(haptics.PATTERNS[name])
    others = [rhythm(p) for n, p in haptics.PATTERNS.items() if n != name]
    assert mine not in others


def test_gap_between_patterns_is_longer_than_any_pause_inside_one() -> None:
    pauses = [off for p in haptics.PATTERNS.values() for _, _, off in p]
    assert haptics.GAP_MS > max(pauses)


@pytest.mark.e2e
def test_play_returns_at_once_and_the_task_plays_the_rhythm_on_both_outputs() -> None:
    out = run_mpy(
        PRELUDE
        + """
h = Haptics(FakePWM('buzzer'), FakePWM('motor'))
del log[:]
async def main():
    task = asyncio.create_task(h.run())
    t0 = time.ticks_ms()
    h.play('started')
    print('returned_after', time.ticks_diff(time.ticks_ms(), t0))
    await asyncio.sleep_ms(2000)
    task.cancel()
asyncio.run(main())
ons = [(t, who) for t, who, what, v in log if what == 'duty' and v]
offs = [(t, who) for t, who, what, v in log if what == 'duty' and not v]
print('buzzer_on_ms', [b[0] - a[0] for a, b in zip(ons, offs) if a[1] == 'buzzer'])
print('motor_on_ms', [b[0] - a[0] for a, b in zip(ons, offs) if a[1] == 'motor'])
print('tones', [v for t, who, what, v in log if what == 'freq'])
""",
        extra_paths=(str(MPY_DIR), str(MPY_SCRIPTS)),
    )
    lines = out.stdout.decode().splitlines()
    # The virtual clock carries real processing time, so a loaded machine adds a few ms;
    # the bounds stay far inside the pattern's 120 ms and 300 ms pulses.
    assert int(lines[0].split()[1]) <= 5  # play() does not wait for the pattern
    for line in lines[1:3]:
        on_ms = [int(v) for v in line.split("[")[1].rstrip("]").split(",")]
        assert len(on_ms) == 2 and abs(on_ms[0] - 120) <= 20 and abs(on_ms[1] - 300) <= 20
    assert lines[3] == "tones [2000, 3000]"


@pytest.mark.e2e
def test_sampling_task_keeps_its_pace_while_a_pattern_plays() -> None:
    out = run_mpy(
        PRELUDE
        + """
h = Haptics(FakePWM('buzzer'), None)
late = []
async def sampler():
    due = time.ticks_ms()
    for _ in range(200):
        due = time.ticks_add(due, 20)
        await asyncio.sleep_ms(time.ticks_diff(due, time.ticks_ms()))
        late.append(time.ticks_diff(time.ticks_ms(), due))
async def main():
    task = asyncio.create_task(h.run())
    h.play('storage_full')
    h.play('quicken')
    await sampler()
    task.cancel()
asyncio.run(main())
print(h.played, max(late))
""",
        extra_paths=(str(MPY_DIR), str(MPY_SCRIPTS)),
    )
    played, worst_late_ms = map(int, out.stdout.split())
    assert played == 2
    # a pattern that blocked would hold the sampler for a whole pulse (100+ ms); a few ms
    # is the real processing time the virtual clock carries on a loaded machine
    assert worst_late_ms <= 15


@pytest.mark.e2e
def test_full_queue_drops_and_counts_instead_of_blocking() -> None:
    out = run_mpy(
        PRELUDE
        + """
h = Haptics(None, FakePWM('motor'))
print([h.play('quicken') for _ in range(6)], h.dropped)
""",
        extra_paths=(str(MPY_SCRIPTS),),
    )
    assert out.stdout.decode().split("] ")[1].strip() == "2"
    assert out.stdout.decode().startswith("[True, True, True, True, False, False]")


def test_unknown_pattern_is_refused() -> None:
    h = haptics.Haptics(None, None)
    with pytest.raises(KeyError):
        h.play("fanfare")


@pytest.mark.e2e
def test_playing_is_true_from_a_pattern_to_the_end_of_its_gap_only() -> None:
    # the battery monitor reads no voltage while it is true (the motor sags the cell)
    out = run_mpy(
        PRELUDE
        + """
h = Haptics(FakePWM('buzzer'), FakePWM('motor'))
async def main():
    task = asyncio.create_task(h.run())
    seen = [h.playing]
    h.play('started')
    await asyncio.sleep_ms(100)
    seen.append(h.playing)
    await asyncio.sleep_ms(120 + 80 + 300 + GAP_MS)
    seen.append(h.playing)
    task.cancel()
    print(seen)
asyncio.run(main())
""",
        extra_paths=(str(MPY_DIR), str(MPY_SCRIPTS)),
    )
    assert out.stdout.decode().split() == ["[False,", "True,", "False]"]
