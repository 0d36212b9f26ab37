"""Test signals for the host tests: a synthetic waist running recording and CSV writing."""

from pathlib import Path

import numpy as np


def running_waist(
    seconds: float = 40.0, cadence_spm: float = 170.0, rate_hz: float = 100.0, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_ms, acc_mg (n, 3), true step times ms): gravity on z, a bounce and an impact per step.

    Each foot contact is a 1.6 g, 25 ms Gaussian impact on top of a sinusoidal bounce at the
    step rate, with 30 mg noise; steps start after 2 s of standing.
    """
    rng = np.random.default_rng(seed)
    t_ms = np.round(np.arange(0, seconds * 1000, 1000 / rate_hz)).astype(np.int64)
    step_ms = 60_000 / cadence_spm
    steps = np.arange(2000, seconds * 1000 - 500, step_ms)
    t = t_ms.astype(np.float64)
    vertical = np.full(t.shape, 1000.0)
    moving = t >= steps[0] - step_ms / 2
    vertical += moving * 400 * np.cos(2 * np.pi * (t - steps[0]) / step_ms)
    for s in steps:
        vertical += 1600 * np.exp(-0.5 * ((t - s) / 25) ** 2)
    acc = np.column_stack(
        [
            120 * moving * np.sin(np.pi * (t - steps[0]) / step_ms),
            np.zeros_like(t),
            vertical,
        ]
    )
    acc += rng.normal(0, 30, acc.shape)
    return t_ms, np.round(acc).astype(np.int64), np.round(steps).astype(np.int64)


def write_csv(path: Path, t_ms: np.ndarray, acc_mg: np.ndarray) -> Path:
    """Write a t_ms,ax,ay,az recording."""
    rows = np.column_stack([t_ms, acc_mg]).astype(np.int64)
    np.savetxt(path, rows, fmt="%d", delimiter=",", header="t_ms,ax,ay,az", comments="")
    return path
