"""The `footfall` command line: one subcommand table, each command in its own module."""

import argparse
import importlib
import logging
import sys

from footfall import __version__

# Each module exposes register(subparsers); register() sets `func` on its parser, and
# func(args) returns the exit status.
COMMANDS = (
    "footfall.detect",
    "footfall.evaluate",
    "footfall.sim",
    "footfall.flash",
    "footfall.inspect_cmd",
    "footfall.demo",
    "footfall.devices_cmd",
    "footfall.sync_cmd",
    "footfall.config_cmd",
    "footfall.live_cmd",
    "footfall.sessions_cmd",
    "footfall.show_cmd",
    "footfall.report_cmd",
    "footfall.trends_cmd",
    "footfall.export_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footfall", description="Cadence coaching sensor: detect, evaluate, sync, analyse."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics")
    parser.add_argument("--version", action="version", version=f"footfall {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="footfall: %(levelname)s: %(message)s",
    )
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
