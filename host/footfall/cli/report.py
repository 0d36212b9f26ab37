"""`footfall report ID --out FILE.html|FILE.png [--store PATH]`: one session's figures.

`footfall report --session-file FILE.ffs --out ...` reports straight from a session file
(as `make demo` does with the virtual board's). Prints the path written. Errors are one
line, exit status 2.
"""

from __future__ import annotations

import argparse

from footfall import source
from footfall.analysis import summarise
from footfall.cli.show import text
from footfall.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="one session's figures as a PNG or a self-contained HTML file",
        description="Plot one session: cadence with target and cues, impact, and how they relate.",
    )
    parser.add_argument(
        "id", metavar="ID", nargs="?", help="session id, a unique prefix of one, or latest"
    )
    parser.add_argument("--session-file", metavar="FILE", help="report this session file instead")
    parser.add_argument("--out", required=True, metavar="FILE", help="FILE.png or FILE.html")
    source.add_store_argument(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if (args.id is None) == (args.session_file is None):
        raise UsageError("give a session ID or --session-file FILE (one of them)")
    if args.session_file:
        data = source.load_file(args.session_file)
    else:
        with source.open_store(args) as store:
            data = source.load(store, args.id)
    summary = summarise(data)
    from footfall import report  # matplotlib: loaded only when a report is drawn

    path = report.write(data, summary, text(summary), args.out)
    print(path)
    return 0
