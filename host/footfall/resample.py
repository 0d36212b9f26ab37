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

Values are rounded to the nearest milli-g and clipped to the int16 range the core and the
engines' wire format take (the core itself clamps at +/-16 g).
"""

from dataclasses import dataclass

import numpy as np

INT16_MIN, INT16_MAX = -32768, 32767


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


def grid_time_ms(t0_ms: int, index: np.ndarray | int, rate_hz: int) -> np.ndarray | int:
    """Time in ms of grid sample `index`, rounded half up: the one index->time rule."""
    return t0_ms + (index * 1000 + rate_hz // 2) // rate_hz


def resample(t_ms: np.ndarray, acc_mg: np.ndarray, rate_hz: int) -> Resampled:
    """Resample x, y, z (shape (n, 3)) taken at t_ms (never decreasing) to rate_hz."""
    t, acc = _merge_equal_times(np.asarray(t_ms, dtype=np.int64), np.asarray(acc_mg))
    t0 = int(t[0])
    n_out = (int(t[-1]) - t0) * rate_hz // 1000 + 1
    grid = t0 + np.arange(n_out, dtype=np.float64) * (1000.0 / rate_hz)
    period_ms = 1000.0 / rate_hz
    tf = t.astype(np.float64)
    if len(t) < 2:
        out = np.repeat(acc[:1], n_out, axis=0)
    elif np.median(np.diff(tf)) < period_ms:
        out = np.column_stack([_box_mean(tf, acc[:, i], grid, period_ms) for i in range(3)])
    else:
        out = np.column_stack([np.interp(grid, tf, acc[:, i]) for i in range(3)])
    return Resampled(t0, rate_hz, np.clip(np.rint(out), INT16_MIN, INT16_MAX).astype(np.int32))


def _merge_equal_times(t: np.ndarray, acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    if len(uniq) == len(t):
        return t, acc.astype(np.float64)
    sums = np.zeros((len(uniq), 3))
    np.add.at(sums, inverse, acc)
    return uniq, sums / counts[:, None]


def _box_mean(t: np.ndarray, x: np.ndarray, grid: np.ndarray, width_ms: float) -> np.ndarray:
    """Mean of the piecewise-linear signal (t, x) over [g - w/2, g + w/2].

    Near either end the window shrinks symmetrically so it stays centred on g.
    """
    half = np.minimum(np.minimum(width_ms / 2, grid - t[0]), t[-1] - grid)
    lo, hi = grid - half, grid + half
    area = np.concatenate(([0.0], np.cumsum(np.diff(t) * (x[:-1] + x[1:]) / 2)))
    span = hi - lo
    mean = (_integral(t, x, area, hi) - _integral(t, x, area, lo)) / np.where(span > 0, span, 1)
    return np.where(span > 0, mean, np.interp(grid, t, x))


def _integral(t: np.ndarray, x: np.ndarray, area: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Integral from t[0] to q of the straight lines joining (t, x)."""
    j = np.clip(np.searchsorted(t, q, side="right") - 1, 0, len(t) - 2)
    xq = np.interp(q, t, x)
    return area[j] + (q - t[j]) * (x[j] + xq) / 2
