"""Score detected steps against true ones: one-to-one matching, F1 and windowed cadence error.

Matching: a detected step matches a true step when they lie within TOLERANCE_MS (250 ms, the
datasets README's minimum) of each other, each step matched at most once, and the number of
matches is as large as possible. For points on a line with a fixed tolerance a greedy sweep
in time order is optimal: take the true steps in order; drop detected steps too early to
match this or any later true step; match the earliest remaining one if it is close enough.

Cadence error over 30 s windows: windows of WINDOW_MS laid end to end from the first true
step, kept only when they lie wholly between the first and last true step and hold at least
MIN_INTERVALS step intervals of at most MAX_INTERVAL_MS (longer gaps are pauses, not steps).
True cadence = 60000 / mean of those intervals. Detected cadence = mean of the tracker's
once-per-second cadence readings in the window that are not zero (0 when all are zero). The
error is their absolute difference, in steps/min.
"""

import numpy as np

TOLERANCE_MS = 250
WINDOW_MS = 30_000
MAX_INTERVAL_MS = 2_000
MIN_INTERVALS = 10


def count_matches(true_ms: np.ndarray, detected_ms: np.ndarray, tol_ms: int = TOLERANCE_MS) -> int:
    """Size of the largest one-to-one matching of detected to true times within tol_ms."""
    t = np.sort(np.asarray(true_ms))
    d = np.sort(np.asarray(detected_ms))
    matches = j = 0
    for true in t:
        while j < len(d) and d[j] < true - tol_ms:
            j += 1
        if j < len(d) and d[j] <= true + tol_ms:
            matches += 1
            j += 1
    return matches


def f1_score(n_true: int, n_detected: int, n_matched: int) -> float:
    """F1 of a matching: 2 * matched / (true + detected); 1.0 when both are empty."""
    if n_true + n_detected == 0:
        return 1.0
    return 2 * n_matched / (n_true + n_detected)


def cadence_window_errors(
    true_ms: np.ndarray, cadence_t_ms: np.ndarray, cadence_spm: np.ndarray
) -> np.ndarray:
    """Absolute cadence error (spm) in each scored 30 s window (see the module docstring)."""
    t = np.sort(np.asarray(true_ms, dtype=np.int64))
    cad_t = np.asarray(cadence_t_ms)
    cad = np.asarray(cadence_spm, dtype=np.float64)
    errors = []
    if len(t) < 2:
        return np.array(errors)
    start = int(t[0])
    while start + WINDOW_MS <= t[-1]:
        end = start + WINDOW_MS
        in_window = t[(t >= start) & (t < end)]
        gaps = np.diff(in_window)
        gaps = gaps[gaps <= MAX_INTERVAL_MS]
        if len(gaps) >= MIN_INTERVALS:
            true_spm = 60_000 / gaps.mean()
            readings = cad[(cad_t >= start) & (cad_t < end)]
            readings = readings[readings > 0]
            detected_spm = readings.mean() if len(readings) else 0.0
            errors.append(abs(detected_spm - true_spm))
        start = end
    return np.array(errors)
