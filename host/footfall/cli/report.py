"""`footfall report ID --out FILE.html|FILE.png|- [--format html|png] [--json] [--store PATH]`.

One session's report: for the runner, a title in local time, a plain paragraph and the
cadence figure; below, the analyst's figures (footfall.report). `--format` says png or
html (it wins over the suffix; without it the suffix says which); `--out -` writes the
report to stdout and needs --format. `footfall report --session-file FILE.ffs --out ...`
reports straight from a session file (as `make demo` does with the virtual board's).
Prints the path written (nothing for `--out -`); with --json, one object: id, format, out.
Errors are one line, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from footfall import source
from footfall.analysis import summarise
from footfall.cli.args import add_store_argument
from footfall.cli.show import text
from footfall.errors import UsageError

STDOUT = "-"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="one session's report as a PNG or a self-contained HTML file",
        description="Report one session: a runner's summary and cadence figure, then impact "
        "and how it relates to cadence.",
    )
    parser.add_argument(
        "id", metavar="ID", nargs="?", help="session id, a unique prefix of one, or latest"
    )
    parser.add_argument("--session-file", metavar="FILE", help="report this session file instead")
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="FILE.png, FILE.html or - (stdout)"
    )
    parser.add_argument(
        "--format", choices=("html", "png"), help="html or png (default: --out's suffix)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_argument(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if (args.id is None) == (args.session_file is None):
        raise UsageError("give a session ID or --session-file FILE (one of them)")
    if args.out == STDOUT and args.format is None:
        raise UsageError("--out - needs --format html or png (there is no suffix to go by)")
    if args.out == STDOUT and args.json:
        raise UsageError("--json and --out - both write to stdout: give --out a file")
    if args.session_file:
        data = source.load_file(args.session_file)
    else:
        with source.open_store(args.store) as store:
            data = source.load(store, args.id)
    summary = summarise(data)
    from footfall import report  # matplotlib: loaded only when a report is drawn

    if args.out == STDOUT:
        sys.stdout.buffer.write(report.render(data, summary, text(summary), args.format))
        sys.stdout.buffer.flush()
        return 0
    path = report.write(data, summary, text(summary), args.out, args.format)
    if args.json:
        done = {"id": data.session_id, "format": report.report_format(path, args.format)}
        print(json.dumps({**done, "out": str(path)}, separators=(",", ":")))
    else:
        print(path)
    return 0
