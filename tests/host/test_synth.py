"""The synthetic signal generator: reproducible, physically plausible, truthful step times."""

from pathlib import Path

import numpy as np
import pytest
from footfall import synth
from footfall.cli import synth as synth_cli
from footfall.synth import Params, Segment, synthesize

DATA = Path(__file__).resolve().parents[1] / "data"


def magnitude_mg(rec: synth.Recording) -> np.ndarray:
    xyz = np.column_stack([rec.ax, rec.ay, rec.az]).astype(np.float64)
    return np.sqrt((xyz**2).sum(axis=1))


def test_same_seed_gives_identical_recording():
    a = synthesize([Segment("run", 20, 170)], seed=7)
    b = synthesize([Segment("run", 20, 170)], seed=7)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_seed_changes_sensor_orientation():
    a = synthesize([Segment("idle", 2)], seed=1)
    b = synthesize([Segment("idle", 2)], seed=2)
    assert abs(int(a.ax.mean()) - int(b.ax.mean())) + abs(int(a.az.mean()) - int(b.az.mean())) > 50


@pytest.mark.parametrize("seed", range(5))
def test_standing_reads_one_g_whatever_the_orientation(seed):
    mag = magnitude_mg(synthesize([Segment("idle", 5)], seed=seed))
    assert abs(np.median(mag) - 1000) < 10


@pytest.mark.parametrize("placement", ["waist", "shoe"])
def test_mean_acceleration_over_running_is_one_g(placement):
    # Averaged over whole steps the body neither rises nor falls: the mean is gravity alone.
    rec = synthesize([Segment("run", 60, 170)], placement=placement, seed=3)
    mean = np.array([rec.ax.mean(), rec.ay.mean(), rec.az.mean()])
    assert abs(np.linalg.norm(mean) - 1000) < 40


def test_running_at_waist_has_flight_and_impact():
    mag = magnitude_mg(synthesize([Segment("run", 30, 170)], seed=4))
    assert np.percentile(mag, 5) < 300  # flight: near free fall
    assert np.percentile(mag, 99) > 2000  # stance peaks above 2 g


def test_step_intervals_follow_constant_cadence():
    rec = synthesize([Segment("run", 60, 150)], seed=5)
    assert abs(np.median(np.diff(rec.steps_ms)) - 400) <= 5


def test_step_count_matches_cadence_profile_integral():
    # 60 s ramping 150 -> 180 spm: 165 spm on average, so about 165 steps.
    rec = synthesize([Segment("run", 60, 150, 180)], seed=6)
    assert abs(len(rec.steps_ms) - 165) <= 2
    d = np.diff(rec.steps_ms)
    assert np.median(d[:20]) > np.median(d[-20:]) + 50  # 400 ms -> 333 ms


def test_idle_segments_have_no_steps():
    rec = synthesize([Segment("idle", 10), Segment("walk", 10, 110), Segment("idle", 10)], seed=8)
    assert len(rec.steps_ms) > 0
    assert rec.steps_ms.min() >= 10_000
    assert rec.steps_ms.max() < 20_000


def test_shoe_truth_counts_both_feet_with_one_strong_impact_per_stride():
    rec = synthesize([Segment("run", 60, 170)], placement="shoe", seed=9)
    assert abs(len(rec.steps_ms) - 170) <= 2
    mag = magnitude_mg(rec)
    strong = np.flatnonzero((mag[1:-1] > 4000) & (mag[1:-1] >= mag[:-2]) & (mag[1:-1] > mag[2:]))
    strides = np.count_nonzero(np.diff(strong) > 20) + 1  # one impact may span two samples
    assert abs(strides - len(rec.steps_ms) / 2) <= 2


def test_shoe_truth_is_an_even_number_of_steps_in_whole_strides():
    rec = synthesize([Segment("walk", 17, 107)], placement="shoe", seed=10)
    assert len(rec.steps_ms) % 2 == 0


def test_samples_are_int16_clipped_to_16_g():
    rec = synthesize(
        [Segment("run", 10, 170)], placement="shoe", seed=11, params=Params(shoe_impact_g=40)
    )
    assert rec.ax.dtype == np.int16
    peak = max(np.abs(rec.ax).max(), np.abs(rec.ay).max(), np.abs(rec.az).max())
    assert peak == 16000


def test_time_base_is_integer_ms_at_the_rate():
    rec = synthesize([Segment("idle", 1)], rate_hz=200)
    np.testing.assert_array_equal(rec.t_ms[:4], [0, 5, 10, 15])


@pytest.mark.parametrize(
    "kwargs, field",
    [({"placement": "wrist"}, "placement"), ({"rate_hz": 5}, "rate_hz")],
)
def test_rejects_bad_arguments_naming_them(kwargs, field):
    with pytest.raises(ValueError, match=field):
        synthesize([Segment("idle", 1)], **kwargs)


def test_rejects_unknown_segment_kind():
    with pytest.raises(ValueError, match="kind"):
        synthesize([Segment("swim", 1, 60)])


def test_demo_cadence_sags_below_a_170_target_only_part_way():
    steps_s = synthesize(synth.demo_segments(), seed=synth.DEMO_SEED).steps_ms / 1000
    # True cadence per 10 s window of running (running spans 20..395 s): 60 / median interval.
    centres = np.arange(30, 390, 10)
    spm = [60 / np.median(np.diff(steps_s[np.abs(steps_s - c) < 5])) for c in centres]
    slow = [c for c, s in zip(centres, spm, strict=True) if s < 165]
    assert slow, "the demo run never sags"
    assert min(slow) > 180  # the first three minutes hold the target
    assert max(slow) < 300  # and it recovers
    assert min(spm) <= 160


def test_bundled_demo_recording_regenerates_byte_for_byte(tmp_path):
    out = tmp_path / "synthetic_run.csv"
    assert synth_cli.main(["--out", str(out)]) == 0
    assert out.read_bytes() == (DATA / "synthetic_run.csv").read_bytes()
    steps = tmp_path / "synthetic_run.steps.csv"
    assert steps.read_bytes() == (DATA / "synthetic_run.steps.csv").read_bytes()
