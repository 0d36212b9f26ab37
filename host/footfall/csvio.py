"""Read `t_ms,ax,ay,az` recordings into integer numpy arrays, with line-numbered errors.

The header must name the columns `t_ms`, `ax`, `ay` and `az` (any order; other columns are
allowed and ignored). Values are integer milliseconds and milli-g; decimals are accepted and
rounded to the nearest integer. Timing may be irregular; equal timestamps are allowed (the
resampler merges them) but time must never go backwards. Blank lines are skipped.

Lines end in `\\n`, `\\r\\n` or `\\r` (as in Python's text files), and an error's line number
counts those ends, so it is the line an editor shows. A value is a number as numpy's CSV
reader takes it; an acceleration beyond the int16 range the core takes (+/-32767 mg, twice
any accelerometer's range) is clamped to that range's own end, and `t_ms` must lie within
+/-2**53 (the largest integer a float holds exactly). The file must be text: a NUL byte, or
a line over MAX_LINE_BYTES, is an error found while reading, so a 2 GB binary file costs
one chunk, not 2 GB.

Good files take numpy's fast path; only a file that fails it is searched (by halves) for
its first bad line, with the same reader, so every error names the exact file and line.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from footfall.errors import InputError, quote

COLUMNS = ("t_ms", "ax", "ay", "az")
ACC_MIN_MG, ACC_MAX_MG = -32768, 32767
MAX_T_MS = 2**53
CHUNK_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 16
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Recording:
    """One recording: sample times in ms and x, y, z acceleration in milli-g."""

    file: str
    t_ms: np.ndarray  # int64, shape (n,), never decreasing
    acc_mg: np.ndarray  # int64, shape (n, 3): x, y, z

    @property
    def duration_ms(self) -> int:
        return int(self.t_ms[-1] - self.t_ms[0])


def read_recording(path: str | Path, name: str | None = None) -> Recording:
    """Read one CSV recording; raise InputError naming `name` (default: path) and the line."""
    name = str(path) if name is None else name
    raw = read_text_bytes(path, name)
    return parse_recording(raw.decode("utf-8-sig", errors="replace"), name)


def read_text_lines(path: str | Path, name: str) -> list[str]:
    """The lines of a UTF-8 text file (line ends as for recordings); InputError for what
    read_text_bytes refuses and for bytes that are not UTF-8, at their line."""
    raw = read_text_bytes(path, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(_split_bytes(raw[: exc.start]))
        raise InputError(name, line, "not UTF-8 text") from None
    lines = _split_text(text)
    return lines[:-1] if lines[-1] == "" else lines


def read_text_bytes(path: str | Path, name: str) -> bytes:
    """The bytes of a text file, read a chunk at a time; InputError at the first NUL byte or
    overlong line (before reading on), or for a UTF-16 file."""
    try:
        with open(path, "rb") as f:
            return b"".join(_checked_chunks(iter(lambda: f.read(CHUNK_BYTES), b""), name))
    except OSError as exc:
        raise InputError(name, None, f"cannot read: {exc.strerror or exc}") from exc


def _checked_chunks(chunks: Iterator[bytes], name: str) -> Iterator[bytes]:
    """Yield the chunks unchanged, counting line ends; InputError as soon as one holds a NUL
    byte or a line runs past MAX_LINE_BYTES."""
    ends = 0  # line ends before `carry`
    carry = b""  # the current, unfinished line (and a held-back \r)
    first = True
    for chunk in chunks:
        if first and chunk.startswith(UTF16_BOMS):
            raise InputError(name, 1, "UTF-16 text: save the file as UTF-8")
        first = False
        ends, carry = _check_lines(carry + chunk, ends, name, final=False)
        yield chunk
    _check_lines(carry, ends, name, final=True)


def _check_lines(buf: bytes, ends: int, name: str, final: bool) -> tuple[int, bytes]:
    """Check the complete lines of `buf` (all of it when final); (ends, unfinished rest)."""
    held = b"\r" if buf.endswith(b"\r") and not final else b""  # may be half of \r\n
    parts = _split_bytes(buf[: len(buf) - len(held)])
    if b"\0" in buf or max(map(len, parts)) > MAX_LINE_BYTES:
        for i, line in enumerate(parts):
            if b"\0" in line:
                raise InputError(name, ends + i + 1, "NUL byte: binary data, not CSV text")
            if len(line) > MAX_LINE_BYTES:
                raise InputError(name, ends + i + 1, f"line longer than {MAX_LINE_BYTES} bytes")
    if final:
        return ends + len(parts), b""
    return ends + len(parts) - 1, parts[-1] + held


def _split_bytes(raw: bytes) -> list[bytes]:
    """Lines split at \r\n, \r or \n; the last item is what follows the last line end."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")


