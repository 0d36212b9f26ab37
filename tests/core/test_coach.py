"""The coach's rules, each checked under CPython and inside the MicroPython unix port."""

import pytest

from tests.conftest import MPY_SCRIPTS, run_script
from tests.unixport import run_mpy_file

IDLE, WALKING, RUNNING = 0, 1, 2


@pytest.fixture
def run(interpreter):
    """The coach scenario (tests/mpy/coach_scenario.py) in one interpreter."""
    return lambda cfg_kwargs, updates: run_script(
        interpreter, "coach_scenario.py", (cfg_kwargs, updates)
    )


def steady(t0_s: int, t1_s: int, spm: int, state: int = RUNNING, paused: bool = False) -> list:
    """One update per second from t0_s up to (not including) t1_s."""
    return [(t * 1000, spm, state, paused) for t in range(t0_s, t1_s)]


def cue_times_s(result: list, updates: list) -> list:
    return [u[0] // 1000 for u, r in zip(updates, result, strict=True) if r[0]]


def test_cues_after_below_s_continuously_below_threshold(run):
    # target 170, tolerance 3: threshold 167. Slow from t=20 s, so the cue comes at t=30 s.
    updates = steady(0, 20, 172) + steady(20, 40, 160)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == [30]
    assert result[30][3] == 10_000


def test_cadence_at_threshold_counts_as_in_zone(run):
    updates = steady(0, 60, 167)
    assert cue_times_s(run({"target_spm": 170}, updates), updates) == []


def test_cadence_one_below_threshold_is_slow(run):
    updates = steady(0, 60, 166)
    assert cue_times_s(run({"target_spm": 170}, updates), updates)[:1] == [10]


def test_brief_recovery_does_not_restart_the_count(run):
    # 9 s slow, 1 s back in zone, then slow again: 10 of the last 15 s are slow at t=11 s.
    updates = steady(0, 9, 160) + steady(9, 10, 170) + steady(10, 30, 160)
    assert cue_times_s(run({"target_spm": 170}, updates), updates)[:1] == [11]


def test_hovering_mostly_below_cues(run):
    # 4 s slow, 1 s in the zone, over and over: never 10 s in a row, but 12 of every 15 s.
    updates = [(t * 1000, 160 if t % 5 < 4 else 170, RUNNING, False) for t in range(60)]
    assert cue_times_s(run({"target_spm": 170, "repeat_s": 0}, updates), updates) == [12]


def test_hovering_mostly_in_zone_stays_silent(run):
    # 2 s slow in every 5 s: at most 6 s of any 15 s below the threshold.
    updates = [(t * 1000, 160 if t % 5 < 2 else 170, RUNNING, False) for t in range(300)]
    assert cue_times_s(run({"target_spm": 170}, updates), updates) == []


def test_cue_repeats_every_repeat_s_escalated_while_slow(run):
    updates = steady(0, 120, 150)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == [10, 40, 70, 100]
    assert [r[0] for r in result if r[0]] == [1, 2, 2, 2]  # CUE, then CUE_AGAIN
    assert result[60][1] == 8  # R_WAIT


def test_repeat_s_zero_gives_one_cue_per_slow_spell(run):
    updates = steady(0, 120, 150)
    assert cue_times_s(run({"target_spm": 170, "repeat_s": 0}, updates), updates) == [10]


def test_runner_back_in_the_zone_hears_nothing_more(run):
    # Cue at 10 s; in the zone from 11 s: the window still holds 10 s below, but no cue.
    updates = steady(0, 11, 150) + steady(11, 200, 170)
    assert cue_times_s(run({"target_spm": 170, "repeat_s": 10}, updates), updates) == [10]


def test_rearm_s_back_in_zone_ends_the_spell_and_the_escalation(run):
    # Cue at 10 s; zone 20..25 s (5 s: the spell ends at 25); slow from 26 s -> a first cue
    # (not a repeat) at 36 s, when 10 s of the window are slow again.
    updates = steady(0, 20, 150) + steady(20, 26, 170) + steady(26, 50, 150)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == [10, 36]
    assert [r[0] for r in result if r[0]] == [1, 1]


def test_short_return_to_zone_keeps_the_spell_escalated(run):
    # Only 4 s back in the zone (20..23 s): the next cue is a repeat, 30 s after the first.
    updates = steady(0, 20, 150) + steady(20, 24, 170) + steady(24, 60, 150)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == [10, 40]
    assert [r[0] for r in result if r[0]] == [1, 2]


def test_min_gap_bounds_the_repeat_interval(run):
    updates = steady(0, 80, 150)
    cfg = {"target_spm": 170, "repeat_s": 5, "min_gap_s": 20}
    assert cue_times_s(run(cfg, updates), updates) == [10, 30, 50, 70]


def test_min_gap_limits_cue_rate(run):
    # Quick settings: 2 s below, re-arm after 1 s; the 20 s gap holds the second cue back.
    cfg = {"target_spm": 170, "below_s": 2, "rearm_s": 1, "min_gap_s": 20, "repeat_s": 0}
    updates = steady(0, 5, 150) + steady(5, 7, 170) + steady(7, 40, 150)
    result = run(cfg, updates)
    assert cue_times_s(result, updates) == [2, 22]
    assert result[15][1] == 9  # R_GAP


@pytest.mark.parametrize("state", [IDLE, WALKING])
def test_silent_when_not_running(run, state):
    updates = steady(0, 60, 100, state=state)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == []
    assert result[-1][1] == 3  # R_NOT_RUNNING


def test_silent_when_paused(run):
    updates = steady(0, 60, 150, paused=True)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == []
    assert result[-1][1] == 4  # R_PAUSED


def test_silent_when_cadence_is_zero(run):
    updates = steady(0, 60, 0)
    result = run({"target_spm": 170}, updates)
    assert cue_times_s(result, updates) == []
    assert result[-1][1] == 5  # R_STOPPED


def test_leaving_running_resets_below_timer(run):
    # 8 s slow running, 3 s walking, slow running again from 11 s: cue at 21 s, not 13 s.
    updates = steady(0, 8, 150) + steady(8, 11, 110, state=WALKING) + steady(11, 30, 150)
    assert cue_times_s(run({"target_spm": 170}, updates), updates) == [21]


def test_pause_resets_below_timer(run):
    updates = steady(0, 8, 150) + steady(8, 11, 150, paused=True) + steady(11, 30, 150)
    assert cue_times_s(run({"target_spm": 170}, updates), updates) == [21]


def test_no_target_means_no_cues(run):
    updates = steady(0, 60, 120)
    result = run({}, updates)
    assert cue_times_s(result, updates) == []
    assert result[-1][1] == 1  # R_NO_TARGET


def test_auto_target_is_baseline_plus_7_5_percent(run):
    # 60 s of running at 160 spm -> target round(160 * 1.075) = 172.
    updates = steady(0, 62, 160)
    result = run({"auto_target": True, "baseline_s": 60}, updates)
    assert result[0][2] == 0
    assert result[-1][2] == 172


def test_auto_target_uses_the_median_not_the_mean(run):
    # 50 s at 160 and 12 s at 240 (a burst): the mean would be ~175, the median stays 160.
    updates = steady(0, 50, 160) + steady(50, 62, 240) + steady(62, 64, 160)
    result = run({"auto_target": True, "baseline_s": 60}, updates)
    assert result[-1][2] == 172


def test_auto_target_rounds_half_up(run):
    # 100 * 1.075 = 107.5 -> 108; 120 * 1.075 = 129.0 -> 129.
    for spm, target in ((100, 108), (120, 129)):
        result = run({"auto_target": True, "baseline_s": 10}, steady(0, 13, spm))
        assert result[-1][2] == target


def test_auto_target_counts_only_running_time(run):
    # Walking at 110 before the run must not pull the baseline down.
    updates = steady(0, 100, 110, state=WALKING) + steady(100, 175, 160)
    result = run({"auto_target": True, "baseline_s": 60}, updates)
    assert result[150][2] == 0
    assert result[-1][2] == 172


def test_no_cue_while_learning_baseline(run):
    # Slow from the first second, but the target is unknown until 60 s of running.
    updates = steady(0, 60, 120)
    result = run({"auto_target": True, "baseline_s": 60}, updates)
    assert all(r[1] == 2 for r in result)  # R_LEARNING
    assert cue_times_s(result, updates) == []


def test_auto_target_cues_runner_who_keeps_the_old_cadence(run):
    # Baseline 160 -> target 172 (threshold 169) known at 60 s; still 160 -> cue at 71 s.
    updates = steady(0, 90, 160)
    assert cue_times_s(run({"auto_target": True, "baseline_s": 60}, updates), updates) == [71]


def test_auto_target_silent_once_runner_reaches_new_target(run):
    updates = steady(0, 61, 160) + steady(61, 120, 172)
    assert cue_times_s(run({"auto_target": True, "baseline_s": 60}, updates), updates) == []


def test_survives_ticks_ms_wraparound(run):
    # ticks_ms() wraps at 2**30: slow from 5 s before the wrap, cue 10 s after it started.
    start = (1 << 30) - 5000
    updates = [((start + 1000 * i) & ((1 << 30) - 1), 150, RUNNING, False) for i in range(15)]
    assert [i for i, r in enumerate(run({"target_spm": 170}, updates)) if r[0]] == [10]


@pytest.mark.parametrize(
    "field, value",
    [
        ("target_spm", 59),
        ("target_spm", 241),
        ("tolerance_spm", -1),
        ("below_s", 0),
        ("min_gap_s", -1),
        ("rearm_s", 601),
        ("baseline_s", 5),
        ("auto_raise_pct10", 301),
        ("auto_target", 2),
        ("repeat_s", -1),
        ("repeat_s", 601),
    ],
)
def test_config_rejects_out_of_range_value_naming_the_field(run, field, value):
    kind, message = run({field: value}, [])
    assert kind == "ValueError"
    assert message.startswith(field)


@pytest.mark.e2e
def test_update_allocates_nothing_in_the_unix_port():
    cues, target = run_mpy_file(MPY_SCRIPTS / "coach_heap_lock.py").stdout.split()
    assert int(target) == 172
    assert int(cues) >= 1
