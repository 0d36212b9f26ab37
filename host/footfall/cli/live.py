"""`footfall live --device ble:NAME [--seconds N] [--json]`: live cadence, a line per reading.

Reads the standard Running Speed and Cadence measurement (0x2A53) that the sensor notifies
once a second, as a watch would: RSC is open, so no pairing is needed. It also asks for live
mode (LIVE on; off again at the end) with a Write Command, which a bonded, encrypted link
carries and the device's stack drops unanswered on any other, so it never starts a pairing
the device would refuse; live mode from the config (`live: true`) keeps BLE on during a
session either way. With --json, each reading is one JSON object on its own line: time
(ISO 8601 UTC), cadence_spm, running. The serial sync protocol carries no live data frames,
so serial: is
refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from footfall_core import ble_defs as B
from footfall_core import protocol as P

from footfall.cli.args import positive_seconds
from footfall.errors import DeviceError, FootfallError, TransportError, UsageError
from footfall.transport import open_transport, parse_url
from footfall.transport.ble import BleSync

RSC_MEASUREMENT_UUID = f"0000{B.RSC_MEASUREMENT:04x}-0000-1000-8000-00805f9b34fb"


def line(cadence_spm: int, running: bool, now_s: float | None = None) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(now_s))
    return f"{stamp}  {cadence_spm:3d} steps/min  {'running' if running else 'walking'}"


def json_line(cadence_spm: int, running: bool, now_s: float | None = None) -> str:
    """One reading as a JSON object on one line: time (ISO 8601 UTC), cadence_spm, running."""
    at = datetime.fromtimestamp(time.time() if now_s is None else now_s, UTC)
    reading = {"time": at.isoformat(timespec="seconds"), "cadence_spm": cadence_spm,
               "running": running}  # fmt: skip
    return json.dumps(reading, separators=(",", ":"))


async def run(
    url: str,
    seconds: float | None,
    out: Callable[[str], None] = print,
    count: int | None = None,
    as_json: bool = False,
    **options: Any,
) -> int:
    """Print readings until `seconds` pass or `count` readings (None: until Ctrl-C); as
    JSON lines when as_json."""
    scheme, _rest = parse_url(url)
    if scheme != "ble":
        raise UsageError(
            f"{url}: live cadence needs BLE (the {scheme} link has no live data); "
            "use --device ble:footfall-XXXX"
        )
    readings: asyncio.Queue[bytes | None] = asyncio.Queue()
    # the board going away ends the readings (None), as the end of --seconds does
    options.setdefault("disconnected_callback", lambda _client: readings.put_nowait(None))
    sync = await open_transport(url, **options)
    assert isinstance(sync, BleSync)
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    shown = 0
    sync.secured = True  # Write Commands only: see the module docstring
    try:
        # older firmware answers an error; an unbonded link, nothing
        with contextlib.suppress(DeviceError, TransportError):
            await sync.link.request(P.LIVE, b"\x01", timeout_s=1.0)
        await sync.client.start_notify(
            RSC_MEASUREMENT_UUID, lambda _c, v: readings.put_nowait(bytes(v))
        )
        while count is None or shown < count:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                break
            try:
                value = await asyncio.wait_for(readings.get(), left)
            except TimeoutError:
                break
            if value is None:
                break
            cadence_spm, running, _speed = B.unpack_rsc_measurement(value)
            out((json_line if as_json else line)(cadence_spm, running))
            shown += 1
    finally:
        with contextlib.suppress(FootfallError, OSError):
            await sync.link.request(P.LIVE, b"\x00", timeout_s=1.0)
        await sync.close()
    return shown


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "live",
        help="show live cadence from a sensor over BLE",
        description="Print live cadence (steps/min) once a second until Ctrl-C.",
    )
    parser.add_argument("--device", metavar="URL", required=True, help="ble:footfall-XXXX")
    parser.add_argument(
        "--seconds", type=positive_seconds, metavar="N", help="stop after N seconds"
    )
    parser.add_argument("--timeout", type=positive_seconds, default=10.0, metavar="S")
    parser.add_argument("--json", action="store_true", help="one JSON object per reading")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    out = functools.partial(print, flush=True)  # each reading as it comes, even into a pipe
    asyncio.run(run(args.device, args.seconds, out, as_json=args.json, timeout_s=args.timeout))
    return 0
