"""Argument types the commands share (argparse turns their ValueError into exit status 2)."""

from __future__ import annotations

import argparse
import math


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
