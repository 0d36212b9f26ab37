"""Real running, time-warped from 120 to 230 spm: the core's cadence follows it."""

import numpy as np
import pytest
from footfall.csvio import Recording, read_recording
from footfall.detect import detect_recording
from footfall.scoring import cadence_window_errors

from tests.unixport import datasets_or_skip

# Sweeps of real recordings: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


RUNS = ("adept__run_bout01_hip", "adept__run_bout02_hip", "adept__run_bout03_hip")


def _warp(rec: Recording, truth_ms: np.ndarray, target_spm: int):
    """Scale the time axis so the run's true cadence becomes target_spm."""
    gaps = np.diff(truth_ms)
    true_spm = 60_000 / np.median(gaps[gaps < 2000])
    k = true_spm / target_spm
    t = np.round((rec.t_ms - rec.t_ms[0]) * k).astype(np.int64)
    return Recording(rec.file, t, rec.acc_mg), np.round((truth_ms - rec.t_ms[0]) * k)


@pytest.mark.parametrize("target_spm", [120, 140, 160, 180, 200, 215, 230])
def test_cadence_error_stays_within_1_spm_across_warped_real_runs(target_spm):
    data = datasets_or_skip()
    errors = []
    for name in RUNS:
        rec = read_recording(data / f"{name}.csv")
        truth = np.loadtxt(data / f"{name}.steps.csv", skiprows=1, ndmin=1)
        warped, warped_truth = _warp(rec, truth, target_spm)
        d = detect_recording(warped, 100, "waist", "cpython")
        cad = np.array(d.cadence_spm)
        errors.extend(cadence_window_errors(warped_truth, cad[:, 0], cad[:, 1]))
    assert len(errors) >= 10
    assert float(np.mean(errors)) <= 1.0, errors
