"""`footfall eval DIR`: score the detector on every recording listed in DIR/truth.csv and print
the tables (the scoring is footfall.evaluate's; its docstring is this command's help)."""

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from footfall import evaluate
from footfall.cli import fail
from footfall.cli.args import add_engine_args
from footfall.errors import os_failure

DESCRIPTION = evaluate.__doc__.split("\n\n", 1)[1] if evaluate.__doc__ else None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score the detector on labelled recordings (DIR/truth.csv)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", type=Path, metavar="DIR")
    add_engine_args(parser)
    parser.add_argument(
        "--group", choices=evaluate.GROUPS, action="append", help="only these groups"
    )
    parser.add_argument("--csv", type=Path, metavar="OUT", help="write the tables as CSV")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the tables as JSON")
    parser.add_argument(
        "--per-recording", action="store_true", help="also print one line per recording"
    )
    parser.add_argument(
        "--errors",
        type=Path,
        metavar="OUT",
        help="write each missed, extra and mistimed step as CSV and print where they lie",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    rows = evaluate.read_truth(args.dir)
    rows = [r for r in rows if not args.group or evaluate.group_of(r) in args.group]
    scores, disagreements, errors = evaluate.evaluate(
        args.dir, rows, args.rate, args.engine, max(1, args.jobs)
    )
    status = max((fail(exc) for exc in errors), default=0)
    groups = [evaluate.summarise(g, [s for s in scores if s.group == g]) for g in evaluate.GROUPS]
    groups = [g for g in groups if g.recordings]
    if args.per_recording:
        print(evaluate.format_recordings(scores))
        print()
    print(evaluate.format_groups(groups, args.rate, args.engine))
    if args.errors:
        print()
        print(evaluate.format_disagreements(groups, disagreements))
    payload = {
        "rate_hz": args.rate,
        "engine": args.engine,
        "groups": [asdict(g) for g in groups],
        "recordings": [asdict(s) for s in scores],
    }
    outputs = [
        (args.errors, lambda path: evaluate.write_disagreements(path, disagreements)),
        (args.csv, lambda path: evaluate.write_csv(path, groups, scores)),
        (args.json, lambda path: path.write_text(json.dumps(payload, indent=1) + "\n")),
    ]
    for path, write in outputs:
        if path is None:
            continue
        try:
            write(path)
        except OSError as exc:  # the table is printed already; say which file failed
            status = max(status, fail(os_failure(path, exc)))
    return status
