"""The retraining programme's rules (faded feedback, progressive target) and how the coach
follows them, each checked under CPython and inside the MicroPython unix port."""

from typing import Any

from tests.conftest import run_body


def run(interpreter: str, body: str) -> Any:
    return run_body(interpreter, "programme_rig", body)


def test_fade_gives_full_feedback_for_four_sessions_then_removes_it(interpreter):
    body = "result = [prog.feedback_pct('fade', s) for s in range(1, 11)]"
    assert run(interpreter, body) == [100, 100, 100, 100, 75, 50, 25, 0, 0, 0]


def test_programmes_without_fade_keep_full_feedback(interpreter):
    body = "result = [prog.feedback_pct(p, 9) for p in ('off', 'progressive')]"
    assert run(interpreter, body) == [100, 100]


def test_a_faded_session_is_quiet_for_the_end_of_each_four_minute_cycle(interpreter):
    # 50 %: on for the first 2 minutes of every 4
    body = "result = [prog.muted(50, s * 1000) for s in (0, 119, 120, 239, 240, 359, 360)]"
    assert run(interpreter, body) == [False, False, True, True, False, False, True]


def test_no_feedback_is_always_quiet_and_full_feedback_never(interpreter):
    body = "result = (any(prog.muted(100, s * 997) for s in range(1000)), "
    body += "all(prog.muted(0, s * 997) for s in range(1000)))"
    assert run(interpreter, body) == (False, True)


def test_progressive_raises_the_target_by_2_5_percent_a_week_up_to_7_5(interpreter):
    body = "result = [prog.raise_pct10('progressive', w, 75) for w in range(5)]"
    assert run(interpreter, body) == [25, 50, 75, 75, 75]


def test_without_progression_the_raise_is_the_auto_targets(interpreter):
    assert run(interpreter, "result = prog.raise_pct10('fade', 3, 75)") == 75


def test_a_week_is_seven_days_by_the_clock_or_three_sessions_without_one(interpreter):
    body = """
day = 86400
result = (prog.week(9, 1800000000, 1800000000 + 6 * day),
          prog.week(2, 1800000000, 1800000000 + 15 * day),
          [prog.week(s, 0, 0) for s in range(1, 8)])
"""
    assert run(interpreter, body) == (0, 2, [0, 0, 0, 1, 1, 1, 2])


def test_a_known_baseline_gives_the_target_at_once(interpreter):
    body = """
coach = Coach(CoachConfig(auto_target=True, baseline_spm=160, auto_raise_pct10=25))
result = (coach.target_spm, cue_times_s(coach, [(t, 150, False) for t in range(20)]))
"""
    assert run(interpreter, body) == (164, [10])  # 160 + 2.5 %, cue after 10 s below


def test_a_muted_coach_holds_the_cue_until_feedback_is_back(interpreter):
    # slow throughout; muted from 0 to 24 s: the cue due at 10 s comes at 25 s
    body = """
coach = Coach(CoachConfig(target_spm=170, repeat_s=30))
result = cue_times_s(coach, [(t, 150, t < 25) for t in range(60)])
"""
    assert run(interpreter, body) == [25, 55]


def test_a_muted_coach_that_held_a_cue_says_why(interpreter):
    body = """
coach = Coach(CoachConfig(target_spm=170))
cue_times_s(coach, [(t, 150, True) for t in range(15)])
result = coach.reason
"""
    assert run(interpreter, body) == 11  # R_MUTED
