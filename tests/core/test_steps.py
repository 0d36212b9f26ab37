"""Step detection, cadence and activity behaviour, on CPython and in the unix port."""

import pytest

from tests.conftest import run_body
from tests.unixport import FIRMWARE


def run_scenario(interpreter: str, body: str):
    """Run body after `from gait import *` (tests/mpy/gait.py); the value it printed last."""
    return run_body(interpreter, "gait", body)


@pytest.mark.parametrize("spm", [60, 100, 140, 170, 200, 240])
def test_counts_every_step_and_reads_cadence_from_60_to_240_spm(interpreter, spm):
    body = f"""
contacts = steady({spm}, 40)
steps, cads, state = run(100, "waist", signal(100, contacts, 40, 2500))
print(repr((len(contacts), len(steps), cads[20:35])))
"""
    true_n, found, cads = run_scenario(interpreter, body)
    assert abs(found - true_n) <= 1
    true_spm = 60000 / (60000 // spm)
    assert all(abs(c - true_spm) <= 1 for c in cads), cads


def test_a_short_bout_keeps_its_first_steps(interpreter):
    # eight steps and a stop: Espruino-style counters drop the steps before confirmation
    body = """
contacts = steady(110, 30, start_ms=2000)[:8]
steps, cads, state = run(100, "waist", signal(100, contacts, 30, 2000, soft_last=True))
print(repr((steps, [c * 100 // 1000 for c in contacts])))
"""
    found, true_idx = run_scenario(interpreter, body)
    assert len(found) == 8
    assert all(abs(f - t) <= 25 for f, t in zip(found, true_idx, strict=True))


def test_standing_still_gives_no_steps_and_zero_cadence(interpreter):
    body = """
steps, cads, state = run(100, "waist", signal(100, [], 120, 0, noise_mg=60))
print(repr((len(steps), max(cads), state)))
"""
    assert run_scenario(interpreter, body) == (0, 0, 0)


def test_a_few_bumps_never_make_a_bout(interpreter):
    # a door slam, a pothole: four regular knocks, then quiet, again and again
    body = """
contacts = []
for burst in range(20):
    contacts += [burst * 9000 + k * 450 for k in range(4)]
steps, cads, state = run(100, "waist", signal(100, contacts, 185, 2500))
print(repr(len(steps)))
"""
    assert run_scenario(interpreter, body) == 0


def test_knocks_without_a_stride_rhythm_make_no_bout(interpreter):
    # pairs of knocks (a double tap, a bouncing seat): steady pairs, but no steady steps
    body = """
contacts = []
for k in range(120):
    contacts += [500 + k * 1500, 500 + k * 1500 + 250]
steps, cads, state = run(100, "waist", signal(100, contacts, 185, 2500))
print(repr(len(steps)))
"""
    assert run_scenario(interpreter, body) == 0


def test_cadence_drops_to_zero_soon_after_stopping(interpreter):
    body = """
contacts = steady(170, 20)
steps, cads, state = run(100, "waist", signal(100, contacts, 30, 3000))
print(repr((cads[15], cads[-1], state)))
"""
    running, stopped, state = run_scenario(interpreter, body)
    assert abs(running - 170) <= 1
    assert stopped == 0
    assert state == 0  # idle


def test_shoe_reports_both_feet_from_one_foot_strikes(interpreter):
    # the shoe sees only its own foot: 85 strides/min are 170 steps/min
    body = """
contacts = steady(85, 40)
steps, cads, state = run(100, "shoe", signal(100, contacts, 40, 6000))
print(repr((len(contacts), len(steps), cads[25], state)))
"""
    strides, found, cadence, state = run_scenario(interpreter, body)
    assert abs(found - 2 * strides) <= 2
    assert abs(cadence - 170) <= 1
    assert state == 2  # running


def test_walking_cadence_reads_as_walking(interpreter):
    body = """
contacts = steady(110, 30)
steps, cads, state = run(100, "waist", signal(100, contacts, 30, 1500))
from footfall_core.activity import Activity
print(repr(cads[20]))
"""
    assert abs(run_scenario(interpreter, body) - 110) <= 1


@pytest.mark.parametrize("rate_hz", [25, 50, 100, 200, 400])
def test_every_rate_from_25_to_400_hz_counts_the_same_run(interpreter, rate_hz):
    body = f"""
contacts = steady(170, 30)
steps, cads, state = run({rate_hz}, "waist", signal({rate_hz}, contacts, 30, 2500))
print(repr((len(contacts), len(steps), cads[20])))
"""
    true_n, found, cadence = run_scenario(interpreter, body)
    assert abs(found - true_n) <= 1
    assert abs(cadence - 60000 / (60000 // 170)) <= 1.5


def test_cadence_ignores_one_missed_and_one_extra_step(interpreter):
    # 100 Hz, 170 spm = 35.3 samples/step; step 6 is missed, an extra one follows step 12
    body = """
c = Cadence(100)
idx = [round_i * 3529 // 100 for round_i in range(20)]
del idx[6]
idx.insert(12, idx[11] + 9)
out = [c.add_step(i) for i in idx]
print(repr(out[-1]))
"""
    assert abs(run_scenario(interpreter, body) - 170) <= 1


def test_rejects_rates_and_placements_it_cannot_serve():
    import sys

    sys.path.insert(0, str(FIRMWARE))
    from footfall_core.tracker import Tracker

    with pytest.raises(ValueError, match="rate_hz"):
        Tracker(20, "waist")
    with pytest.raises(ValueError, match="placement"):
        Tracker(100, "arm")


def test_lone_steps_just_after_a_walk_count_but_not_long_after(interpreter):
    # a walk, two shuffling steps 3 s after it ends, and two more 40 s later
    body = """
walk = steady(110, 20)
tail = [walk[-1] + 3000, walk[-1] + 4100]
late = [walk[-1] + 40000, walk[-1] + 41100]
sig = signal(100, walk, 70, 2000, soft_last=True)
for c in tail + late:  # shuffles: as strong as the walk's steps
    one = signal(100, [c], 70, 2000, noise_mg=0)
    for i in range(2, len(sig), 3):
        sig[i] += one[i] - 1000"""
    body += """
steps, cads, state = run(100, "waist", sig)
print(repr((len(walk), len(steps), [s * 10 for s in steps[-2:]], tail)))
"""
    walked, found, last_ms, tail = run_scenario(interpreter, body)
    assert found == walked + 2
    assert all(abs(f - t) <= 250 for f, t in zip(last_ms, tail, strict=True))


def test_a_walk_that_stops_hard_gets_its_unseen_stopping_step(interpreter):
    # the feet come together softly after the last strong step; here nothing shows it
    body = """
contacts = steady(110, 30, start_ms=2000)[:12]
steps, cads, state = run(100, "waist", signal(100, contacts, 30, 2000))
print(repr((len(contacts), len(steps), steps[-1] - steps[-2], steps[-2] - steps[-3])))
"""
    walked, found, last_gap, gap_before = run_scenario(interpreter, body)
    assert found == walked + 1
    assert abs(last_gap - gap_before) <= 1  # one step interval after the last


def test_a_shoe_bout_of_n_strides_is_two_n_steps(interpreter):
    # the other foot lands between strides and once more after the last one
    body = """
contacts = steady(55, 40)[:16]
steps, cads, state = run(100, "shoe", signal(100, contacts, 40, 6000))
print(repr((len(contacts), len(steps), steps[-1] - steps[-2], steps[-2] - steps[-3])))
"""
    strides, found, last_gap, gap_before = run_scenario(interpreter, body)
    assert found == 2 * strides
    assert abs(last_gap - gap_before) <= 1  # the trailing step sits half a stride on


def test_a_walk_whose_steps_grow_a_second_bump_still_counts_one_per_step(interpreter):
    # a phone in a pocket: once the walk is under way each step also shows the thigh's
    # swing 250 ms later, a bump two thirds as high, with quiet between the two
    body = """
walk = steady(100, 40)
sig = signal(100, walk, 40, 2000)
for c in walk[8:]:
    one = signal(100, [c + 250], 40, 1300, noise_mg=0)
    for i in range(2, len(sig), 3):
        sig[i] += one[i] - 1000
steps, cads, state = run(100, "waist", sig)
print(repr((len(walk), len(steps), cads[20:35])))
"""
    walked, found, cads = run_scenario(interpreter, body)
    assert abs(found - walked) <= 1
    assert all(abs(c - 100) <= 1 for c in cads), cads


def test_a_fast_run_with_weak_steps_keeps_every_strong_one(interpreter):
    # 240 spm where one step in three barely shows: the peak window, widened by the
    # steps it sees, must never swallow or delay a strong step (nor lock onto half the
    # cadence); each strong step is found within 30 ms of its contact
    body = """
run_ = steady(240, 40)
strong = [c for k, c in enumerate(run_) if k % 3]
weak = [c for k, c in enumerate(run_) if not k % 3]
sig = signal(100, strong, 40, 2500)
for c in weak:
    one = signal(100, [c], 40, 150, noise_mg=0)
    for i in range(2, len(sig), 3):
        sig[i] += one[i] - 1000
steps, cads, state = run(100, "waist", sig)
found = [s * 10 for s in steps]
kept = sum(1 for c in strong if any(abs(f - c) <= 30 for f in found))
print(repr((len(strong), kept)))
"""
    strong, kept = run_scenario(interpreter, body)
    assert kept >= strong - 1


def test_the_push_off_before_a_walks_first_step_is_not_a_step(interpreter):
    # starting from standing, the weight shift peaks about a swing time (350 ms) before
    # the first heel strike; the steps after it are evenly spaced
    body = """
walk = steady(100, 30, start_ms=3000)[:12]
sig = signal(100, walk, 30, 2000, soft_last=True)
push = signal(100, [walk[0] - 350], 30, 2000, noise_mg=0)
for i in range(2, len(sig), 3):
    sig[i] += push[i] - 1000
steps, cads, state = run(100, "waist", sig)
print(repr((len(walk), len(steps), steps[0], walk[0] * 100 // 1000)))
"""
    walked, found, first, first_true = run_scenario(interpreter, body)
    assert found == walked
    assert abs(first - first_true) <= 10
