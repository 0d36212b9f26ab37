"""Read `t_ms,ax,ay,az` recordings into integer numpy arrays, with line-numbered errors.

The header must name the columns `t_ms`, `ax`, `ay` and `az` (any order; other columns are
allowed and ignored). Values are integer milliseconds and milli-g; decimals are accepted and
rounded to the nearest integer. Timing may be irregular; equal timestamps are allowed (the
resampler merges them) but time must never go backwards. Blank lines are skipped.

Good files take numpy's fast path; only a file that fails it is scanned line by line, so
every error names the exact file and line.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from footfall.errors import InputError

COLUMNS = ("t_ms", "ax", "ay", "az")


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
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, None, f"cannot read: {exc.strerror or exc}") from exc
    return parse_recording(raw.decode("utf-8-sig", errors="replace"), name)


def parse_recording(text: str, name: str) -> Recording:
    """Parse the text of a recording (see the module docstring for the rules)."""
    lines = text.splitlines()
    if not lines or not any(line.strip() for line in lines):
        raise InputError(name, 1, "empty file (expected a header t_ms,ax,ay,az)")
    header = [field.strip() for field in lines[0].split(",")]
    missing = [col for col in COLUMNS if col not in header]
    if missing:
        raise InputError(
            name, 1, f"missing column(s) {', '.join(missing)} (header is {lines[0].strip()!r})"
        )
    cols = [header.index(col) for col in COLUMNS]
    line_nos = [i + 1 for i in range(1, len(lines)) if lines[i].strip()]
    if not line_nos:
        raise InputError(name, 1, "no samples after the header")
    rows = [lines[n - 1] for n in line_nos]
    _check_field_counts(rows, line_nos, len(header), name)
    values = _parse_values(rows, line_nos, cols, name)
    ints = np.rint(values).astype(np.int64)
    t_ms = ints[:, 0]
    back = np.flatnonzero(np.diff(t_ms) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise InputError(
            name, line_nos[i], f"time goes backwards: t_ms {t_ms[i]} after {t_ms[i - 1]}"
        )
    return Recording(name, t_ms, ints[:, 1:4])


def _check_field_counts(rows: list[str], line_nos: list[int], n_fields: int, name: str) -> None:
    want = n_fields - 1
    for row, line_no in zip(rows, line_nos, strict=True):
        if row.count(",") != want:
            found = row.count(",") + 1
            raise InputError(name, line_no, f"expected {n_fields} fields, found {found}")


def _parse_values(rows: list[str], line_nos: list[int], cols: list[int], name: str) -> np.ndarray:
    try:
        values = np.loadtxt(rows, delimiter=",", usecols=cols, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        _scan_for_bad_value(rows, line_nos, cols, name)
        raise InputError(name, line_nos[0], f"unreadable numbers: {exc}") from exc
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if bad.size:
        i = int(bad[0])
        _scan_for_bad_value(rows[i : i + 1], line_nos[i : i + 1], cols, name)
    return values


def _scan_for_bad_value(rows: list[str], line_nos: list[int], cols: list[int], name: str) -> None:
    """Raise InputError at the first row holding a value that is not a finite number."""
    for row, line_no in zip(rows, line_nos, strict=True):
        fields = row.split(",")
        for col_name, col in zip(COLUMNS, cols, strict=True):
            text = fields[col].strip()
            try:
                ok = np.isfinite(float(text))
            except ValueError:
                ok = False
            if not ok:
                what = "empty value" if not text else f"non-numeric value {text!r}"
                raise InputError(name, line_no, f"{what} in column {col_name}")
