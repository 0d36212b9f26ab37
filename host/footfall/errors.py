"""The host's error tree: every footfall error is a FootfallError and also a builtin error.

`footfall.cli.EXIT_STATUS` gives each class its exit status: 2 for a bad file or argument
(the user can fix the input), 1 for a device, link, store or engine failure (the input was
fine; something it needed failed). Messages are one line; `quote()` caps the input they quote.
"""

import errno

QUOTE_CHARS = 80  # at most this much of a bad value or line goes into a message


def quote(text: str | bytes, limit: int = QUOTE_CHARS) -> str:
    """repr() of a piece of input for a message, cut to `limit` characters with '...'."""
    cut = text[:limit]
    return repr(cut) + ("..." if len(text) > limit else "")


class FootfallError(Exception):
    """Base of every error the footfall host tools raise on purpose."""


class InputError(FootfallError, ValueError):
    """A bad input file; `str()` is one line naming the file and line: `data.csv:17: ...`."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line is not None else f"{file}: {message}")
        self.file = file
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type, tuple[str, int | None, str]]:
        # picklable with its fields, so it crosses a process pool intact
        return (type(self), (self.file, self.line, self.message))


class UsageError(FootfallError, ValueError):
    """Command-line options that cannot be used as given (a value out of range, options that
    do not combine, an --out that is not a folder)."""


class EngineError(FootfallError, RuntimeError):
    """The core could not be run (e.g. the `micropython` binary is missing or failed)."""


class RecordError(FootfallError, ValueError):
    """A session file or record that does not decode (e.g. a corrupt header)."""


class FrameError(FootfallError, ValueError):
    """A sync frame or payload that is malformed or not the reply that was expected."""


class DeviceError(FootfallError, RuntimeError):
    """The device answered a sync request with an ERROR frame (`code`, `reason`)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"device error {code}: {reason}")
        self.code = code
        self.reason = reason


class TransportError(FootfallError, ConnectionError):
    """A sync link could not be opened, dropped, or stopped answering."""


class StoreError(FootfallError, ValueError):
    """The analyst's session store refused or could not read something (corrupt row, bad
    session file, a file that is not a footfall store)."""


class ResourceError(FootfallError, OSError):
    """Something footfall needed failed though nothing given was wrong: the store is locked
    by another process, a disk is full or cannot be written."""


class StoreAccessError(StoreError, ResourceError):
    """The store could not be used, though nothing is wrong with it: locked by another
    process, a full or read-only disk, no permission. Trying again later may work."""


class NoSuchSession(StoreError, LookupError):
    """No session with that id in the store."""


class AnalysisError(FootfallError, ValueError):
    """A session or store that holds nothing to analyse (e.g. no running, an empty store)."""


class OutputError(FootfallError, ValueError):
    """A report or export that cannot be written (unknown format, unwritable path)."""


class MissingExtra(FootfallError, ImportError):
    """An optional dependency is not installed; the message names the pip extra with it."""


# errno values that mean the machine, not the path given, is at fault: a full disk or quota,
# an I/O error, no memory
RESOURCE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.ENOMEM}


def os_failure(path: object, exc: OSError, verb: str = "cannot write") -> FootfallError:
    """The footfall error for an OSError at `path`: ResourceError for a full disk or an I/O
    error, else OutputError (a path that cannot be written: fix the argument)."""
    text = f"{path}: {verb}: {exc.strerror or exc}"
    return ResourceError(text) if exc.errno in RESOURCE_ERRNOS else OutputError(text)
