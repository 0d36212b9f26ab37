"""Store speed: import N one-hour sessions, then read every step back as numpy arrays.

    .venv/bin/python bench/bench_store.py [--sessions 1000] [--out bench/store_results.md]

A one-hour run at 170 steps/min is 10,200 steps, so 1,000 sessions are about 10 million
steps: the scale issue 5's analyses must summarise in under 5 s. The session files are
real encoder output (footfall_core.records); each gets its own header (session id, start).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from footfall.records import Header
from footfall.store import Store
from footfall_core import records as core

STEPS_PER_HOUR = 10_200
HEADER = Header(
    device_id=bytes.fromhex("246f281a2b3c"), fw=(0, 1, 0), start_s=1_800_000_000, rate_hz=100,
    placement="waist", session_id=0, target_spm=170, tolerance_spm=3, below_s=10,
    min_gap_s=10, rearm_s=5, auto_target=False, baseline_s=120,
)  # fmt: skip


def body(steps: int) -> bytes:
    """The records of a one-hour run after the header: steps, a summary, the end."""
    rng = np.random.default_rng(1)
    intervals = rng.integers(330, 375, steps)
    peaks = rng.integers(1500, 3500, steps)
    out = bytearray()
    buf = bytearray(4096)
    enc = core.SessionEncoder(buf)
    for i in range(steps):
        while not enc.step(int(intervals[i]), int(peaks[i]), 172, 2):
            out += buf[: enc.pos]
            enc.clear()
    t = enc.t_ms
    assert enc.summary(t, t, 0, 0) and enc.end(t, core.END_STOPPED)
    return bytes(out + buf[: enc.pos])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--out", type=Path, help="append the figures to this Markdown file")
    args = ap.parse_args()
    records = body(STEPS_PER_HOUR)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        t0 = time.perf_counter()
        for i in range(args.sessions):
            h = replace(HEADER, session_id=i, start_s=HEADER.start_s + 86_400 * i)
            store.import_session(bytes(h) + records)
        import_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        steps = 0
        load = 0
        for _sid, a in store.iter_arrays():
            steps += len(a.t_ms)
            load += int(a.peak_mg.sum(dtype=np.int64))
        read_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = store.sessions()
        list_s = time.perf_counter() - t0
        db_mb = store.path.stat().st_size / 1e6
    lines = [
        f"store bench: {args.sessions} sessions, {steps} steps, {len(records) + 34} bytes each",
        f"  import: {import_s:.1f} s ({1000 * import_s / args.sessions:.1f} ms per session)",
        f"  iter_arrays + sums over every step: {read_s:.2f} s",
        f"  sessions() listing {len(rows)} rows: {1000 * list_s:.0f} ms",
        f"  database: {db_mb:.0f} MB ({1e6 * db_mb / steps:.1f} bytes per step, file + arrays)",
    ]
    print("\n".join(lines))
    if args.out:
        with args.out.open("a") as f:
            f.write("\n```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
