"""The host's error tree: every footfall error is a FootfallError and also a builtin error."""


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


class StoreAccessError(StoreError, OSError):
    """The store could not be used, though nothing is wrong with it: locked by another
    process, a full or read-only disk, no permission. Trying again later may work."""


class NoSuchSession(StoreError, LookupError):
    """No session with that id in the store."""


class AnalysisError(FootfallError, ValueError):
    """A session or store that holds nothing to analyse (e.g. no running, an empty store)."""


class OutputError(FootfallError, ValueError):
    """A report or export that cannot be written (unknown format, unwritable path)."""