def _split_text(text: str) -> list[str]:
    """_split_bytes for decoded text (UTF-8 never puts \r or \n inside a character)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_recording(text: str, name: str) -> Recording:
    """Parse the text of a recording (see the module docstring for the rules)."""
    lines = _split_text(text)
    if lines[-1] == "":  # the end of the last line, not a line of its own
        lines.pop()
    if not any(line.strip() for line in lines):
        raise InputError(name, 1, "empty file (expected a header t_ms,ax,ay,az)")
    header = [field.strip() for field in lines[0].split(",")]
    missing = [col for col in COLUMNS if col not in header]
    if missing:
        raise InputError(
            name, 1, f"missing column(s) {', '.join(missing)} (header is {quote(lines[0])})"
        )
    cols = [header.index(col) for col in COLUMNS]
    line_nos = [i + 1 for i in range(1, len(lines)) if lines[i].strip()]
    if not line_nos:
        raise InputError(name, 1, "no samples after the header")
    rows = [lines[n - 1] for n in line_nos]
    _check_field_counts(rows, line_nos, len(header), name)
    values = _parse_values(rows, line_nos, cols, name)
    t_ms = np.rint(values[:, 0]).astype(np.int64)
    acc = np.rint(np.clip(values[:, 1:4], ACC_MIN_MG, ACC_MAX_MG)).astype(np.int64)
    back = np.flatnonzero(np.diff(t_ms) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise InputError(
            name, line_nos[i], f"time goes backwards: t_ms {t_ms[i]} after {t_ms[i - 1]}"
        )
    return Recording(name, t_ms, acc)


def _check_field_counts(rows: list[str], line_nos: list[int], n_fields: int, name: str) -> None:
    want = n_fields - 1
    for row, line_no in zip(rows, line_nos, strict=True):
        if row.count(",") != want:
            found = row.count(",") + 1
            raise InputError(name, line_no, f"expected {n_fields} fields, found {found}")


def _load(rows: list[str], cols: list[int]) -> np.ndarray:
    """numpy's CSV reader over rows: every row a row of the result (no comment character)."""
    return np.loadtxt(rows, delimiter=",", usecols=cols, dtype=np.float64, ndmin=2, comments=None)


def _parse_values(rows: list[str], line_nos: list[int], cols: list[int], name: str) -> np.ndarray:
    try:
        values = _load(rows, cols)
    except ValueError:
        i = _first_unreadable(rows, cols)
        _explain(rows[i], line_nos[i], cols, name)
        raise InputError(name, line_nos[i], f"unreadable numbers in {quote(rows[i])}") from None
    if len(values) != len(rows):  # the reader skipped a row: line numbers would be wrong
        raise InputError(name, None, f"{len(rows)} rows read as {len(values)}")
    bad = ~np.isfinite(values)
    bad[:, 0] |= np.abs(values[:, 0]) > MAX_T_MS
    if bad.any():
        i, j = (int(k) for k in np.argwhere(bad)[0])
        text = rows[i].split(",")[cols[j]].strip()
        what = "out of range" if j == 0 and np.isfinite(values[i, 0]) else "not a finite number"
        raise InputError(name, line_nos[i], f"{COLUMNS[j]} {quote(text)} is {what}")
    return values


def _first_unreadable(rows: list[str], cols: list[int]) -> int:
    """Index of the first row numpy's reader refuses (rows as a whole are refused): halve
    the rows until one is left, reading each row at most twice over."""
    lo, hi = 0, len(rows)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            _load(rows[lo:mid], cols)
        except ValueError:
            hi = mid
        else:
            lo = mid
    return lo


def _explain(row: str, line_no: int, cols: list[int], name: str) -> None:
    """Raise InputError naming the column of the first field of `row` the reader refuses."""
    fields = row.split(",")
    for col_name, col in zip(COLUMNS, cols, strict=True):
        text = fields[col].strip()
        if not text:
            raise InputError(name, line_no, f"empty value in column {col_name}")
        try:
            _load([text], [0])
        except ValueError:
            raise InputError(
                name, line_no, f"non-numeric value {quote(text)} in column {col_name}"
            ) from None
