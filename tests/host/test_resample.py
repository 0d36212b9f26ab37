"""Resampling to the detector rate: frequency and amplitude kept, aliasing damped, gaps bridged."""

import numpy as np
import pytest
from footfall.resample import grid_time_ms, resample

AMPLITUDE_MG = 1000.0


def sine(t_ms: np.ndarray, freq_hz: float) -> np.ndarray:
    return AMPLITUDE_MG * np.sin(2 * np.pi * freq_hz * t_ms / 1000)


def three_axes(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x, -x, x + 1000])


def fitted_amplitude(t_ms: np.ndarray, x: np.ndarray, freq_hz: float) -> float:
    w = 2 * np.pi * freq_hz * t_ms / 1000
    basis = np.column_stack([np.sin(w), np.cos(w), np.ones_like(w)])
    coef = np.linalg.lstsq(basis, x, rcond=None)[0]
    return float(np.hypot(coef[0], coef[1]))


@pytest.mark.parametrize("in_rate_hz", [50, 200, 400])
def test_sine_keeps_its_shape_at_100_hz(in_rate_hz):
    t_in = np.round(np.arange(0, 10_000, 1000 / in_rate_hz))
    out = resample(t_in.astype(np.int64), three_axes(sine(t_in, 2.5)), 100)
    expected = sine(out.t_ms.astype(np.float64), 2.5)
    assert np.abs(out.acc_mg[:, 0] - expected).max() <= 0.02 * AMPLITUDE_MG


@pytest.mark.parametrize("in_rate_hz", [50, 200, 400])
def test_sine_frequency_is_kept(in_rate_hz):
    t_in = np.round(np.arange(0, 20_000, 1000 / in_rate_hz))
    out = resample(t_in.astype(np.int64), three_axes(sine(t_in, 3.0)), 100)
    spectrum = np.abs(np.fft.rfft(out.acc_mg[:, 0] - out.acc_mg[:, 0].mean()))
    freqs = np.fft.rfftfreq(len(out.acc_mg), d=1 / 100)
    assert freqs[np.argmax(spectrum)] == pytest.approx(3.0, abs=0.05)


def test_downsampling_damps_a_tone_above_the_new_nyquist():
    t_in = np.arange(0, 10_000, 2.5)  # 400 Hz
    out = resample(t_in.astype(np.int64), three_axes(sine(t_in, 90.0)), 100)
    # plain decimation would alias 90 Hz to a full-amplitude 10 Hz tone
    assert fitted_amplitude(out.t_ms, out.acc_mg[:, 0], 10.0) < 0.15 * AMPLITUDE_MG


def test_irregular_timing_is_resampled_by_time_not_by_sample_count():
    rng = np.random.default_rng(3)
    t_in = np.cumsum(rng.integers(1, 9, 4000))  # 1-8 ms jittered, mean ~220 Hz
    out = resample(t_in, three_axes(sine(t_in.astype(float), 2.0)), 100)
    expected = sine(out.t_ms.astype(np.float64), 2.0)
    assert np.abs(out.acc_mg[:, 0] - expected).max() <= 0.02 * AMPLITUDE_MG


def test_grid_starts_at_the_first_sample_and_keeps_the_rate():
    t_in = np.arange(5000, 8001, 5)
    out = resample(t_in, np.zeros((len(t_in), 3)), 100)
    assert out.t_ms[0] == 5000 and np.all(np.diff(out.t_ms) == 10)
    assert out.t_ms[-1] == 8000


def test_gap_is_bridged_by_a_straight_line():
    t_in = np.array([0, 10, 20, 120, 130, 140])  # 100 ms gap
    x = np.array([0, 0, 0, 1000, 1000, 1000])
    out = resample(t_in, three_axes(x), 100)
    assert len(out.acc_mg) == 15
    assert out.acc_mg[2:13, 0].tolist() == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]


def test_equal_timestamps_are_averaged():
    t_in = np.array([0, 10, 10, 20])
    x = np.array([0, 100, 300, 400])
    out = resample(t_in, three_axes(x), 100)
    assert out.acc_mg[:, 0].tolist() == [0, 200, 400]


def test_values_are_clipped_to_int16():
    t_in = np.array([0, 10, 20])
    out = resample(t_in, three_axes(np.array([40000, 0, -40000])), 100)
    assert out.acc_mg[:, 0].tolist() == [32767, 0, -32768]


def test_grid_time_rounds_to_the_nearest_ms():
    assert grid_time_ms(1000, 1, 300) == 1003  # 3.33 ms
    assert grid_time_ms(1000, 2, 300) == 1007  # 6.67 ms
