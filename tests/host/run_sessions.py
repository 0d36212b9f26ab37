"""Runs made to order for the analysis tests: step arrays, session files and stores."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from footfall.analysis import SessionData
from footfall.records import Header
from footfall.store import Store
from footfall_core import records as core
from footfall_core.activity import RUNNING, WALKING

DAY_S = 86400
MONDAY_S = 1_799_625_600  # 2027-01-11 00:00 UTC, a Monday
HEADER = Header(
    device_id=bytes.fromhex("246f281a2b3c"), fw=(0, 1, 0), start_s=MONDAY_S, rate_hz=100,
    placement="waist", session_id=1, target_spm=170, tolerance_spm=3, below_s=10,
    min_gap_s=10, rearm_s=5, auto_target=False, baseline_s=120,
)  # fmt: skip


def run(cadence_spm: list[int] | np.ndarray, peak_mg: list[int] | np.ndarray | int = 2000,
        state: int = RUNNING, cues: tuple[int, ...] = (), target_spm: int = 170,
        start_s: int = MONDAY_S) -> SessionData:  # fmt: skip
    """SessionData with one step per cadence value, each 60000/cadence ms after the last."""
    cad = np.asarray(cadence_spm, dtype=np.int64)
    interval = np.round(60000 / cad).astype(np.int64)
    flags = np.full(len(cad), state, dtype=np.int64)
    flags[list(cues)] |= core.FLAG_CUE
    t = np.cumsum(interval)
    return SessionData(
        session_id="test", device=HEADER.device_id.hex(), start_s=start_s,
        duration_ms=int(t[-1]) if len(t) else 0, target_spm=target_spm, tolerance_spm=3,
        t_ms=t, interval_ms=interval, peak_mg=np.broadcast_to(peak_mg, cad.shape).astype(np.int64),
        cadence_spm=cad, flags=flags,
    )  # fmt: skip


def session_bytes(data: SessionData, session_id: int = 1) -> bytes:
    """The session file the device would have written for these steps."""
    header = replace(HEADER, session_id=session_id, start_s=data.start_s,
                     target_spm=data.target_spm)  # fmt: skip
    out = bytearray(bytes(header))
    buf = bytearray(4096)
    enc = core.SessionEncoder(buf)
    rows = zip(data.interval_ms.tolist(), data.peak_mg.tolist(), data.cadence_spm.tolist(),
               data.flags.tolist(), strict=True)  # fmt: skip
    for interval, peak, cad, flags in rows:
        while not enc.step(interval, peak, cad, flags):
            out += buf[: enc.pos]
            enc.clear()
    t = int(data.t_ms[-1]) if len(data.t_ms) else 0
    assert enc.summary(t, t, 0, 0) and enc.end(t, core.END_STOPPED)
    return bytes(out + buf[: enc.pos])


def store_with(path: Path, *runs: SessionData) -> Store:
    store = Store(path)
    for i, data in enumerate(runs, 1):
        store.import_session(session_bytes(data, session_id=i))
    return store


def walk(steps: int = 100) -> SessionData:
    return run([110] * steps, state=WALKING)
