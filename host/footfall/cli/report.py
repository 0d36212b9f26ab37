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

from footfall import source
from footfall.analysis import summarise
from footfall.cli.args import add_figure_format, add_store_argument, check_stdout, emit_figure
from footfall.cli.show import text
from footfall.errors import UsageError


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
    add_figure_format(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_argument(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if (args.id is None) == (args.session_file is None):
        raise UsageError("give a session ID or --session-file FILE (one of them)")
    check_stdout(args.out, args.json, args.format, drawn=True)
    if args.session_file:
        data = source.load_file(args.session_file)
    else:
        with source.open_store(args.store) as store:
            data = source.load(store, args.id)
    summary = summarise(data)
    from footfall import report  # with its figures' code, only when a report is drawn

    return emit_figure(
        args.out,
        args.format,
        args.json,
        lambda fmt: report.render(data, summary, text(summary), fmt),
        lambda: report.write(data, summary, text(summary), args.out, args.format),
        {"id": data.session_id},
    )
