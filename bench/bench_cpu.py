"""The `footfall sim --cpu esp32` timing model: the factor, the clock, the stalls.

    .venv/bin/python bench/bench_cpu.py --micropython DIR [--runs 15] [--out bench/cpu_results.md]

DIR is a MicroPython source tree or bare git mirror (for tests/perf_bench/misc_pystone.py,
MicroPython's own pystone benchmark). It runs in this unix port timed by process CPU time
(`time.clock()`), giving this host's pystones per CPU second; over the published ESP32
figures below that is the range of the factor. Then it checks the stand-in clock (what a
reading costs, what a busy loop is charged) and runs the sim's timing contracts, writing
every board and rate's worst loop stall.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from footfall.engine import micropython_binary
from footfall.sim import MPY_DIR
from footfall.sim.board import ESP32_FACTOR_MILLI
from hostinfo import cpu_name

ROOT = Path(__file__).resolve().parents[1]
LOOPS = 20000  # Proc0 loops per run: about 0.15 s of CPU here
# Published ESP32 MicroPython pystone figures (pystones/s), scaled to the ESP32_GENERIC
# default of 160 MHz (ports/esp32/boards/sdkconfig.base has no 240 MHz; commit 59c1b7d4b8).
ESP32_PYSTONES = {
    "slow: v1.13-180 perf_bench misc_pystone, 160 MHz (micropython#6565), less 10% "
    "for the SPIRAM build's cache workaround (micropython#4440)": 1166 * 0.9,
    "v1.13-180 perf_bench misc_pystone, 160 MHz (micropython#6565)": 1166,
    "v1.12 pystone_lowmem at 240 MHz (micropython#5673), scaled to 160 MHz": 1661 * 160 / 240,
    "fast: v1.13 perf_bench misc_pystone, 160 MHz (micropython#6565)": 1732,
}
CONTRACTS = [  # (board, rate): the sim must show 0 overflows and 0 watchdog resets
    ("esp32_lis3dh", 200),
    ("m5stickc_plus2", 100),
]
RECORDINGS = ["tests/data/synthetic_run.csv", "tests/data/mobilised__HA001_Test11_Trial1.csv"]


def pystone_source(src: Path) -> str:
    path = "tests/perf_bench/misc_pystone.py"
    if (src / path).exists():
        return (src / path).read_text()
    return subprocess.run(
        ["git", "-C", str(src), "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


def host_pystones(src: Path, runs: int) -> list[float]:
    """Pystones per CPU second of this unix port, one figure per run."""
    script = pystone_source(src) + (
        "\nimport time\n"
        f"for _ in range({runs}):\n"
        f"    run, result = bm_setup(({LOOPS},))\n"
        "    c0 = time.clock()\n"
        "    run()\n"
        f"    print({LOOPS} / (time.clock() - c0))\n"
    )
    out = subprocess.run([micropython_binary(), "-c", script], capture_output=True, text=True)
    return [float(x) for x in out.stdout.split()]


def clock_check() -> dict:
    """The stand-in clock: the cost of a CPU reading, and a busy loop's charge over its CPU."""
    script = (
        f"import sys\nsys.path.insert(0, {str(MPY_DIR)!r})\nimport time\n"
        f"time.configure({ESP32_FACTOR_MILLI})\n"
        "def busy(n):\n    x = 0\n    for i in range(n):\n        x += i\n"
        "c0 = time._clock(); q0 = time.charged_us(); busy(3000000)\n"
        "cpu_us = (time._clock() - c0) * 1e6; q = time.charged_us() - q0\n"
        "print(time._read_us, cpu_us, q)\n"
    )
    out = subprocess.run([micropython_binary(), "-c", script], capture_output=True, text=True)
    read_us, cpu_us, charged_us = (float(x) for x in out.stdout.split())
    return {"read_us": read_us, "ratio": charged_us / cpu_us}


def sim(recording: str, board: str, rate: int, *extra: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "footfall"), "sim", recording, "--board", board]
            + ["--rate", str(rate), "--out", out, "--json", *extra],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micropython", type=Path, required=True, metavar="DIR")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "cpu_results.md")
    args = parser.parse_args()

    scores = host_pystones(args.micropython, args.runs)
    best, median, worst = max(scores), statistics.median(scores), min(scores)
    lines = [
        "# CPU timing model (bench/bench_cpu.py)",
        "",
        f"Machine: {cpu_name()}. The unix port's misc_pystone ({LOOPS} loops, {args.runs} "
        "runs), timed by process CPU time:",
        "",
        f"- pystones per CPU second: best {best:,.0f}, median {median:,.0f}, worst {worst:,.0f}",
        "",
        "| ESP32 figure | pystones/s | factor at this host's best | at its median |",
        "|---|---|---|---|",
    ]
    for name, esp in ESP32_PYSTONES.items():
        lines.append(f"| {name} | {esp:,.0f} | {best / esp:.0f} | {median / esp:.0f} |")
    clock = clock_check()
    lines += [
        "",
        f"`--cpu esp32` uses ESP32_FACTOR_MILLI = {ESP32_FACTOR_MILLI} (x"
        f"{ESP32_FACTOR_MILLI / 1000:g}).",
        "",
        f"Stand-in clock: a CPU reading costs {clock['read_us']:.0f} us (not charged); a busy "
        f"loop is charged {clock['ratio']:.1f} x its CPU time (factor "
        f"{ESP32_FACTOR_MILLI / 1000:g}).",
        "",
        "## Contracts and worst stalls (`footfall sim REC --board B --rate R --cpu esp32`)",
        "",
        "| recording | board | rate | flash | steps (plain) | steps | overflows | watchdog "
        "resets | max stall ms | flash ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rec in RECORDINGS:
        for board, rate in CONTRACTS:
            plain = sim(rec, board, rate)
            for timing in ("typical", "worst"):
                got = sim(rec, board, rate, "--cpu", "esp32", "--flash-timing", timing)
                lines.append(
                    f"| {Path(rec).stem} | {board} | {got['rate_hz']} | {timing} | "
                    f"{plain['steps']} | {got['steps']} | {got['overflows']} | "
                    f"{got['watchdog_resets']} | {got['max_stall_ms']} | "
                    f"{got['flash']['flash_ms']} |"
                )
                print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
