"""Arguments the commands share: types (argparse turns their errors into exit status 2),
--rate/--engine and --store."""

from __future__ import annotations

import argparse
import math

from footfall import engine
from footfall.detect import MAX_RATE_HZ, MIN_RATE_HZ
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
