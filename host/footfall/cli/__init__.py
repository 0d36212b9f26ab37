# PYTHON_ARGCOMPLETE_OK
"""The `footfall` command line: one subcommand table, each command in its own module.

Errors are handled here once: a footfall error (footfall.errors) is one line on stderr,
`footfall: <message>`, and its class's exit status (EXIT_STATUS); Ctrl-C is 130. Anything
else is a bug and keeps its traceback. A command that takes several files reports each
bad one with `fail()`, goes on with the rest, and exits with the highest status it met.
"""

import argparse
import importlib
import logging
import os
import sys

import argcomplete

from footfall import __version__
from footfall.errors import (
    AnalysisError,
    DeviceError,
    EngineError,
    FootfallError,
    FrameError,
    InputError,
    MissingExtra,
    NoSuchSession,
    OutputError,
    RecordError,
    ResourceError,
    StoreAccessError,
    StoreError,
    TransportError,
    UsageError,
)

# Each class's exit status; a subclass takes its nearest listed ancestor's.
EXIT_STATUS: dict[type[FootfallError], int] = {
    InputError: 2,  # a bad input file
    UsageError: 2,  # options that cannot be used as given
    RecordError: 2,  # a session file that does not decode
    StoreError: 2,  # a store or stored row that is not what it should be
    NoSuchSession: 2,
    AnalysisError: 2,  # nothing to analyse
    OutputError: 2,  # an output path or format that cannot be written
    EngineError: 1,  # the unix port or a tool it runs failed
    DeviceError: 1,  # the device answered with an error
    FrameError: 1,  # the link carried what the protocol does not allow
    TransportError: 1,  # the link could not be opened, dropped or went silent
    ResourceError: 1,  # a locked store, a full disk
    MissingExtra: 1,  # an optional dependency, named with its pip extra
    StoreAccessError: 1,  # the same, met by the store (it is also a StoreError)
    FootfallError: 1,
}
INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
MESSAGE_CHARS = 400  # the longest error line printed

# Each module exposes register(subparsers); register() sets `func` on its parser, and
# func(args) returns the exit status.
COMMANDS = (
    "footfall.cli.detect",
    "footfall.cli.evaluate",
    "footfall.cli.sim",
    "footfall.cli.flash",
    "footfall.cli.inspect",
    "footfall.cli.demo",
    "footfall.cli.devices",
    "footfall.cli.sync",
    "footfall.cli.config",
    "footfall.cli.live",
    "footfall.cli.sessions",
    "footfall.cli.show",
    "footfall.cli.report",
    "footfall.cli.trends",
    "footfall.cli.export",
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


def exit_status(exc: FootfallError) -> int:
    """The exit status of an error's class (EXIT_STATUS, by its nearest listed ancestor)."""
    for cls in type(exc).__mro__:
        if cls in EXIT_STATUS:
            return EXIT_STATUS[cls]
    return 1


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    """Text as one printable line: whitespace runs become one space, other control
    characters are escaped, and it is cut to `limit` characters."""
    flat = " ".join(text.split())
    flat = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in flat)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def fail(exc: FootfallError) -> int:
    """Print `footfall: <one line>` on stderr; return the error's exit status."""
    print(f"footfall: {one_line(str(exc)) or type(exc).__name__}", file=sys.stderr)
    return exit_status(exc)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    # completes the shell's line and exits when the shell asks (_ARGCOMPLETE set);
    # otherwise returns at once
    argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="footfall: %(levelname)s: %(message)s",
    )
    try:
        return args.func(args)
    except FootfallError as exc:
        return fail(exc)
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`footfall detect ... | head`): say nothing, and keep the
        # interpreter's final flush from failing on the closed pipe too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
