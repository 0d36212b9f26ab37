"""`footfall config --device URL [--target SPM] ...`: read the runner's settings, or change them.

Without changes: GET_CONFIG and print it. With changes: one SET_CONFIG of just those
fields; the device validates them and prints the whole new config, or refuses with its
reason, which is printed as a one-line error with exit 2. Values the firmware's own rules
(footfall_fw/config.py, in the firmware tree footfall ships) refuse are refused here
first, before any device is opened, with the same message; so are changes longer than one
frame's payload (frames.MAX_PAYLOAD bytes of JSON).

`--device file:DIR` works on a flash folder instead (DIR/config.json, as the device keeps
it; footfall.transport.flash_config): the same rules, the same output, the change written
atomically; what the device would report about a corrupt file goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from footfall_core import frames
from footfall_core import protocol as P

from footfall.cli.args import positive_seconds
from footfall.errors import DeviceError, UsageError
from footfall.paths import firmware_config
from footfall.settings import OPTION_FIELDS
from footfall.transport import FileSource, flash_config, open_transport
from footfall.transport.link import FrameLink, decode

FIELDS = OPTION_FIELDS  # option dest -> config field


def changes_from(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields the options ask to change (--set NAME=VALUE: VALUE as JSON)."""
    out: dict[str, Any] = {}
    for dest, name in FIELDS.items():
        value = getattr(args, dest)
        if value is not None:
            out[name] = value == "on" if dest == "auto_target" else value
    if args.target is not None and args.auto_target is None:
        out["auto_target"] = False  # a fixed target replaces the learned one
    for item in args.set or []:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--set {item!r}: use NAME=VALUE, e.g. --set stop_s=90")
        try:
            out[name] = json.loads(text)
        except ValueError:
            out[name] = text  # a bare word: a string field such as placement
    return out


def check_changes(changes: dict[str, Any]) -> None:
    """ValueError, with the firmware's message, for a value its rules refuse (fields it does
    not know are left for the device, which may be newer)."""
    rules = firmware_config()
    if rules is None:
        return
    for name, value in changes.items():
        if name in rules.FIELDS:
            rules.check(name, value)


def request_body(changes: dict[str, Any]) -> bytes:
    """The SET_CONFIG payload; ValueError when it is over what one frame carries."""
    body = json.dumps(changes, separators=(",", ":")).encode()
    if len(body) > frames.MAX_PAYLOAD:
        raise ValueError(
            f"the changes are {len(body)} bytes as JSON and one request carries at most "
            f"{frames.MAX_PAYLOAD}: change fewer or shorter fields at a time"
        )
    return body


async def exchange(link: FrameLink, changes: dict[str, Any], timeout_s: float) -> dict:
    """GET_CONFIG, or SET_CONFIG with `changes`; the device's config as a dict."""
    if not changes:
        frame = await link.request(P.GET_CONFIG, timeout_s=timeout_s)
    else:
        frame = await link.request(P.SET_CONFIG, request_body(changes), timeout_s=timeout_s)
    return decode(P.decode_config, frame)


async def run(
    url: str, changes: dict[str, Any], reply_timeout_s: float = 10.0, **options: Any
) -> dict[str, Any]:
    """Open `url` (options go to open_transport), read or change the config, close."""
    transport = await open_transport(url, **options)
    if isinstance(transport, FileSource):
        return in_folder(transport.path, changes)
    try:
        return await exchange(transport.link, changes, reply_timeout_s)
    finally:
        await transport.close()


def in_folder(folder: Path, changes: dict[str, Any]) -> dict[str, Any]:
    """The flash folder's config, changed when `changes` asks; a corrupt file's problems (what
    the device would log at boot) on stderr."""
    if changes:
        try:
            return flash_config.change(folder, changes)
        except ValueError as e:  # the firmware's rules on the merged config
            raise UsageError(str(e)) from None
    cfg, problems = flash_config.read(folder)
    for problem in problems:
        print(f"footfall: {problem}", file=sys.stderr)
    return cfg


def add_coach_options(parser: argparse.ArgumentParser) -> None:
    """--coach, --repeat-s, --beat-steps, --beat-out, --impact-limit-mg, --impact-drop-pct,
    --programme: checked by the firmware's rules."""
    parser.add_argument(
        "--coach", metavar="MODE", help="cues, metronome, metronome-when-slow or impact"
    )
    parser.add_argument(
        "--repeat-s", type=int, metavar="S", help="cue again this often while slow (0: once)"
    )
    parser.add_argument(
        "--beat-steps", type=int, metavar="N", help="metronome: a beat every 1 or 2 steps"
    )
    parser.add_argument("--beat-out", metavar="OUT", help="metronome on: both, buzzer, motor")
    parser.add_argument(
        "--impact-limit-mg", type=int, metavar="MG", help="impact: cue above (0: own baseline)"
    )
    parser.add_argument(
        "--impact-drop-pct", type=int, metavar="PCT", help="impact: limit this far below baseline"
    )
    parser.add_argument(
        "--programme", metavar="NAME", help="off, fade, progressive or fade-progressive"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help="show or change the sensor's settings (target cadence, placement, ...)",
        description="Show the sensor's settings; with options, change them on the device.",
    )
    parser.add_argument(
        "--device",
        metavar="URL",
        required=True,
        help="serial:PORT, ble:NAME or file:DIR (flash folder)",
    )
    parser.add_argument(
        "--target", type=int, metavar="SPM", help="fixed target cadence, steps/min (auto off)"
    )
    parser.add_argument("--tolerance", type=int, metavar="SPM", help="cue below target - this")
    parser.add_argument("--placement", metavar="WHERE", help="waist or shoe")
    parser.add_argument("--auto-target", choices=("on", "off"), help="target from own baseline")
    parser.add_argument("--below", type=int, metavar="S", help="seconds below before a cue")
    parser.add_argument("--rate", type=int, metavar="HZ", help="accelerometer rate")
    add_coach_options(parser)
    parser.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="any config field (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print the config as JSON")
    parser.add_argument("--timeout", type=positive_seconds, default=10.0, metavar="S")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        changes = changes_from(args)
        check_changes(changes)
        request_body(changes)  # refused here, before any device is opened, when too long
    except ValueError as e:  # the firmware's rules raise plain ValueError
        raise UsageError(str(e)) from None
    options = {"timeout_s": args.timeout} if args.device.startswith("ble:") else {}
    try:
        cfg = asyncio.run(run(args.device, changes, args.timeout, **options))  # ble: also scans
    except DeviceError as e:  # a value the device's rules refuse: the argument was bad
        raise UsageError(f"the device refused: {e.reason}") from None
    if args.json:
        print(json.dumps(cfg, sort_keys=True))
    else:
        width = max((len(k) for k in cfg), default=0)
        for name in sorted(cfg):
            print(f"{name:<{width}}  {json.dumps(cfg[name])}")
    return 0
