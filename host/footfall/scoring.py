"""Score detected steps against true ones: one-to-one matching, F1 and windowed cadence error.

Matching: a detected step matches a true step when they lie within TOLERANCE_MS (250 ms, the
datasets README's minimum) of each other, each step matched at most once, and the number of
matches is as large as possible. For points on a line with a fixed tolerance a greedy sweep
in time order is optimal: take the true steps in order; drop detected steps too early to
match this or any later true step; match the earliest remaining one if it is close enough.

Disagreements (`footfall eval --errors`): every true step left unmatched is "missed", every
detection left unmatched is "extra"; a missed step and an extra detection within twice the
tolerance of each other are paired by the same sweep as one "mistimed" step. Each is placed
by the truth alone: an interval over PAUSE_FACTOR times the recording's median true interval
is a pause (a turn, a stop); a true step next to a pause, or first or last, is at an "edge"
of a stretch of walking; a detection inside a pause is in a "pause", one before the first or
after the last true step (beyond the tolerance) is "outside"; anything else is in "walking".

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


PAUSE_FACTOR = 2


def _sweep(t: np.ndarray, d: np.ndarray, tol_ms: int) -> list[tuple[int, int]]:
    """Index pairs (true, detected) of a largest one-to-one matching of sorted t and d."""
    pairs = []
    j = 0
    for i, true in enumerate(t):
        while j < len(d) and d[j] < true - tol_ms:
            j += 1
        if j < len(d) and d[j] <= true + tol_ms:
            pairs.append((i, j))
            j += 1
    return pairs


def count_matches(true_ms: np.ndarray, detected_ms: np.ndarray, tol_ms: int = TOLERANCE_MS) -> int:
    """Size of the largest one-to-one matching of detected to true times within tol_ms."""
    return len(_sweep(np.sort(np.asarray(true_ms)), np.sort(np.asarray(detected_ms)), tol_ms))


def disagreements(
    true_ms: np.ndarray, detected_ms: np.ndarray, tol_ms: int = TOLERANCE_MS
) -> list[tuple[str, int, int | None, str]]:
    """(kind, t_ms, offset_ms, where) for each step the detector and the truth disagree on.

    t_ms is the true step's time (missed, mistimed) or the detection's (extra); offset_ms is
    detected minus true for a mistimed step, else None. See the module docstring.
    """
    t = np.sort(np.asarray(true_ms, dtype=np.int64))
    d = np.sort(np.asarray(detected_ms, dtype=np.int64))
    pairs = _sweep(t, d, tol_ms)
    missed = np.setdiff1d(np.arange(len(t)), [i for i, _ in pairs])
    extra = np.setdiff1d(np.arange(len(d)), [j for _, j in pairs])
    gaps = np.diff(t)
    pause = gaps > PAUSE_FACTOR * np.median(gaps) if len(gaps) else gaps.astype(bool)

    def true_place(i: int) -> str:
        first = i == 0 or pause[i - 1]
        last = i == len(t) - 1 or pause[i]
        return "edge" if first or last else "walking"

    def detected_place(time: int) -> str:
        if not len(t) or time < t[0] - tol_ms or time > t[-1] + tol_ms:
            return "outside"
        k = int(np.searchsorted(t, time))
        return "pause" if 0 < k < len(t) and pause[k - 1] else "walking"

    out: list[tuple[str, int, int | None, str]] = []
    near = _sweep(t[missed], d[extra], 2 * tol_ms)
    for a, b in near:
        i = int(missed[a])
        out.append(("mistimed", int(t[i]), int(d[extra[b]] - t[i]), true_place(i)))
    paired_t = {a for a, _ in near}
    paired_d = {b for _, b in near}
    for a, i in enumerate(missed):
        if a not in paired_t:
            out.append(("missed", int(t[i]), None, true_place(int(i))))
    for b, j in enumerate(extra):
        if b not in paired_d:
            out.append(("extra", int(d[j]), None, detected_place(int(d[j]))))
    out.sort(key=lambda row: row[1])
    return out


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
    errors: list[float] = []
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
