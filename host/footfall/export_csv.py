"""CSV export: one row per step, columns named with their units (cadence in steps/min).

Columns are footfall.analysis.step_table's: session_id, device, time_ms (Unix ms; empty
when the device's clock was never set, so the session has no date), t_ms (since the
session began), interval_ms, cadence_spm, peak_impact_g, activity (idle,
walking, running), cue (1 where the coach cued), target_spm. Several sessions go one
after another in the same file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import numpy as np

from footfall.analysis import SessionData, step_table
from footfall.errors import os_failure


def write(sessions: Iterable[SessionData], path: str | Path) -> tuple[Path, int]:
    """Write every step of the sessions; returns (path, rows written)."""
    path = Path(path)
    try:
        with path.open("w", newline="", encoding="utf-8") as f:
            rows = write_stream(sessions, f)
    except OSError as e:
        raise os_failure(path, e) from None
    return path, rows


def write_stream(sessions: Iterable[SessionData], f: TextIO) -> int:
    """Write every step of the sessions to an open text stream (stdout for `--out -`);
    returns the rows written."""
    out = csv.writer(f)
    rows = 0
    header = False
    for data in sessions:
        table = step_table(data)
        if not header:
            out.writerow(table)
            header = True
        table["peak_impact_g"] = table["peak_impact_g"].round(3)
        table["cue"] = table["cue"].astype(int)
        if not data.clock_set:  # no date to give: time_ms stays empty
            table["time_ms"] = np.full(len(data.t_ms), None, dtype=object)
        out.writerows(zip(*(col.tolist() for col in table.values()), strict=True))
        rows += len(data.t_ms)
    return rows
