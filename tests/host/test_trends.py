"""footfall.trends: weekly load, the >10% jump and acute:chronic flags, cadence trend."""

from dataclasses import replace

import pytest
from footfall.analysis import SessionSummary, summarise
from footfall.errors import AnalysisError
from footfall.trends import weekly

from tests.host.run_sessions import DAY_S, MONDAY_S, run

WEEK_S = 7 * DAY_S
BASE = summarise(run([170] * 1000))


def week_of(load_g: float, week: int, cadence: float = 170, sessions: int = 3) -> list:
    """`sessions` sessions in week `week` (Tue, Thu, Sat) adding up to load_g."""
    starts = [MONDAY_S + week * WEEK_S + (1 + 2 * i) * DAY_S for i in range(sessions)]
    return [
        replace(BASE, start_s=s, impact_load_g=load_g / sessions, cadence_median_spm=cadence)
        for s in starts
    ]


def block(loads: list[float], cadences: list[float] | None = None) -> list[SessionSummary]:
    cadences = cadences or [170.0] * len(loads)
    return [s for w, (load, c) in enumerate(zip(loads, cadences, strict=True))
            for s in week_of(load, w, c)]  # fmt: skip


def test_a_planted_25pct_weekly_load_jump_is_flagged() -> None:
    weeks = weekly(block([3000, 3000, 3000, 3000, 3750])).weeks
    assert [w.load_jump for w in weeks] == [False] * 4 + [True]
    assert weeks[-1].load_change_pct == pytest.approx(25)


def test_a_steady_block_is_not_flagged() -> None:
    t = weekly(block([3000] * 8))
    assert t.flagged() == []
    assert [w.acwr for w in t.weeks[3:]] == [pytest.approx(1.0)] * 5


def test_a_rise_of_10pct_or_less_is_not_a_jump() -> None:
    assert not weekly(block([3000, 3300])).weeks[-1].load_jump


def test_acute_chronic_ratio_above_1_3_is_flagged() -> None:
    last = weekly(block([2000, 2000, 2000, 4000])).weeks[-1]
    assert last.acwr == pytest.approx(4000 / 2500) and last.acwr_flag


def test_acute_chronic_ratio_below_0_8_is_flagged() -> None:
    last = weekly(block([3000, 3000, 3000, 1000])).weeks[-1]
    assert last.acwr == pytest.approx(1000 / 2500) and last.acwr_flag


def test_the_week_in_progress_is_not_flagged_for_low_load_until_it_ends() -> None:
    loads = [3000, 3000, 3000, 1000]  # the last week has only just begun
    during = weekly(block(loads), now_s=MONDAY_S + 3 * WEEK_S + 2 * DAY_S).weeks[-1]
    after = weekly(block(loads), now_s=MONDAY_S + 4 * WEEK_S + DAY_S).weeks[-1]
    assert during.in_progress and not during.acwr_flag
    assert not after.in_progress and after.acwr_flag


def test_a_load_jump_in_the_week_in_progress_is_flagged_at_once() -> None:
    loads = [2000, 2000, 2000, 4000]
    last = weekly(block(loads), now_s=MONDAY_S + 3 * WEEK_S + 6 * DAY_S).weeks[-1]
    assert last.in_progress and last.load_jump and last.acwr_flag


def test_acute_chronic_ratio_waits_for_four_weeks_of_history() -> None:
    assert [w.acwr for w in weekly(block([3000] * 3)).weeks] == [None] * 3


def test_a_week_without_sessions_is_a_zero_week_not_a_gap() -> None:
    t = weekly(week_of(3000, 0) + week_of(3000, 2))
    assert [w.sessions for w in t.weeks] == [3, 0, 3]


def test_weeks_shows_the_last_n_with_flags_from_the_whole_history() -> None:
    t = weekly(block([2000, 2000, 2000, 4000]), weeks=1)
    assert len(t.weeks) == 1 and t.weeks[0].acwr_flag


def test_weekly_totals_add_up_the_sessions() -> None:
    w = weekly(week_of(3000, 0)).weeks[0]
    assert (w.sessions, w.steps, w.impact_load_g) == (3, 3 * BASE.steps, pytest.approx(3000))
    assert w.week == "2027-W02" and w.start == "2027-01-11"


def test_cadence_trend_is_spm_per_week_against_the_target() -> None:
    t = weekly(block([3000] * 4, cadences=[160, 162, 164, 166]))
    assert t.cadence_trend_spm_per_week == pytest.approx(2)
    assert t.weeks[0].cadence_gap_spm == pytest.approx(160 - 170)


def test_no_running_sessions_is_an_analysis_error() -> None:
    with pytest.raises(AnalysisError, match="no running"):
        weekly([])
