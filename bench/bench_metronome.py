"""Metronome timing on the virtual board under the ESP32 timing model: jitter and drift.

    .venv/bin/python bench/bench_metronome.py [--runs 2] [--out bench/metronome_results.md]

Runs `footfall sim tests/data/synthetic_run.csv --cpu esp32 --heap 8M --coach metronome
--target T`
at 160, 175 and 190 spm (--runs times each) on the reference board and reads the beats it
played (`plays`, sensor ms when the buzzer went on). For each run:
- gap: beat-to-beat intervals against the ideal period 60000 / T (median, p99, worst, in ms;
  a gap across a skipped beat, while a pattern played, is left out);
- phase error: each beat's time minus the nearest point of the ideal grid laid from the
  first beat (median |error|, p99, worst): how late scheduling made it;
- drift: the least-squares slope of beat time over beat number against the ideal period,
  in ppm, and the last beat's phase error: what a whole run accumulates.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "tests" / "data" / "synthetic_run.csv"
TARGETS_SPM = (160, 175, 190)
FOOTFALL = Path(sys.executable).with_name("footfall")
# The virtual board logs every PWM change in its own heap (sim/mpy/_sim.py): a run's ~1200
# beats outgrow --cpu's 256 KiB default (and 2 MiB: the log's list grows by contiguous
# blocks). A bigger heap makes each collection sweep more: the figures err on the slow side.
HEAP = "8M"


def simulate(target_spm: int, out: Path) -> dict:
    cmd = [str(FOOTFALL), "sim", str(RUN), "--cpu", "esp32", "--coach", "metronome"]
    cmd += ["--target", str(target_spm), "--out", str(out), "--json", "--heap", HEAP]
    return json.loads(subprocess.run(cmd, capture_output=True, check=True, text=True).stdout)


def figures(result: dict, target_spm: int) -> dict:
    t = np.array([ms for ms, name in result["plays"] if name == "beat"], dtype=np.float64)
    period = 60000 / target_spm
    k = np.rint((t - t[0]) / period)
    err = t - t[0] - k * period
    gaps = np.diff(t)[np.diff(k) == 1] - period
    slope = np.polyfit(k, t, 1)[0]
    return {
        "beats": len(t),
        "skipped": result["metronome"]["skipped"],
        "gap_med": float(np.median(np.abs(gaps))),
        "gap_p99": float(np.percentile(np.abs(gaps), 99)),
        "gap_max": float(np.max(np.abs(gaps))),
        "err_med": float(np.median(np.abs(err))),
        "err_p99": float(np.percentile(np.abs(err), 99)),
        "err_max": float(np.max(np.abs(err))),
        "drift_ppm": (slope - period) / period * 1e6,
        "last_err": float(err[-1]),
        "stall": result["max_stall_ms"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "bench" / "metronome_results.md"))
    args = parser.parse_args()
    rows = []
    for target in TARGETS_SPM:
        for i in range(args.runs):
            f = figures(simulate(target, Path("build") / f"bench-metronome-{target}-{i}"), target)
            rows.append((target, f))
            print(target, f, flush=True)
    lines = [
        "# Metronome timing (`bench/bench_metronome.py`)",
        "",
        "`footfall sim tests/data/synthetic_run.csv --cpu esp32 --heap 8M --coach metronome "
        "--target T`,"
        f" m5stickc_plus2, {args.runs} runs per target. ms; gap = |beat-to-beat - 60000/T|;"
        " error = |beat - ideal grid from the first beat|; drift = fitted period vs ideal.",
        "",
        "| T (spm) | beats | skipped | gap median / p99 / max | error median / p99 / max |"
        " drift (ppm) | last beat's error | max stall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for target, f in rows:
        lines.append(
            f"| {target} | {f['beats']} | {f['skipped']} | {f['gap_med']:.1f} / "
            f"{f['gap_p99']:.1f} / {f['gap_max']:.1f} | {f['err_med']:.1f} / "
            f"{f['err_p99']:.1f} / {f['err_max']:.1f} | {f['drift_ppm']:+.0f} | "
            f"{f['last_err']:+.1f} | {f['stall']} |"
        )
    Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
