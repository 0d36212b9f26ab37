"""The impact coach's rules (coach mode "impact"), each checked under CPython and inside the
MicroPython unix port."""

import pytest

from tests.conftest import MPY_SCRIPTS, run_script
from tests.unixport import run_mpy_file

IDLE, WALKING, RUNNING = 0, 1, 2
R_LEARNING, R_NOT_RUNNING, R_PAUSED, R_CUE, R_MUTED = 2, 3, 4, 10, 11


@pytest.fixture
def run(interpreter):
    """The impact scenario (tests/mpy/impact_scenario.py) in one interpreter."""
    return lambda cfg_kwargs, ticks: run_script(
        interpreter, "impact_scenario.py", (cfg_kwargs, ticks)
    )


def ticks(t0_s: int, t1_s: int, peak_mg: int, state: int = RUNNING, paused: bool = False):
    """One tick a second from t0_s up to t1_s, three steps a tick at peak_mg."""
    return [(t * 1000, 170, state, paused, [peak_mg] * 3) for t in range(t0_s, t1_s)]


def cue_times_s(result: list, updates: list) -> list:
    return [u[0] // 1000 for u, r in zip(updates, result, strict=True) if r[0]]


def test_a_fixed_limit_cues_after_below_s_of_the_window_over_it(run):
    updates = ticks(0, 20, 3000) + ticks(20, 40, 4500)
    result = run({"impact_limit_mg": 4000, "repeat_s": 0}, updates)
    assert cue_times_s(result, updates) == [30]
    assert result[30][1:] == (R_CUE, 4000, 10_000)


def test_under_the_limit_never_cues(run):
    updates = ticks(0, 120, 3999)
    assert cue_times_s(run({"impact_limit_mg": 4000}, updates), updates) == []


def test_the_cue_repeats_escalated_while_impact_stays_over(run):
    updates = ticks(0, 100, 5000)
    result = run({"impact_limit_mg": 4000, "repeat_s": 30}, updates)
    assert cue_times_s(result, updates) == [10, 40, 70]
    assert [r[0] for r in result if r[0]] == [1, 2, 2]  # CUE, then CUE_AGAIN


def test_walking_and_pauses_keep_it_silent(run):
    updates = ticks(0, 60, 5000, WALKING) + ticks(60, 120, 5000, RUNNING, paused=True)
    result = run({"impact_limit_mg": 4000}, updates)
    assert cue_times_s(result, updates) == []
    assert {r[1] for r in result} == {R_NOT_RUNNING, R_PAUSED}


def test_the_limit_is_learned_from_the_runners_own_baseline(run):
    # 20 s of running at 5.0 g (the 5000-5099 mg bin, 5050 mg): the limit is 20% below it,
    # 4040 mg; the runner stays at 5.0 g, so the cue comes below_s later.
    updates = ticks(0, 60, 5000)
    result = run({"baseline_s": 20}, updates)
    assert [r[1] for r in result[:20]] == [R_LEARNING] * 20
    assert result[-1][2] == 5050 * 80 // 100
    assert cue_times_s(result, updates)[:1] == [31]


def test_a_tick_without_steps_keeps_the_last_reading(run):
    updates = [(t * 1000, 170, RUNNING, False, [5000] if t % 2 else []) for t in range(1, 30)]
    assert cue_times_s(run({"impact_limit_mg": 4000}, updates), updates)[:1] == [11]


@pytest.mark.parametrize(
    ("cfg", "message"),
    [({"impact_limit_mg": 999}, "impact_limit_mg must be 1000..16000"),
     ({"impact_drop_pct": 51}, "impact_drop_pct must be 5..50")],
)  # fmt: skip
def test_limits_out_of_range_are_refused(run, cfg, message):
    assert run(cfg, []) == ("ValueError", f"{message}, got {list(cfg.values())[0]}")


@pytest.mark.e2e
def test_the_impact_coach_allocates_nothing_under_heap_lock():
    out = run_mpy_file(MPY_SCRIPTS / "impact_heap_lock.py").stdout.split()
    cues, limit = map(int, out)
    assert cues >= 3  # the learning, window, cue and repeat paths all ran under the lock
    assert limit == 3050 * 90 // 100
