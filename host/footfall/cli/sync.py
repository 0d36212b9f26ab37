"""`footfall sync [--device URL] [--store PATH] [--delete-after] [--json]`: sessions in.

One line per session (imported, already stored, or FAILED with the reason) and a total;
with --json, one object instead (SyncResult.to_json(): the totals and each session's
outcome, `id` the store's id and `session_id` the device's number).
Without --device, the one footfall sensor in BLE range is used. Exit status: 0 when every
session is stored, 1 when some failed (they stay on the device) or the device, the link or
the store failed (a locked store, a full disk: the sync stops there), 2 for a bad URL or
store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tqdm import tqdm

from footfall.cli.args import add_store_argument, positive_seconds
from footfall.cli.devices import scan_sensors
from footfall.errors import TransportError
from footfall.sync import Bar, Progress, Syncer, SyncResult, sync_store, sync_url


def progress_bars(quiet: bool) -> Progress:
    """tqdm bars on stderr, off when quiet or when stderr is not a terminal."""
    disable = quiet or not sys.stderr.isatty()

    def bar(label: str, total: int, initial: int) -> Bar:
        return tqdm(
            total=total,
            initial=initial,
            desc=label,
            unit="B",
            unit_scale=True,
            leave=False,
            disable=disable,
        )

    return bar


async def pick_device(timeout_s: float) -> str:
    """The URL of the only footfall sensor in range; TransportError otherwise."""
    found = await scan_sensors(timeout_s)
    if len(found) != 1:
        names = ", ".join(s.name for s in found) or "none"
        raise TransportError(
            f"found {len(found)} footfall sensors ({names}): pick one with --device URL"
        )
    return found[0].url


async def run(args: argparse.Namespace) -> int:
    result = SyncResult(args.device or "")
    with sync_store(args.store, result) as store:
        url = args.device or await pick_device(args.timeout)
        result.device = url
        syncer = Syncer(
            store,
            delete_after=args.delete_after,
            progress=progress_bars(args.quiet),
            timeout_s=args.timeout,
        )
        options = {"timeout_s": args.timeout} if url.startswith("ble:") else {}
        done = False
        try:
            await sync_url(
                url, store, syncer=syncer, retries=args.retries, result=result, **options
            )
            done = True
        finally:  # what was stored before a failure is still reported
            if args.json and (done or result.outcomes):
                print(json.dumps(result.to_json(), separators=(",", ":")))
            for outcome in () if args.json else result.outcomes.values():
                print(outcome.line())
            if not args.json and (done or result.outcomes):
                print(result.total_line())
    return 1 if result.failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="copy sessions from a device into the store",
        description="Copy every session from a footfall sensor (or a folder of session "
        "files) into the store: resumable, CRC-checked, imported atomically.",
    )
    parser.add_argument(
        "--device",
        metavar="URL",
        help="serial:/dev/ttyACM0, ble:footfall-1A2B or file:DIR (default: the one "
        "footfall sensor in BLE range)",
    )
    add_store_argument(parser)
    parser.add_argument(
        "--delete-after",
        action="store_true",
        help="delete each session from the device once its import is committed",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=10.0,
        metavar="S",
        help="seconds to wait for the device",
    )
    parser.add_argument(
        "--retries", type=int, default=3, metavar="N", help="reconnects after a dropped link"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    return asyncio.run(run(args))
