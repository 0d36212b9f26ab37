"""`footfall detect`: run the step core over CSV recordings and report steps and cadence.

With --json, one object per file per line (a contract other tools rely on):
  file (as given), steps, step_times_ms (file's own t_ms base), peak_impact_mg (one per step),
  cadence_spm ([t_ms, spm] once per second), engine, rate_hz, placement, duration_s.
Bad files get a one-line `footfall: FILE:LINE: ...` error on stderr and the other files are
still processed; the exit status is the highest of the files' (2 for a bad file, 1 when the
engine failed).
"""

import argparse
import json
import sys

from footfall_core.header import PLACEMENTS

from footfall import detect
from footfall.cli import fail
from footfall.cli.args import add_engine_args
from footfall.csvio import read_recording
from footfall.errors import FootfallError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="count steps and cadence in t_ms,ax,ay,az CSV recordings",
        description="Resample each recording to the detector's rate and run the step core.",
    )
    parser.add_argument("--placement", choices=PLACEMENTS, default="waist")
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per file per line")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        try:
            rec = read_recording(name)
            result = detect.detect_recording(rec, args.rate, args.placement, args.engine)
        except FootfallError as exc:
            status = max(status, fail(exc))
            continue
        if args.json:
            print(json.dumps(result.to_json(), separators=(",", ":")))
        else:
            print(detect.summary(result))
        sys.stdout.flush()
    return status
