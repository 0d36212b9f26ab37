"""BLE benchmark on the virtual radio: the firmware's own BLE (`footfall sim --serve ble`), the
host's bleak code on Bumble over FOOTFALL_HCI.

    .venv/bin/python bench/bench_ble.py [--runs 3] [--out bench/ble_results.md]

One hour of running (bench_sync.write_hour_session, the firmware's own writer) is put on the
virtual board's flash; the board replays a short idle recording (no session of its own),
then its virtual runner opens the pairing window. Measured, for ATT MTU 23 and 247:
- a whole `footfall sync` of the hour into a fresh store (connect, encrypt, HELLO, LIST, GET
  to the end, import): time, and the bytes the link carried both ways;
- efficiency = session bytes / ATT payload bytes notified (device to host);
- the time to pair: the host's first Write Request, "insufficient encryption", LE Secure
  Connections Just Works with bonding, and the retried write (a fresh key file each run).
Medians of --runs. The virtual radio has no connection interval or air time: times measure
the two stacks and the firmware's pacing (4 notifications, then an 8 ms sleep), not a radio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from footfall.paths import FIRMWARE

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FIRMWARE))
sys.path.insert(0, str(REPO / "bench"))

from bench_sync import write_hour_session  # noqa: E402
from footfall import synth  # noqa: E402
from footfall.store import Store  # noqa: E402
from footfall.sync import Syncer, SyncResult, sync_url  # noqa: E402
from footfall.transport import ble as ble_transport  # noqa: E402
from footfall.transport import ble_bumble  # noqa: E402
from hostinfo import cpu_name  # noqa: E402


class Counts:
    """Bytes notified to the host and written by it, and the pairing times, process-wide."""

    def __init__(self) -> None:
        self.rx = self.tx = 0
        self.pair_s: list[float] = []
        self.secure_s: list[float] = []
        sync_cls, client_cls = ble_transport.BleSync, ble_bumble.BumbleClient
        on_notify, write, secure = sync_cls._on_notify, sync_cls._write, client_cls._secure
        pair = client_cls.pair
        counts = self

        def counted_notify(self: Any, data: bytearray) -> None:
            counts.rx += len(data)
            on_notify(self, data)

        async def counted_write(self: Any, data: bytes) -> None:
            counts.tx += len(data)
            await write(self, data)

        async def timed_secure(self: Any) -> None:
            t0 = time.perf_counter()
            await secure(self)
            counts.secure_s.append(time.perf_counter() - t0)

        async def timed_pair(self: Any, *args: Any, **kwargs: Any) -> None:
            t0 = time.perf_counter()
            await pair(self, *args, **kwargs)
            counts.pair_s.append(time.perf_counter() - t0)

        sync_cls._on_notify = counted_notify  # type: ignore[method-assign]
        sync_cls._write = counted_write  # type: ignore[method-assign]
        client_cls._secure = timed_secure  # type: ignore[method-assign]
        client_cls.pair = timed_pair  # type: ignore[method-assign]


def start_board(work: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    flash = work / "flash"
    sid, steps, path = write_hour_session(flash / "sessions")
    idle = synth.synthesize([synth.Segment("idle", 3)], seed=1)
    synth.write_csv(idle, work / "idle.csv")
    cmd = [sys.executable, "-m", "footfall.cli", "sim", str(work / "idle.csv")]
    cmd += ["--serve", "ble", "--pair", "--out", str(flash)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    hci = proc.stdout.readline().decode().strip().partition("=")[2]
    return proc, url, hci


async def one_sync(url: str, store_path: Path, mtu: int, counts: Counts) -> dict[str, Any]:
    counts.rx = counts.tx = 0
    with Store(store_path) as store:
        result = SyncResult(url)
        t0 = time.perf_counter()
        await sync_url(url, store, syncer=Syncer(store), result=result, bumble={"mtu": mtu})
        seconds = time.perf_counter() - t0
        (row,) = store.sessions()
    return {"s": seconds, "rx": counts.rx, "tx": counts.tx, "size": row.size, "steps": row.steps}


def bench(runs: int) -> dict[str, Any]:
    counts = Counts()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="footfall-bench-ble-") as tmp:
        work = Path(tmp)
        proc, url, hci = start_board(work)
        os.environ["FOOTFALL_HCI"] = hci
        try:
            for mtu in (247, 23):
                got = []
                for i in range(runs):
                    # a fresh key file pairs; the runs after it re-encrypt with that bond
                    os.environ["FOOTFALL_BLE_KEYS"] = str(work / f"keys-{mtu}.json")
                    store = work / f"s-{mtu}-{i}.db"
                    got.append(asyncio.run(one_sync(url, store, mtu, counts)))
                out[mtu] = {
                    "s": statistics.median(g["s"] for g in got),
                    "rx": got[-1]["rx"],
                    "tx": got[-1]["tx"],
                    "size": got[-1]["size"],
                    "steps": got[-1]["steps"],
                }
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    out["pair_s"] = statistics.median(counts.pair_s)
    out["pairs"] = len(counts.pair_s)
    # _secure's time on the runs that did not pair: re-encryption with the bond
    again = sorted(counts.secure_s)[: len(counts.secure_s) - len(counts.pair_s)]
    out["encrypt_s"] = statistics.median(again) if again else float("nan")
    return out


def report(out: dict[str, Any], runs: int) -> str:
    size, steps = out[247]["size"], out[247]["steps"]
    lines = [
        "# BLE benchmark (virtual radio, the firmware's own BLE)",
        "",
        f"Written by `bench/bench_ble.py` (median of {runs} syncs per MTU, each into a fresh "
        "store; the first with a fresh key file pairs, the others re-encrypt with its bond).",
        f"Machine: {cpu_name()}; {platform.platform()}; Python {platform.python_version()}.",
        "",
        f"Session: one hour of running, {steps} steps, {size} bytes, on the virtual board's "
        "flash; served by the real firmware (`footfall sim --serve ble`), synced by "
        "`footfall.sync.sync_url` over FOOTFALL_HCI.",
        "",
        "| ATT MTU | session bytes | notified bytes (ATT payload) | written bytes | "
        "efficiency (session / notified) | whole sync s |",
        "|---|---|---|---|---|---|",
    ]
    for mtu in (23, 247):
        r = out[mtu]
        lines.append(
            f"| {mtu} | {r['size']} | {r['rx']} | {r['tx']} | **{100 * r['size'] / r['rx']:.1f}%**"
            f" | **{r['s']:.2f}** |"
        )
    lines += [
        "",
        f"- time to pair (Write Request refused for encryption, LE Secure Connections Just "
        f"Works with bonding, write retried): **{out['pair_s'] * 1000:.0f} ms** "
        f"(median of {out['pairs']}); re-encrypting with the bond on a later sync: "
        f"**{out['encrypt_s'] * 1000:.0f} ms**.",
        "- notified bytes include every reply (HELLO, LIST) and the end-of-file frame; "
        "written bytes are the requests and one ACK per DATA frame.",
        "- A whole sync includes the scan, the connection, pairing, HELLO, LIST, the fetch "
        "and the import. The virtual radio has no connection interval: the time is the two "
        "stacks' and the firmware's pacing (a sleep of 8 ms after every 4 notifications), "
        "not a radio's.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "ble_results.md")
    args = parser.parse_args()
    text = report(bench(args.runs), args.runs)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
