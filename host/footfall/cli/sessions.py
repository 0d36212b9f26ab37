"""`footfall sessions [--store PATH] [--json]`: the stored sessions, oldest first.

With --json, one object per line (SessionRow.to_json(): id, device, device_name, start,
start_s, duration_s, steps, running_s, cues, placement, ..., crc, size, imported_at);
`start` and `start_s` are null, and the table says "date unknown", for a session whose
device clock was never set.
An empty store says so on stderr (exit 0); a --store that does not exist is exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from footfall.cli.args import add_store_argument
from footfall.source import existing_store
from footfall.store import SessionRow


def _start(r: SessionRow) -> str:
    return r.start[:16].replace("T", " ") if r.dated else "date unknown"


def table(rows: list[SessionRow]) -> list[str]:
    lines = [f"{'id':<28} {'device':<14} {'start (UTC)':<17} {'min:s':>9} {'steps':>7} cues"]
    for r in rows:
        minutes, seconds = divmod(round(r.duration_s), 60)
        lines.append(
            f"{r.id:<28} {r.device_name:<14} {_start(r):<17} "
            f"{minutes:>6}:{seconds:02d} {r.steps:>7} {r.cues:>4}"
        )
    return lines


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sessions",
        help="list the sessions in the store",
        description="List the synced sessions in the store, oldest first.",
    )
    add_store_argument(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per session")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    with existing_store(args.store) as store:
        rows = store.sessions()
        where = store.path
    if not rows:
        print(f"footfall: no sessions in {where} yet: run `footfall sync`", file=sys.stderr)
        return 0
    for text in (json.dumps(r.to_json()) for r in rows) if args.json else table(rows):
        print(text)
    return 0
