"""Arguments the commands share: types (argparse turns their errors into exit status 2),
--rate/--engine, --store, and the rules of an --out that may be `-` (stdout)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

from footfall import engine
from footfall.detect import MAX_RATE_HZ, MIN_RATE_HZ
from footfall.errors import UsageError
from footfall.store import default_path


def positive_seconds(text: str) -> float:
    """A time limit in seconds: a finite number above 0 (0, nan or inf would make every
    wait fail at once or never end)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def rate_hz_arg(text: str) -> int:
    """argparse type for --rate: an integer from 25 to 400."""
    try:
        rate = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise argparse.ArgumentTypeError(f"{rate} Hz is outside {MIN_RATE_HZ}-{MAX_RATE_HZ} Hz")
    return rate


def add_engine_args(parser: argparse.ArgumentParser) -> None:
    """--rate and --engine, shared with `footfall eval`."""
    parser.add_argument(
        "--rate", type=rate_hz_arg, default=100, metavar="HZ", help="detector rate (25-400)"
    )
    parser.add_argument(
        "--engine", choices=engine.ENGINES, default="cpython", help="interpreter running the core"
    )


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """--store PATH, the same on every command that reads or writes the store."""
    parser.add_argument(
        "--store", metavar="PATH", help=f"the session store (default: {default_path()})"
    )


STDOUT = "-"  # --out -: write to standard output
FIGURE_FORMATS = ("html", "png")


def add_figure_format(parser: argparse.ArgumentParser) -> None:
    """--format for a drawn --out (report, trends): it wins over the file's suffix."""
    parser.add_argument(
        "--format", choices=FIGURE_FORMATS, help="html or png (default: --out's suffix)"
    )


def check_stdout(
    out: str | None, as_json: bool, fmt: str | None = None, drawn: bool = False
) -> None:
    """UsageError for an --out - that cannot be: a drawing with no --format to go by, or
    --json, which wants stdout too."""
    if out == STDOUT and drawn and fmt is None:
        raise UsageError("--out - needs --format html or png (there is no suffix to go by)")
    if out == STDOUT and as_json:
        raise UsageError("--json and --out - both write to stdout: give --out a file")


def emit_figure(
    out: str,
    fmt: str | None,
    as_json: bool,
    render: Callable[[str], bytes],
    write: Callable[[], Path],
    named: dict | None = None,
) -> int:
    """A drawing to stdout (`render(fmt)`), or to its file (`write()`), then the path
    printed, or with --json one object: `named`, format, out."""
    if out == STDOUT:
        assert fmt is not None  # check_stdout made sure
        sys.stdout.buffer.write(render(fmt))
        sys.stdout.buffer.flush()
        return 0
    path = write()
    if as_json:
        from footfall.report import report_format

        done = {**(named or {}), "format": report_format(path, fmt), "out": str(path)}
        print(json.dumps(done, separators=(",", ":")))
    else:
        print(path)
    return 0
