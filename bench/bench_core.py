"""Benchmark the core's per-sample cost and allocation inside the MicroPython unix port.

Usage: .venv/bin/python bench/bench_core.py [--repeat 9] [--out bench/results.md]

For each recording and rate, the samples (resampled on the host) are loaded into an
array('h') inside the `micropython` binary; then, repeated and reported as the median:
- `Tracker.push` per sample, in the loop a firmware would run;
- the same loop calling an empty `push` method (the loop and call overhead alone);
- `Tracker.push_block` over the whole array (the FIFO-burst entry point).
Allocation: gc.mem_alloc() before and after one full pass with the collector disabled,
divided by the samples; and whether one pass survives micropython.heap_lock().
The figures go to bench/results.md (the README quotes them).
"""

import argparse
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from footfall.csvio import read_recording
from footfall.paths import FIRMWARE
from footfall.resample import resample
from footfall.synth import Segment, synthesize
from hostinfo import cpu_name  # bench/hostinfo.py: scripts run from bench/

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SYNTH_SHOE = "synth.synthesize(shoe, walk 1 min + run 4 min)"
CASES = (
    ("synthetic_run.csv", "waist", 100),
    ("synthetic_run.csv", "waist", 400),
    ("oxford__Samsung_Dario_Hard_BackPocket_1.csv", "waist", 100),
    (SYNTH_SHOE, "shoe", 100),
)
# The detector's per-sample front end exists as a plain twin and a viper-compiled one.
HAS_VIPER = (FIRMWARE / "footfall_core" / "front_viper.py").exists()
VARIANTS = ("viper", "plain") if HAS_VIPER else ("plain",)

SCRIPT = """
import sys, gc, time, micropython
sys.path.insert(0, {firmware!r})
from array import array
import footfall_core.steps as steps
from footfall_core.tracker import Tracker

RATE, PLACEMENT, REPEAT, VARIANT = {rate}, {placement!r}, {repeat}, {variant!r}
if VARIANT == "plain" and hasattr(steps, "_front"):
    import footfall_core.front as front
    steps._front = front.front  # the plain twin instead of the compiled one
with open({path!r}, "rb") as f:
    buf = array("h", f.read())
N = len(buf) // 3


class Empty:
    def push(self, ax_mg, ay_mg, az_mg):
        pass


def loop(obj, buf, n):
    for j in range(0, 3 * n, 3):
        obj.push(buf[j], buf[j + 1], buf[j + 2])


def timed(make, block):
    best = []
    for _ in range(REPEAT):
        obj = make()
        gc.collect()
        t0 = time.ticks_us()
        if block:
            obj.push_block(buf, N)
        else:
            loop(obj, buf, N)
        best.append(time.ticks_diff(time.ticks_us(), t0))
    best.sort()
    return best[len(best) // 2]


def allocated():
    t = Tracker(RATE, PLACEMENT)
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    loop(t, buf, N)
    a1 = gc.mem_alloc()
    gc.enable()
    return a1 - a0


def survives_heap_lock():
    t = Tracker(RATE, PLACEMENT)
    micropython.heap_lock()
    try:
        loop(t, buf, N)
        ok = True
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    return ok


tracker_us = timed(lambda: Tracker(RATE, PLACEMENT), False)
empty_us = timed(Empty, False)
block_us = timed(lambda: Tracker(RATE, PLACEMENT), True)
alloc = allocated()
locked = survives_heap_lock()
print(N, tracker_us, empty_us, block_us, alloc, 1 if locked else 0)
"""


def micropython_binary() -> str:
    local = Path(sys.executable).parent / "micropython"
    return str(local) if local.exists() else "micropython"


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(t_ms, acc_mg (n, 3)) of a bundled recording, or of a synthetic shoe run."""
    if name == SYNTH_SHOE:
        rec = synthesize([Segment("walk", 60, 110), Segment("run", 240, 172)], placement="shoe")
        return rec.t_ms, np.column_stack([rec.ax, rec.ay, rec.az])
    csv = read_recording(DATA / name)
    return csv.t_ms, csv.acc_mg


def run_case(name: str, placement: str, rate_hz: int, variant: str, repeat: int) -> dict:
    t_ms, acc_mg = load(name)
    grid = resample(t_ms, acc_mg, rate_hz).acc_mg
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "samples.bin"
        path.write_bytes(grid.astype("<i2").tobytes())
        script = SCRIPT.format(
            firmware=str(FIRMWARE),
            rate=rate_hz,
            placement=placement,
            repeat=repeat,
            variant=variant,
            path=str(path),
        )
        proc = subprocess.run(
            [micropython_binary(), "-X", "heapsize=8M", "-c", script],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(f"bench failed on {name} at {rate_hz} Hz:\n{proc.stderr}")
    n, tracker_us, empty_us, block_us, alloc, locked = map(int, proc.stdout.split()[-6:])
    return {
        "recording": name.removesuffix(".csv"),
        "front_end": variant,
        "placement": placement,
        "rate_hz": rate_hz,
        "samples": n,
        "tracker_us_per_sample": tracker_us / n,
        "empty_loop_us_per_sample": empty_us / n,
        "net_us_per_sample": (tracker_us - empty_us) / n,
        "push_block_us_per_sample": block_us / n,
        "bytes_per_sample": alloc / n,
        "heap_lock_ok": bool(locked),
    }


def mpy_version() -> str:
    proc = subprocess.run(
        [micropython_binary(), "-c", "import sys; print(sys.version, sys.implementation)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip()


def render(rows: list[dict], repeat: int) -> str:
    head = (
        "| recording | placement | rate | front end | samples | Tracker.push us/sample | "
        "empty loop us/sample | net us/sample | push_block us/sample | bytes allocated/sample "
        "| heap_lock |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['recording']} | {r['placement']} | {r['rate_hz']} Hz | {r['front_end']} | "
        f"{r['samples']} | "
        f"{r['tracker_us_per_sample']:.2f} | {r['empty_loop_us_per_sample']:.2f} | "
        f"{r['net_us_per_sample']:.2f} | {r['push_block_us_per_sample']:.2f} | "
        f"{r['bytes_per_sample']:.3f} | {'passes' if r['heap_lock_ok'] else 'MemoryError'} |\n"
        for r in rows
    )
    return (
        "# Core benchmark (MicroPython unix port)\n\n"
        f"Written by `bench/bench_core.py` (median of {repeat} runs per figure).\n"
        f"Machine: {cpu_name()}; {platform.system()} {platform.release()}.\n"
        f"Interpreter: {mpy_version()}.\n\n"
        + head
        + body
        + "\n- front end: `viper` is the detector's compiled per-sample stage (front_viper.py,\n"
        "  what the device runs), `plain` its pure-Python twin (front.py) patched in instead.\n"
        "- Tracker.push: one call per sample, loop included; push_block: the whole recording\n"
        "  in one call (how the firmware feeds FIFO bursts).\n"
        "- empty loop: the same loop calling an empty `push(ax, ay, az)` method: the floor any\n"
        "  per-sample Python call pays; net = Tracker.push - empty loop.\n"
        "- bytes allocated: gc.mem_alloc() delta over one full pass with gc disabled, per "
        "sample;\n  heap_lock: one full pass of Tracker.push under micropython.heap_lock().\n"
        "- goal: <= 0.5 us/sample, 0 bytes/sample.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.md")
    args = parser.parse_args(argv)
    rows = [
        run_case(name, pl, rate, variant, args.repeat)
        for name, pl, rate in CASES
        for variant in VARIANTS
    ]
    text = render(rows, args.repeat)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
