"""Store speed, host and device.

    .venv/bin/python bench/bench_store.py [--sessions 1000] [--out bench/store_results.md]
    .venv/bin/python bench/bench_store.py --device [--counts 10,40,100] [--rev REV] [--out ...]

Host (default): import N one-hour sessions into the SQLite store, then read every step back
as numpy arrays. A one-hour run at 170 steps/min is 10,200 steps, so 1,000 sessions are
about 10 million steps: the scale issue 5's analyses must summarise in under 5 s. The
session files are real encoder output (footfall_core.records); each gets its own header.

Device (--device): the firmware's session store (footfall_fw.store) in the MicroPython unix
port, over N sessions of about 10 KB written by the firmware's own writer: the boot (Store()
and its rescan to the end: the longest single step and the session bytes read back), the
same boot with the index lost (every file scanned), a host listing every LIST page through
the real SyncServer, and serving one whole session through session_info/read_into as GET
does. --rev measures the firmware of another git revision (e.g. the one before the index),
whose boot is Store() + repair(). Times are the best of --runs, wall clock in the port.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from footfall.paths import FIRMWARE
from footfall.records import Header
from footfall.store import Store
from footfall_core import records as core

REPO = Path(__file__).resolve().parents[1]
DEVICE_STEPS = 2500  # about 10 KB a session

# Runs in the unix port: prints one JSON line of figures for the store at ROOT.
DEVICE_SCRIPT = """
import json, os, sys, time
from footfall_core import protocol as P
from footfall_core.frames import FrameParser, pack_frame
from footfall_core.sync_server import SyncServer
from footfall_fw.store import Store

ROOT = sys.argv[1]
RUNS = int(sys.argv[2])
out = {}

def boot():
    s = Store(ROOT, free_bytes_fn=lambda: 10**9)
    if not hasattr(s, "finish"):
        s.repair()  # the boot of firmware without the index: every file read at once
        return s, 0
    worst = 0
    while True:
        t = time.ticks_us()
        more = s.step()
        worst = max(worst, time.ticks_diff(time.ticks_us(), t))
        if not more:
            return s, worst

class Dev:
    pass

def list_pages(s):
    replies = []
    parser = FrameParser(lambda t, q, b, o, n: replies.append(bytes(b[o : o + n])))
    server = SyncServer(s, None, Dev(), lambda buf, n: parser.feed(buf, n), 236)
    got = 0
    while True:
        first = bytearray(2)
        P.put_u16_le(first, 0, got)
        server.feed(pack_frame(P.LIST, 1, bytes(first)))
        total, _f, page = P.unpack_list(replies[-1], 0, len(replies[-1]))
        got += len(page)
        if not page or got >= total:
            return got

def get_one(s, sid):
    buf = bytearray(240)
    off = 0
    size = s.session_info(sid)[3]
    while off < size:
        s.session_info(sid)
        off += s.read_into(sid, off, buf, 4, 232)
    return off

runs = []
for _ in range(RUNS):
    t = time.ticks_us()
    s, worst = boot()
    runs.append((time.ticks_diff(time.ticks_us(), t), worst))
out["boot_us"] = min(r[0] for r in runs)
out["boot_step_us"] = min(r[1] for r in runs)  # the least disturbed longest step
ids = s.sessions()
t = time.ticks_us()
out["listed"] = list_pages(s)
out["list_us"] = time.ticks_diff(time.ticks_us(), t)
t = time.ticks_us()
out["get_bytes"] = get_one(s, ids[len(ids) // 2])
out["get_us"] = time.ticks_diff(time.ticks_us(), t)
out["scanned"] = getattr(s, "scanned_bytes", -1)
if hasattr(s, "finish"):
    runs = []
    for _ in range(RUNS):
        try:
            os.remove(ROOT + "/index.txt")
        except OSError:
            pass
        t = time.ticks_us()
        s, worst = boot()
        runs.append((time.ticks_diff(time.ticks_us(), t), worst, s.scanned_bytes))
    out["rebuild_us"] = min(r[0] for r in runs)
    out["rebuild_step_us"] = min(r[1] for r in runs)
    out["rebuild_scanned"] = runs[0][2]
print(json.dumps(out))
"""

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


def device_store(root: Path, count: int) -> int:
    """count sessions of DEVICE_STEPS steps by the firmware's writer (in CPython); bytes."""
    sys.path.insert(0, str(FIRMWARE))
    from footfall_fw.store import Store as DeviceStore

    store = DeviceStore(str(root), free_bytes_fn=lambda: 10**9)
    for i in range(count):
        w = store.begin(core.Header(device_id=HEADER.device_id, start_s=1_800_000_000 + i))
        t = 0
        for k in range(DEVICE_STEPS):
            t += 340 + k % 20
            w.add_step(340 + k % 20, 2000 + k % 700, 172, 2)
            w.tick(t)
        w.close(now_ms=t)
    return sum(p.stat().st_size for p in root.iterdir() if p.name.endswith(".ffs"))


def firmware_at(rev: str | None, tmp: Path) -> Path:
    if rev is None:
        return FIRMWARE
    tar = subprocess.run(["git", "-C", str(REPO), "archive", rev, "firmware"], check=True,
                         capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=tar, check=True)
    return tmp / "firmware"


def device_bench(counts: list[int], rev: str | None, runs: int) -> list[str]:
    from footfall.engine import micropython_binary

    mpy = micropython_binary()
    lines = [
        f"device store bench (unix port), firmware {rev or 'of this tree'}, best of {runs}",
        "  sessions  stored KB  boot ms (longest step)  boot reads  lost index ms (longest"
        " step)  LIST all pages ms  GET one ms",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        fw = firmware_at(rev, Path(tmp))
        for n in counts:
            root = Path(tmp) / f"s{n}"
            total = device_store(root, n)
            prelude = f"import sys\nsys.path.insert(0, {str(fw)!r})\n"
            proc = subprocess.run(
                [mpy, "-X", "heapsize=8M", "-c", prelude + DEVICE_SCRIPT, str(root), str(runs)],
                capture_output=True, check=True, timeout=3600,
            )  # fmt: skip
            r = json.loads(proc.stdout.decode().splitlines()[-1])
            assert r["listed"] == n, r
            boot_reads = r["scanned"] if r["scanned"] >= 0 else total
            step = f"({r['boot_step_us'] / 1000:.1f})" if r["boot_step_us"] else "(one call)"
            rebuild = "-"
            if "rebuild_us" in r:
                rebuild = f"{r['rebuild_us'] / 1000:.0f} ({r['rebuild_step_us'] / 1000:.1f})"
            lines.append(
                f"  {n:8d}  {total / 1000:9.0f}  {r['boot_us'] / 1000:10.0f} {step:>11}"
                f"  {boot_reads:10d}  {rebuild:>29}  {r['list_us'] / 1000:17.1f}"
                f"  {r['get_us'] / 1000:10.1f}"
            )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--device", action="store_true", help="the firmware's store instead")
    ap.add_argument("--counts", default="10,40,100", help="--device: session counts")
    ap.add_argument("--rev", help="--device: measure the firmware of this git revision")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, help="append the figures to this Markdown file")
    args = ap.parse_args()
    if args.device:
        counts = [int(c) for c in args.counts.split(",")]
        lines = device_bench(counts, args.rev, args.runs)
        print("\n".join(lines))
        if args.out:
            with args.out.open("a") as f:
                f.write("\n```\n" + "\n".join(lines) + "\n```\n")
        return
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
