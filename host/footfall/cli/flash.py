"""`footfall flash --port PORT --board NAME`: put the firmware on a board with mpremote (the
steps are footfall.flash's; --dry-run prints them instead)."""

import argparse
import shlex
import tempfile
from pathlib import Path

from footfall import flash


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "flash",
        help="precompile and copy the firmware to a board with mpremote",
        description="Precompile with mpy-cross, copy with mpremote, set the clock, check.",
        epilog="The board must run MicroPython 1.23 or later (1.29 recommended): "
        "m5stickc_plus2 ESP32_GENERIC variant SPIRAM, xiao_esp32s3_lsm6dso ESP32_GENERIC_S3 "
        "variant SPIRAM_OCT, esp32_lis3dh ESP32_GENERIC. From a new board: docs/flashing.md.",
    )
    parser.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyACM0")
    parser.add_argument("--board", required=True, choices=flash.known_boards(), help="the board")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    parser.add_argument(
        "--no-ble", action="store_true", help="skip installing aioble (offline; BLE stays off)"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="footfall-flash-") as tmp:
        stage = Path(tmp)
        cmds = flash.flash(
            args.port, args.board, flash.run_command, stage, args.dry_run, not args.no_ble
        )
    if args.dry_run:
        for cmd in cmds:
            print(shlex.join(cmd))
    else:
        print(f"footfall {flash.package_json()['version']} on {args.board} at {args.port}")
    return 0
