"""`footfall export [ID|--all] --format csv|fit|parquet --out PATH [--store PATH]`.

- csv: one file; several sessions follow each other (the session_id column tells them apart).
- fit: one session to the file PATH; with --all, PATH is a folder of ID.fit files.
- parquet: PATH is a dataset folder partitioned device=/date=.
`--session-file FILE` exports a session file instead of a stored session. Prints what it
wrote. Errors are one line, exit status 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from footfall import source
from footfall.analysis import SessionData, summarise
from footfall.errors import AnalysisError, UsageError

FORMATS = ("csv", "fit", "parquet")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="sessions to open formats: CSV, FIT (strides/min), Parquet",
        description="Export stored sessions, one row per step (FIT: one record per second).",
    )
    parser.add_argument(
        "id", metavar="ID", nargs="?", help="session id, a unique prefix of one, or latest"
    )
    parser.add_argument("--all", action="store_true", help="every stored session")
    parser.add_argument("--session-file", metavar="FILE", help="export this session file")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--out", required=True, metavar="PATH", help="file (csv, fit) or folder")
    source.add_store_argument(parser)
    parser.set_defaults(func=main)


def _fit(sessions: Iterator[SessionData], out: Path, many: bool) -> str:
    from footfall import export_fit  # garmin-fit-sdk: loaded only for a FIT export

    if not many:
        data = next(sessions)
        return f"{export_fit.write(data, summarise(data), out)}"
    out.mkdir(parents=True, exist_ok=True)
    n = skipped = 0
    for data in sessions:
        try:
            summary = summarise(data)
        except AnalysisError:  # FIT is a running activity: nothing to say without running
            skipped += 1
            continue
        export_fit.write(data, summary, out / f"{data.session_id}.fit")
        n += 1
    return f"{out}: {n} FIT files" + (f" ({skipped} without running skipped)" if skipped else "")


def _export(args: argparse.Namespace, sessions: Iterator[SessionData], many: bool) -> str:
    out = Path(args.out)
    if args.format == "fit":
        return _fit(sessions, out, many)
    if args.format == "csv":
        from footfall import export_csv

        path, rows = export_csv.write(sessions, out)
    else:
        from footfall import export_parquet  # pyarrow: loaded only for a Parquet export

        path, rows = export_parquet.write(sessions, out)
    return f"{path}: {rows} steps"


def main(args: argparse.Namespace) -> int:
    if [args.id is not None, args.all, args.session_file is not None].count(True) != 1:
        raise UsageError("give one of: a session ID, --all, --session-file FILE")
    if args.session_file:
        print(_export(args, iter([source.load_file(args.session_file)]), False))
        return 0
    with source.open_store(args) as store:
        if args.all:
            print(_export(args, source.load_all(store), True))
        else:
            print(_export(args, iter([source.load(store, args.id)]), False))
    return 0
