"""Resample an irregularly timed recording onto the detector's fixed-rate grid.

The output grid starts at the recording's first `t_ms` and has one sample every
1000 / rate_hz ms up to the last input time: sample k lies at `grid_time_ms(t0, k, rate)`.

- Downsampling (the input's median sample interval is shorter than the output period):
  each output sample is the time-weighted mean of the input over one output period centred
  on it (a box filter: the anti-alias step), computed exactly as the integral of the
  straight lines joining the input samples. Irregular timing is weighted correctly and a
  burst of closely spaced samples does not count more than a sparse stretch. At the first
  and last output sample the window shrinks symmetrically so it stays centred.
- Upsampling (the input is slower than the output or equal to it): linear interpolation
  between the neighbouring input samples.
- Gaps (missing samples) are bridged by the straight line between the samples on either
  side in both modes; nothing is invented beyond the first and last sample.
- Samples sharing one timestamp are merged into their mean first.

A gap longer than MAX_GAP_MS is not bridged: nothing the detector remembers (a bout, its
cadence, the grace after it: footfall_core.steps.GRACE_MS) outlasts it, so `segments()`
splits the recording there and each side is resampled and detected on its own. One grid
holds at most MAX_SAMPLES samples; `segments()` refuses a recording whose pieces add up to
more (split it), so no input, however its times are spread, allocates more than that.

Values are rounded to the nearest milli-g and clipped to the int16 range the core and the
engines' wire format take (the core itself clamps at +/-16 g).
"""

from dataclasses import dataclass
from typing import overload

import numpy as np
from footfall_core.steps import GRACE_MS

from footfall.csvio import Recording
from footfall.errors import InputError

INT16_MIN, INT16_MAX = -32768, 32767
MAX_GAP_MS = GRACE_MS
MAX_SAMPLES = 2**26  # 7.7 days at 100 Hz, 46 h at 400 Hz: about 1 GB of grid here
BLOCK_SAMPLES = 1 << 18  # the grid is computed this many samples at a time


@dataclass(frozen=True)
class Resampled:
    """A recording on the detector's grid: sample k was taken at grid_time_ms(t0_ms, k, rate)."""

    t0_ms: int
    rate_hz: int
    acc_mg: np.ndarray  # int32, shape (n, 3)

    @property
    def t_ms(self) -> np.ndarray:
        """Grid times in the recording's own time base (int64)."""
        return grid_time_ms(self.t0_ms, np.arange(len(self.acc_mg), dtype=np.int64), self.rate_hz)


