"""Fuzz the CSV reader: any bytes give a recording or an InputError naming the file and the
line a plain line-by-line reading finds first, never another exception.

The reference below reads the way the module docstring says, the slow and obvious way: one
line at a time (Python's universal newlines), one field at a time. The reader under test
reads in chunks, parses all rows at once and searches by halves; both must agree on every
input, at every chunk size.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from footfall import csvio
from footfall.errors import InputError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

NAME = "fuzz.csv"
SMALL_LINE_BYTES = 60  # the line cap the fuzz runs with, so long lines are reached


def reference(raw: bytes, max_line: int) -> tuple[int, str] | tuple[list[int], list[list[int]]]:
    """(line, kind) of the first problem, in the reader's order of checks, or (t, acc)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 1, "UTF-16"
    # latin-1 keeps one character per byte: NULs and lengths as in the file
    lines = io.TextIOWrapper(io.BytesIO(raw), encoding="latin-1", newline=None).readlines()
    lines = [line.rstrip("\n") for line in lines]
    for no, line in enumerate(lines, start=1):
        if "\0" in line:
            return no, "NUL"
        if len(line) > max_line:
            return no, "longer"
    text = [line.encode("latin-1").decode("utf-8", errors="replace") for line in lines]
    if text and text[0].startswith("\ufeff"):
        text[0] = text[0][1:]
    if not any(line.strip() for line in text):
        return 1, "empty"
    header = [f.strip() for f in text[0].split(",")]
    if any(c not in header for c in csvio.COLUMNS):
        return 1, "missing"
    cols = [header.index(c) for c in csvio.COLUMNS]
    rows = [(no, line) for no, line in enumerate(text, start=1) if no > 1 and line.strip()]
    if not rows:
        return 1, "no samples"
    for no, line in rows:
        if len(line.split(",")) != len(header):
            return no, "fields"
    values = []
    for no, line in rows:
        fields = [line.split(",")[c].strip() for c in cols]
        for f in fields:
            if not f:
                return no, "empty value"
            try:
                np.loadtxt([f], delimiter=",", comments=None)
            except ValueError:
                return no, "non-numeric"
        values.append([float(np.loadtxt([f], delimiter=",", comments=None)) for f in fields])
    for (no, _line), v in zip(rows, values, strict=True):
        if not np.isfinite(v).all() or abs(v[0]) > 2**53:
            return no, "finite" if not np.isfinite(v).all() else "out of range"
    t = [int(np.rint(v[0])) for v in values]
    for (no, _line), before, now in zip(rows[1:], t[:-1], t[1:], strict=True):
        if now < before:
            return no, "backwards"
    acc = [[int(np.rint(np.clip(x, -32768, 32767))) for x in v[1:]] for v in values]
    return t, acc


def read(raw: bytes, chunk: int) -> csvio.Recording:
    saved = csvio.CHUNK_BYTES, csvio.MAX_LINE_BYTES
    csvio.CHUNK_BYTES, csvio.MAX_LINE_BYTES = chunk, SMALL_LINE_BYTES
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / NAME
            path.write_bytes(raw)
            return csvio.read_recording(path, NAME)
    finally:
        csvio.CHUNK_BYTES, csvio.MAX_LINE_BYTES = saved


def check(raw: bytes, chunk: int) -> None:
    want = reference(raw, SMALL_LINE_BYTES)
    try:
        rec = read(raw, chunk)
    except InputError as exc:
        assert exc.file == NAME
        assert isinstance(want[0], int), f"refused a good file: {exc}"
        assert exc.line == want[0], f"{exc} (the first problem: line {want[0]}, {want[1]})"
        assert len(str(exc)) < 300
        return
    assert not isinstance(want[0], int), f"accepted a file with a bad line {want}"
    assert rec.t_ms.tolist() == want[0] and rec.acc_mg.tolist() == want[1]


