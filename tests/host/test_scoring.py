"""Step matching (one-to-one within 250 ms), F1 and the 30 s cadence windows."""

import numpy as np
import pytest
from footfall.scoring import cadence_window_errors, count_matches, disagreements, f1_score


def test_identical_times_all_match():
    assert count_matches(np.array([0, 500, 1000]), np.array([0, 500, 1000])) == 3


def test_250_ms_apart_matches_and_251_does_not():
    assert count_matches(np.array([1000]), np.array([1250])) == 1
    assert count_matches(np.array([1000]), np.array([749])) == 0


def test_one_detection_matches_only_one_true_step():
    assert count_matches(np.array([1000, 1100]), np.array([1050])) == 1


def test_one_true_step_takes_only_one_detection():
    assert count_matches(np.array([1000]), np.array([990, 1010])) == 1


def test_matching_maximises_pairs_where_nearest_first_would_not():
    # 200 is equally near 0 and 400; pairing it with 400 would strand 600
    assert count_matches(np.array([0, 400]), np.array([200, 600])) == 2


def test_unsorted_inputs_are_matched_like_sorted_ones():
    assert count_matches(np.array([1000, 0, 500]), np.array([510, 990, 5])) == 3


def test_f1_counts_misses_and_extras():
    assert f1_score(n_true=10, n_detected=8, n_matched=8) == pytest.approx(16 / 18)
    assert f1_score(n_true=10, n_detected=12, n_matched=10) == pytest.approx(20 / 22)


def test_f1_of_nothing_against_nothing_is_perfect():
    assert f1_score(0, 0, 0) == 1.0


def test_f1_is_zero_without_matches():
    assert f1_score(5, 5, 0) == 0.0


def steady_steps(interval_ms: int, seconds: int) -> np.ndarray:
    return np.arange(0, seconds * 1000 + 1, interval_ms)


def test_cadence_error_per_full_window():
    truth = steady_steps(500, 65)  # 120 spm; windows 0-30 s, 30-60 s
    cad_t = np.arange(1000, 65_000, 1000)
    errors = cadence_window_errors(truth, cad_t, np.full(len(cad_t), 125))
    assert errors.tolist() == pytest.approx([5.0, 5.0])


def test_zero_cadence_readings_are_left_out_of_the_window_mean():
    truth = steady_steps(400, 31)  # 150 spm
    cad_t = np.arange(1000, 31_000, 1000)
    cad = np.where(cad_t < 5000, 0, 150)
    assert cadence_window_errors(truth, cad_t, cad).tolist() == pytest.approx([0.0])


def test_a_window_with_no_reported_cadence_counts_the_whole_true_cadence():
    truth = steady_steps(400, 31)
    cad_t = np.arange(1000, 31_000, 1000)
    errors = cadence_window_errors(truth, cad_t, np.zeros(len(cad_t)))
    assert errors.tolist() == pytest.approx([150.0])


def test_pauses_do_not_lower_the_true_cadence():
    walk = steady_steps(500, 12)
    truth = np.concatenate([walk, walk + 18_000])  # 6 s pause between two bouts
    cad_t = np.arange(1000, 31_000, 1000)
    assert cadence_window_errors(truth, cad_t, np.full(len(cad_t), 120)).tolist() == [0.0]


def test_recordings_shorter_than_a_window_score_no_window():
    truth = steady_steps(500, 20)
    assert len(cadence_window_errors(truth, np.array([1000]), np.array([120]))) == 0


# A walk of eight steps 500 ms apart with a 2 s pause (a turn) after the fourth.
WALK = np.array([0, 500, 1000, 1500, 3500, 4000, 4500, 5000])


def test_perfect_detection_has_no_disagreements():
    assert disagreements(WALK, WALK + 40) == []


def test_a_missed_step_is_placed_in_walking_or_at_an_edge():
    assert disagreements(WALK, np.delete(WALK, 2)) == [("missed", 1000, None, "walking")]
    assert disagreements(WALK, np.delete(WALK, 3)) == [("missed", 1500, None, "edge")]
    assert disagreements(WALK, np.delete(WALK, 0)) == [("missed", 0, None, "edge")]


def test_an_extra_detection_is_placed_in_walking_a_pause_or_outside():
    found = disagreements(WALK, np.sort(np.r_[WALK, 1100, 2500, 9000, -1000]))
    assert found == [
        ("extra", -1000, None, "outside"),
        ("extra", 1100, None, "walking"),
        ("extra", 2500, None, "pause"),
        ("extra", 9000, None, "outside"),
    ]


def test_a_step_detected_too_late_is_one_mistimed_step_not_a_miss_and_an_extra():
    early = WALK.copy()
    early[5] -= 300
    assert disagreements(WALK, early) == [("mistimed", 4000, -300, "walking")]
    late = WALK.copy()
    late[-1] += 300
    assert disagreements(WALK, late) == [("mistimed", 5000, 300, "edge")]
    late[-1] += 300  # 600 ms: beyond twice the tolerance, a miss and an extra
    assert disagreements(WALK, late) == [
        ("missed", 5000, None, "edge"),
        ("extra", 5600, None, "outside"),
    ]


def test_disagreements_account_for_every_unmatched_step():
    rng = np.random.default_rng(7)
    true = np.cumsum(rng.integers(300, 900, 60))
    detected = np.sort(rng.choice(true, 50, replace=False) + rng.integers(-400, 400, 50))
    matched = count_matches(true, detected)
    found = disagreements(true, detected)
    kinds = [kind for kind, *_ in found]
    assert kinds.count("missed") + kinds.count("mistimed") == len(true) - matched
    assert kinds.count("extra") + kinds.count("mistimed") == len(detected) - matched


def test_without_true_steps_every_detection_is_outside():
    assert disagreements(np.array([]), np.array([10, 20])) == [
        ("extra", 10, None, "outside"),
        ("extra", 20, None, "outside"),
    ]