@overload
def grid_time_ms(t0_ms: int, index: int, rate_hz: int) -> int: ...
@overload
def grid_time_ms(t0_ms: int | np.ndarray, index: np.ndarray, rate_hz: int) -> np.ndarray: ...
def grid_time_ms(
    t0_ms: int | np.ndarray, index: np.ndarray | int, rate_hz: int
) -> np.ndarray | int:
    """Time in ms of grid sample `index`, rounded half up: the one index->time rule."""
    return t0_ms + (index * 1000 + rate_hz // 2) // rate_hz


def grid_samples(t_ms: np.ndarray, rate_hz: int) -> int:
    """How many samples resample() puts on the grid of t_ms (never decreasing)."""
    return (int(t_ms[-1]) - int(t_ms[0])) * rate_hz // 1000 + 1


def segments(rec: Recording, rate_hz: int) -> list[slice]:
    """The recording's pieces between gaps over MAX_GAP_MS, as slices of its samples;
    InputError when their grids at rate_hz would hold more than MAX_SAMPLES in all."""
    cuts = (np.flatnonzero(np.diff(rec.t_ms) > MAX_GAP_MS) + 1).tolist()
    pieces = [slice(a, b) for a, b in zip([0, *cuts], [*cuts, len(rec.t_ms)], strict=True)]
    total = sum(grid_samples(rec.t_ms[p], rate_hz) for p in pieces)
    if total > MAX_SAMPLES:
        raise InputError(
            rec.file,
            None,
            f"{total} samples at {rate_hz} Hz ({total / rate_hz / 3600:.0f} h) is more than "
            f"footfall takes in one go ({MAX_SAMPLES}): split the recording",
        )
    return pieces


def continuous(rec: Recording, rate_hz: int) -> None:
    """InputError unless the recording is one piece (no gap over MAX_GAP_MS), as a run
    through the firmware (the virtual board, the demo's coach) needs."""
    if len(segments(rec, rate_hz)) > 1:
        i = int(np.flatnonzero(np.diff(rec.t_ms) > MAX_GAP_MS)[0])
        raise InputError(
            rec.file,
            None,
            f"a gap of {rec.t_ms[i + 1] - rec.t_ms[i]} ms after t_ms {rec.t_ms[i]}: one "
            f"continuous run needs samples at most {MAX_GAP_MS} ms apart",
        )


def resample(t_ms: np.ndarray, acc_mg: np.ndarray, rate_hz: int) -> Resampled:
    """Resample x, y, z (shape (n, 3)) taken at t_ms (never decreasing) to rate_hz; gaps are
    bridged (split the recording with segments() first). ValueError for a grid of more
    than MAX_SAMPLES samples."""
    t, acc = _merge_equal_times(np.asarray(t_ms, dtype=np.int64), np.asarray(acc_mg))
    t0 = int(t[0])
    n_out = grid_samples(t, rate_hz)
    if n_out > MAX_SAMPLES:
        raise ValueError(f"{n_out} samples on the grid, more than {MAX_SAMPLES}")
    period_ms = 1000.0 / rate_hz
    tf = t.astype(np.float64)
    box = len(t) >= 2 and bool(np.median(np.diff(tf)) < period_ms)
    areas = [_area(tf, acc[:, i]) for i in range(3)] if box else []
    out = np.empty((n_out, 3), dtype=np.int32)
    for start in range(0, n_out, BLOCK_SAMPLES):  # bounded temporaries, however long
        grid = t0 + np.arange(start, min(start + BLOCK_SAMPLES, n_out)) * period_ms
        if len(t) < 2:
            block = np.repeat(acc[:1], len(grid), axis=0)
        elif box:
            block = np.column_stack(
                [_box_mean(tf, acc[:, i], areas[i], grid, period_ms) for i in range(3)]
            )
        else:
            block = np.column_stack([np.interp(grid, tf, acc[:, i]) for i in range(3)])
        out[start : start + len(grid)] = np.clip(np.rint(block), INT16_MIN, INT16_MAX)
    return Resampled(t0, rate_hz, out)


def _merge_equal_times(t: np.ndarray, acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    if len(uniq) == len(t):
        return t, acc.astype(np.float64)
    sums = np.zeros((len(uniq), 3))
    np.add.at(sums, inverse, acc)
    return uniq, sums / counts[:, None]


def _area(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Integral from t[0] to each t[i] of the straight lines joining (t, x)."""
    return np.concatenate(([0.0], np.cumsum(np.diff(t) * (x[:-1] + x[1:]) / 2)))


def _box_mean(
    t: np.ndarray, x: np.ndarray, area: np.ndarray, grid: np.ndarray, width_ms: float
) -> np.ndarray:
    """Mean of the piecewise-linear signal (t, x) over [g - w/2, g + w/2].

    Near either end the window shrinks symmetrically so it stays centred on g.
    """
    half = np.minimum(np.minimum(width_ms / 2, grid - t[0]), t[-1] - grid)
    lo, hi = grid - half, grid + half
    span = hi - lo
    mean = (_integral(t, x, area, hi) - _integral(t, x, area, lo)) / np.where(span > 0, span, 1)
    return np.where(span > 0, mean, np.interp(grid, t, x))


def _integral(t: np.ndarray, x: np.ndarray, area: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Integral from t[0] to q of the straight lines joining (t, x)."""
    j = np.clip(np.searchsorted(t, q, side="right") - 1, 0, len(t) - 2)
    xq = np.interp(q, t, x)
    return area[j] + (q - t[j]) * (x[j] + xq) / 2
