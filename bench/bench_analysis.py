"""Benchmark the analysis over a store: summarise and trend 1,000 one-hour sessions.

Usage: .venv/bin/python bench/bench_analysis.py [--sessions 1000] [--repeat 3]
       [--store build/bench_analysis.db] [--out bench/analysis_results.md]

The store is generated once (and reused while it holds the asked number of sessions):
20 runners, each session an hour of running (about 10,200 steps) after 3 minutes of
walking, with a drifting cadence, slow spells with cues and impacts that fall as cadence
rises; sessions spread over 26 weeks. Every session goes through the real encoder
(footfall_core.records.SessionEncoder) and Store.import_session.

Timed (median of --repeat runs): what `footfall trends` does, reading every session's
arrays from the store, footfall.analysis.summarise on each and footfall.trends.weekly.
Against it, the same figures computed by a plain-Python loop over the same rows, run once
and checked to agree with the numpy results. The figures go to bench/analysis_results.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
from footfall.analysis import MAX_STEP_GAP_MS, SessionSummary
from footfall.cli.trends import summarise_store
from footfall.records import Header
from footfall.store import Store
from footfall.trends import weekly
from footfall_core import records as core
from footfall_core.activity import RUNNING, WALKING
from hostinfo import cpu_name  # bench/hostinfo.py: scripts run from bench/

REPO = Path(__file__).resolve().parents[1]
RUNNERS = 20
WEEKS = 26
FIRST_MONDAY_S = 1_799_625_600  # 2027-01-11
RUN_S, WARMUP_S = 3600, 180
HEADER = Header(
    device_id=bytes(6), fw=(0, 1, 0), start_s=0, rate_hz=100, placement="waist", session_id=0,
    target_spm=170, tolerance_spm=3, below_s=10, min_gap_s=10, rearm_s=5, auto_target=False,
    baseline_s=120,
)  # fmt: skip


def steps_of(seed: int) -> tuple[np.ndarray, ...]:
    """(interval_ms, peak_mg, cadence_spm, flags) of one session: walk, then run an hour."""
    rng = np.random.default_rng(seed)
    base = 160 + seed % RUNNERS  # each runner has a natural cadence
    walk_n, run_n = WARMUP_S * 110 // 60, RUN_S * base // 60
    drift = np.linspace(0, rng.uniform(-6, 2), run_n)  # fatigue, mostly downwards
    wander = np.cumsum(rng.normal(0, 0.15, run_n))
    wander -= np.linspace(0, wander[-1], run_n)  # a random walk that comes back
    slow = np.zeros(run_n)
    cues = []
    for start in rng.integers(600, run_n - 600, rng.integers(0, 4)):  # slow spells
        slow[start : start + 300] = -12
        cues.append(start + 60)
    cad = np.clip(np.round(base + drift + wander + slow), 120, 230).astype(np.int64)
    cad = np.concatenate([np.full(walk_n, 110), cad])
    peak = 2600 - 25 * (cad - base) + rng.normal(0, 150, len(cad))
    peak[:walk_n] = rng.normal(1300, 100, walk_n)
    flags = np.full(len(cad), RUNNING)
    flags[:walk_n] = WALKING
    flags[np.array(cues, dtype=np.int64) + walk_n] |= core.FLAG_CUE
    interval = np.round(60000 / cad).astype(np.int64)
    return interval, np.clip(np.round(peak), 500, 9000).astype(np.int64), cad, flags


def session_file(n: int, sessions: int) -> bytes:
    runner, k = n % RUNNERS, n // RUNNERS
    week = k * WEEKS // max(1, sessions // RUNNERS)
    start = FIRST_MONDAY_S + week * 7 * 86400 + (k % 3) * 2 * 86400 + 7 * 3600 + runner * 60
    header = replace(HEADER, device_id=bytes.fromhex(f"24ac{runner:08x}"), session_id=k + 1,
                     start_s=start)  # fmt: skip
    out = bytearray(bytes(header))
    buf = bytearray(4096)
    enc = core.SessionEncoder(buf)
    for row in zip(*(col.tolist() for col in steps_of(n)), strict=True):
        while not enc.step(*row):
            out += buf[: enc.pos]
            enc.clear()
    assert enc.end(enc.t_ms, core.END_STOPPED)
    return bytes(out + buf[: enc.pos])


def _import(args: tuple[str, list[int], int]) -> int:
    path, chunk, sessions = args
    with Store(path) as store:
        for n in chunk:
            store.import_session(session_file(n, sessions))
    return len(chunk)


def generate(path: Path, sessions: int) -> float:
    """Make the store (seconds taken); reuse it when it already holds `sessions`."""
    if path.exists():
        with Store(path) as store:
            if len(store.sessions()) == sessions:
                return 0.0
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    Store(path).close()
    t0 = time.perf_counter()
    chunks = [(str(path), list(range(i, sessions, 16)), sessions) for i in range(16)]
    with multiprocessing.Pool() as pool:
        done = sum(pool.map(_import, chunks))
    assert done == sessions
    return time.perf_counter() - t0


def numpy_pass(store: Store) -> tuple[list[SessionSummary], object]:
    summaries, without = summarise_store(store)
    return summaries, weekly(summaries, None, without)


# The plain-Python reference: the same conventions as footfall.analysis, one step at a time.


def _wquantile(pairs: list[tuple[int, int]], total: float, q: float) -> int:
    acc = 0
    for value, weight in pairs:  # sorted by value
        acc += weight
        if acc >= q * total:
            return value
    return pairs[-1][0]


def _quantile(sorted_values: list[float], q: float) -> float:
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def py_summary(t_ms: list[int], peak: list[int], cad: list[int], flags: list[int],
               target: int, tol: int) -> dict[str, float]:  # fmt: skip
    prev = run_ms = load = 0
    rows = []  # (cadence, dt, peak, t) of running steps with a cadence
    for t, p, c, f in zip(t_ms, peak, cad, flags, strict=True):
        dt, prev = t - prev, t
        load += p
        if f & 3 == RUNNING:
            d = min(dt, MAX_STEP_GAP_MS)
            run_ms += d
            if c > 0:
                rows.append((c, d, p, t))
    total = sum(r[1] for r in rows)
    pairs = sorted((r[0], r[1]) for r in rows)
    thr = target - tol
    elapsed, first, last, acc = total, [], [], 0.0
    for c, d, _, _ in rows:
        mid = acc + d / 2
        acc += d
        if mid < elapsed / 3:
            first.append((c, d))
        elif mid >= 2 * elapsed / 3:
            last.append((c, d))
    first.sort()
    last.sort()
    impacts = sorted(r[2] / 1000 for r in rows)
    bins: dict[int, list[float]] = defaultdict(list)
    for c, _, p, _ in rows:
        bins[c].append(p / 1000)
    keep = sorted((c, sum(v) / len(v)) for c, v in bins.items()
                  if len(v) >= max(5, 0.005 * len(rows)))  # fmt: skip
    slopes = sorted((keep[j][1] - keep[i][1]) / (keep[j][0] - keep[i][0])
                    for i in range(len(keep)) for j in range(i + 1, len(keep)))  # fmt: skip
    return {
        "steps": len(t_ms),
        "running_s": run_ms / 1000,
        "cadence_mean_spm": sum(r[0] * r[1] for r in rows) / total,
        "cadence_median_spm": _wquantile(pairs, total, 0.5),
        "cadence_p10_spm": _wquantile(pairs, total, 0.1),
        "in_zone_pct": 100 * sum(r[1] for r in rows if r[0] >= thr) / total,
        "cadence_drift_spm": _wquantile(last, sum(d for _, d in last), 0.5)
        - _wquantile(first, sum(d for _, d in first), 0.5),
        "impact_p95_g": _quantile(impacts, 0.95),
        "impact_load_g": load / 1000,
        "impact_slope_g_per_spm": statistics.median(slopes) if slopes else float("nan"),
    }


def python_pass(store: Store) -> list[dict[str, float]]:
    rows = {r.id: r for r in store.sessions()}
    out, weeks = [], defaultdict(float)
    for sid, a in store.iter_arrays():
        row = rows[sid]
        s = py_summary(a.t_ms.tolist(), a.peak_mg.tolist(), a.cadence_spm.tolist(),
                       a.flags.tolist(), row.target_spm, row.tolerance_spm)  # fmt: skip
        weeks[(row.start_s - 4 * 86400) // (7 * 86400)] += s["impact_load_g"]
        out.append(s)
    return out


def check(summaries: list[SessionSummary], reference: list[dict[str, float]]) -> int:
    """How many figures were compared; AssertionError if any disagree."""
    n = 0
    for s, ref in zip(summaries, reference, strict=True):
        for key, value in ref.items():
            assert abs(getattr(s, key) - value) < 1e-6, (s.session_id, key, getattr(s, key), value)
            n += 1
    return n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--store", type=Path, default=REPO / "build" / "bench_analysis.db")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "analysis_results.md")
    args = p.parse_args()
    gen_s = generate(args.store, args.sessions)
    with Store(args.store) as store:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            summaries, trends = numpy_pass(store)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reference = python_pass(store)
        py_s = time.perf_counter() - t0
    steps = sum(s.steps for s in summaries)
    figures = check(summaries, reference)
    np_s = statistics.median(times)
    lines = [
        "# Analysis benchmark",
        "",
        f"Written by `bench/bench_analysis.py` on {cpu_name()} ({os.cpu_count()} CPUs)"
        f", Python {platform.python_version()}, numpy {np.__version__}.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| sessions in the store | {len(summaries)} (one hour of running each, 20 runners, "
        f"{len(trends.weeks)} weeks) |",  # type: ignore[attr-defined]
        f"| steps | {steps:,} |",
        f"| summarise + trend, numpy (median of {args.repeat}) | **{np_s:.2f} s** |",
        f"| the same, plain-Python loop | {py_s:.1f} s |",
        f"| ratio | **{py_s / np_s:.0f}x** faster |",
        f"| goal | < 5 s: {'met' if np_s < 5 else 'NOT met'} |",
        f"| figures checked equal (numpy vs loop) | {figures:,} |",
        f"| per session, numpy | {1000 * np_s / len(summaries):.2f} ms |",
        "",
        "Timed: read every session's step arrays from the SQLite store, summarise each "
        "(footfall.analysis), then the weekly trends (footfall.trends) -- what `footfall "
        "trends` does. The loop computes the same figures step by step from the same rows "
        "(read as lists) and must agree with numpy to 1e-6."
        + (f" Generating the store took {gen_s:.0f} s." if gen_s else ""),
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