# Pieces that CSV readers and line splitters disagree on.
PIECES = [
    "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", ",", " ", "\t",
    "#", '"', "_", "-", "+", ".", "e", "E", "1", "0", "9", "nan", "inf", "1e300", "-1e300",
    "1e400", "0x1F", "\x00", "\ufeff", "\ufffd", "\u0661", "\uff11", "1_000", "９",
]  # fmt: skip
GOOD = "t_ms,ax,ay,az\n0,10,-20,1000\n10,11,-21,1001\n20,12,-22,1002\n30,13,-23,999\n"


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A good recording with pieces spliced in at random places."""
    text = draw(
        st.sampled_from([GOOD, GOOD.replace("\n", "\r\n"), "ax,t_ms,az,x,ay\n" + "1,0,2,3,4\n"])
    )
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
    return text.encode("utf-8")


CHUNKS = st.sampled_from([1, 2, 3, 7, 64, 1 << 20])


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


FUZZ = fuzz(150)  # the fast path; test_the_sweep below runs many more


@pytest.mark.e2e
@FUZZ
@given(mangled(), CHUNKS)
@example(b"t_ms,ax,ay,az\n0,1,2,3\n10,1\x0c,2,3\n", 1 << 20)  # a form feed ends no line
@example(b"t_ms,ax,ay,az\n#0,1,2,3\n10,1,2,3\n", 1 << 20)  # '#' starts no comment
@example(b"t_ms,ax,ay,az\n0,1,2,3\n10,1,2,3\n5,1_0,2,3\n", 1 << 20)
@example(b"t_ms,ax,ay,az\r\n0,1,2,3\r\n10,1,2,3\r", 2)  # \r\n split across chunks
def test_mangled_recordings_are_read_or_refused_at_the_first_bad_line(raw: bytes, chunk: int):
    check(raw, chunk)


@pytest.mark.e2e
@FUZZ
@given(st.binary(max_size=300), CHUNKS)
def test_any_bytes_are_read_or_refused_at_the_first_bad_line(raw: bytes, chunk: int):
    check(raw, chunk)


@pytest.mark.e2e
@FUZZ
@given(st.binary(max_size=200), CHUNKS)
def test_any_bytes_after_a_good_header_are_read_or_refused_at_the_first_bad_line(
    raw: bytes, chunk: int
):
    check(b"t_ms,ax,ay,az\n" + raw, chunk)


@pytest.mark.e2e
@fuzz(6000)
@given(
    st.one_of(
        mangled(), st.binary(max_size=300), st.binary(max_size=200).map(GOOD.encode().__add__)
    ),
    CHUNKS,
)
def test_the_sweep_of_thousands_of_files_finds_no_disagreement(raw: bytes, chunk: int) -> None:
    check(raw, chunk)


# Each was reported at another line, or for another reason, before: a line splitter that
# also broke lines at form feeds and the like, numpy's '#' comments dropping rows, and a
# second opinion (float()) that took what numpy refused.
@pytest.mark.parametrize(
    "text, line",
    [
        ("t_ms,ax,ay,az\n0,1,2,3\n10,1\x0c,2,3\n20,1,2,3\n20,1,x,3\n", 5),
        ("t_ms,ax,ay,az\n0,1,2,3\n10,1\x1c,2,3\n20,1,x,3\n", 4),
        ("t_ms,ax,ay,az\n0,1,2,3\n10,1\u2028,2,3\n20,1,x,3\n", 4),
        ("t_ms,ax,ay,az\n0,1,2,3\n10,1\x85,2,3\n20,1,x,3\n", 4),
        ("t_ms,ax,ay,az\n#0,1,2,3\n10,1,2,3\n5,1,2,3\n", 2),
        ("t_ms,ax,ay,az\n0,1,2,3\n10,1,2,3#\n5,1,2,3\n", 3),
        ("t_ms,ax,ay,az\n0,1,2,3\n10,1,2,3\n20,1_0,2,3\n", 4),
        ("t_ms,ax,ay,az\n0,1,2,3\n10,\u0661,2,3\n", 3),
        ("t_ms,ax,ay,az\r0,1,2,3\r10,1,2,3\r5,1,2,3\r", 4),
    ],
)
def test_bad_values_are_reported_at_their_own_line(text: str, line: int) -> None:
    with pytest.raises(InputError) as info:
        csvio.parse_recording(text, NAME)
    assert info.value.line == line


def test_an_overload_is_clamped_to_its_own_end_of_the_range() -> None:
    rec = csvio.parse_recording("t_ms,ax,ay,az\n0,1e300,-1e300,40000\n10,-40000,0,1\n", NAME)
    assert rec.acc_mg.tolist() == [[32767, -32768, 32767], [-32768, 0, 1]]


@pytest.mark.parametrize("t", ["1e300", "-1e17", str(2**53 + 2)])
def test_a_time_beyond_2_to_the_53_ms_names_its_line(t: str) -> None:
    with pytest.raises(InputError, match=rf"^{NAME}:3: t_ms '{t}' is out of range"):
        csvio.parse_recording(f"t_ms,ax,ay,az\n0,1,2,3\n{t},1,2,3\n", NAME)
