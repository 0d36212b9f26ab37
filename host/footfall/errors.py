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
