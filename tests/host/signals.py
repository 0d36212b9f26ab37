"""Test signals for the host tests: footfall.synth's running model, as plain arrays."""

from pathlib import Path

import numpy as np
from footfall.synth import Segment, synthesize


def running_waist(
    seconds: float = 40.0, cadence_spm: float = 170.0, rate_hz: int = 100, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_ms, acc_mg (n, 3), true step times ms): 2 s standing, then steady running."""
    rec = synthesize(
        [Segment("idle", 2.0), Segment("run", seconds - 2.0, cadence_spm)],
        rate_hz=rate_hz,
        placement="waist",
        seed=seed,
    )
    acc = np.column_stack([rec.ax, rec.ay, rec.az]).astype(np.int64)
    return rec.t_ms, acc, rec.steps_ms


def write_csv(path: Path, t_ms: np.ndarray, acc_mg: np.ndarray) -> Path:
    """Write a t_ms,ax,ay,az recording."""
    rows = np.column_stack([t_ms, acc_mg]).astype(np.int64)
    np.savetxt(path, rows, fmt="%d", delimiter=",", header="t_ms,ax,ay,az", comments="")
    return path
