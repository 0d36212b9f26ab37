"""footfall.analysis: one session's cadence, zone time, cues, drift and impact."""

import numpy as np
import pytest
from footfall.analysis import impact_by_cadence, impact_fit, summarise, weighted_quantiles
from footfall.errors import AnalysisError
from footfall_core.activity import RUNNING

from tests.host.run_sessions import run, walk


def test_steady_cadence_has_every_statistic_at_that_cadence() -> None:
    s = summarise(run([172] * 600))
    stats = (s.cadence_mean_spm, s.cadence_median_spm, s.cadence_p10_spm, s.cadence_p90_spm)
    assert stats == (172, 172, 172, 172)


def test_cadence_statistics_are_weighted_by_time_not_steps() -> None:
    # 300 steps at 150 spm take 120 s; 300 at 200 spm take 90 s: the time median is 150.
    assert summarise(run([150] * 300 + [200] * 300)).cadence_median_spm == 150


def test_time_in_zone_is_the_share_of_running_time_at_or_above_target_minus_tolerance() -> None:
    s = summarise(run([167] * 167 + [166] * 166))  # one minute at each side of 170 - 3
    assert s.in_zone_pct == pytest.approx(50, abs=0.1)


def test_no_target_gives_no_zone_time() -> None:
    assert summarise(run([170] * 100, target_spm=0)).in_zone_pct is None


def test_recovery_is_the_time_from_a_cue_to_the_first_step_back_in_the_zone() -> None:
    data = run([170] * 100 + [150] * 100 + [170] * 100, cues=(150,))
    s = summarise(data)
    assert [c.cadence_spm for c in s.cues] == [150]
    assert s.cues[0].recovery_s == (data.t_ms[200] - data.t_ms[150]) / 1000


def test_a_cue_never_recovered_from_has_no_recovery_time() -> None:
    s = summarise(run([170] * 100 + [150] * 100, cues=(150,)))
    assert s.cues[0].recovery_s is None


def test_a_cue_in_a_session_never_in_the_zone_has_no_recovery_time() -> None:
    assert summarise(run([150] * 100, cues=(50,))).cues[0].recovery_s is None


def test_drift_is_the_last_third_median_minus_the_first_third_median() -> None:
    s = summarise(run([176] * 300 + [170] * 300 + [164] * 300))
    assert (s.cadence_first_third_spm, s.cadence_drift_spm) == (176, -12)


def test_walking_steps_count_as_steps_but_not_as_running() -> None:
    data = run([170] * 200)
    walking = walk(100)
    both = run(np.concatenate([data.cadence_spm, walking.cadence_spm]))
    both.flags[200:] = walking.flags
    s = summarise(both)
    assert (s.steps, s.running_steps) == (300, 200)
    assert s.running_s == pytest.approx(float(data.interval_ms.sum()) / 1000)


def test_impact_is_reported_in_g() -> None:
    s = summarise(run([170] * 100, peak_mg=[2000] * 99 + [4500]))
    assert (s.impact_median_g, s.impact_max_g) == (2.0, 4.5)


def test_impact_slope_recovers_a_planted_relation_despite_stumbles() -> None:
    rng = np.random.default_rng(5)
    cad = rng.integers(160, 181, 4000)
    peak = 2500 - 20 * (cad - 160) + rng.normal(0, 100, len(cad))
    peak[rng.choice(len(cad), 200, replace=False)] = 6000  # stumbles and kerbs
    s = summarise(run(cad, peak_mg=np.round(peak, -2)))
    assert s.impact_slope_g_per_spm == pytest.approx(-0.020, abs=0.004)


def test_impact_fit_needs_three_cadences() -> None:
    bins, means = impact_by_cadence(np.array([170] * 50 + [171] * 50), np.ones(100))
    assert len(bins) == 2 and impact_fit(bins, means) is None


def test_a_session_without_running_is_an_analysis_error_naming_it() -> None:
    with pytest.raises(AnalysisError, match="session test has no running"):
        summarise(walk())


def test_running_steps_with_zero_cadence_are_not_running() -> None:
    data = run([170] * 10)
    data.cadence_spm[:] = 0
    assert (data.flags == RUNNING).all()
    with pytest.raises(AnalysisError):
        summarise(data)


def test_weighted_quantiles_match_numpy_for_equal_weights() -> None:
    values = np.arange(1, 101)
    got = weighted_quantiles(values, np.ones(100), [0.1, 0.5, 0.9])
    assert list(got) == list(np.quantile(values, [0.1, 0.5, 0.9], method="inverted_cdf"))
