"""`footfall export [ID|--all] --format csv|fit|parquet --out PATH [--store PATH] [--json]`.

- csv: one file; several sessions follow each other (the session_id column tells them apart).
- fit: one session to the file PATH; with --all, PATH is a folder of ID.fit files.
- parquet: PATH is a dataset folder partitioned device=/date=.
`--out -` writes a csv or a single fit to stdout (fit as raw bytes); a folder output
(parquet, fit --all) refuses it. `--session-file FILE` exports a session file instead of
a stored session. Prints what it wrote (nothing for `--out -`); with --json, one object:
format, out, ids (the store ids exported), steps (csv, parquet) or files (fit; and
skipped, without running, for --all).
Errors are one line, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from footfall import source
from footfall.analysis import SessionData, summarise
from footfall.cli.args import STDOUT, add_store_argument, check_stdout
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
    parser.add_argument(
        "--out", required=True, metavar="PATH", help="file (csv, fit; - for stdout) or folder"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_argument(parser)
    parser.set_defaults(func=main)


def _fit(sessions: Iterator[SessionData], out: str, many: bool) -> dict[str, Any]:
    from footfall import export_fit  # garmin-fit-sdk: loaded only for a FIT export

    if not many:
        data = next(sessions)
        if out == STDOUT:
            sys.stdout.buffer.write(export_fit.encode(data, summarise(data)))
            sys.stdout.buffer.flush()
        else:
            out = str(export_fit.write(data, summarise(data), out))
        return {"out": out, "files": 1}
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    n = skipped = 0
    for data in sessions:
        try:
            summary = summarise(data)
        except AnalysisError:  # FIT is a running activity: nothing to say without running
            skipped += 1
            continue
        export_fit.write(data, summary, folder / f"{data.session_id}.fit")
        n += 1
    return {"out": out, "files": n, "skipped": skipped}


def _export(fmt: str, out: str, sessions: Iterator[SessionData], many: bool) -> dict[str, Any]:
    """Write the sessions; what was written, as the --json object."""
    if out == STDOUT and (fmt == "parquet" or (fmt == "fit" and many)):
        raise UsageError(f"--out -: {fmt}{' --all' if many else ''} writes a folder, not stdout")
    ids: list[str] = []

    def noted(it: Iterator[SessionData]) -> Iterator[SessionData]:
        for data in it:
            ids.append(data.session_id)
            yield data

    sessions = noted(sessions)
    if fmt == "fit":
        done = _fit(sessions, out, many)
    elif fmt == "csv":
        from footfall import export_csv

        if out == STDOUT:
            done = {"out": out, "steps": export_csv.write_stream(sessions, sys.stdout)}
            sys.stdout.flush()
        else:
            path, rows = export_csv.write(sessions, out)
            done = {"out": str(path), "steps": rows}
    else:
        from footfall import export_parquet  # pyarrow: loaded only for a Parquet export

        path, rows = export_parquet.write(sessions, out)
        done = {"out": str(path), "steps": rows}
    return {"format": fmt, **done, "ids": ids}


def text(done: dict[str, Any]) -> str:
    if "steps" in done:
        return f"{done['out']}: {done['steps']} steps"
    if "skipped" in done:  # fit --all: a folder
        skipped = done["skipped"]
        extra = f" ({skipped} without running skipped)" if skipped else ""
        return f"{done['out']}: {done['files']} FIT files{extra}"
    return str(done["out"])


def main(args: argparse.Namespace) -> int:
    if [args.id is not None, args.all, args.session_file is not None].count(True) != 1:
        raise UsageError("give one of: a session ID, --all, --session-file FILE")
    check_stdout(args.out, args.json)
    if args.session_file:
        done = _export(args.format, args.out, iter([source.load_file(args.session_file)]), False)
    else:
        with source.open_store(args.store) as store:
            if args.all:
                done = _export(args.format, args.out, source.load_all(store), True)
            else:
                done = _export(args.format, args.out, iter([source.load(store, args.id)]), False)
    if args.json:
        print(json.dumps(done, separators=(",", ":")))
    elif args.out != STDOUT:
        print(text(done))
    return 0
