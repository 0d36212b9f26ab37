"""Errors are handled once, in footfall.cli.main: one line, `footfall: ...`, and the exit
status of the error's class; a command given several files reports every bad one and goes
on. Each attack below once gave a traceback, a hang or a wrong answer."""

from __future__ import annotations

import inspect
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import footfall.store_db
import numpy as np
import pytest
from footfall import cli, errors, store
from footfall.cli import main
from footfall.detect import detect_recording
from footfall.engine import port_failure
from footfall.errors import FootfallError
from footfall.resample import MAX_GAP_MS
from footfall.sim import board as sim_cli

from tests.host.session_files import session_file
from tests.host.signals import running_waist, write_csv
from tests.unixport import micropython_binary

SYNTHETIC_RUN = Path(__file__).parents[1] / "data" / "synthetic_run.csv"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("footfall: "), err
    assert "Traceback" not in err
    return err.strip()


def test_every_error_class_has_an_exit_status() -> None:
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, FootfallError) and c.__module__ == errors.__name__
    ]
    assert set(classes) == set(cli.EXIT_STATUS)
    for cls in classes:  # input the user can fix is 2; a failure of what it needs, 1
        # a ResourceError is the machine's fault even when it is also a StoreError
        bad_input = (
            issubclass(cls, ValueError)
            and cls is not errors.FrameError  # the device's
            and not issubclass(cls, errors.ResourceError)
        )
        assert cli.EXIT_STATUS[cls] == (2 if bad_input else 1), cls


def test_a_message_is_one_printable_line_of_bounded_length() -> None:
    line = cli.one_line("a\nb\r\tc\x1b[31m" + "x" * 1000)
    assert line.startswith("a b c\\x1b[31m") and len(line) == cli.MESSAGE_CHARS
    assert line.endswith("...")


def test_an_unexpected_exception_is_a_bug_and_keeps_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from footfall import detect

    cli.build_parser()  # every command imported before the patch, so none keeps it

    def bug(*_args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(detect, "detect_recording", bug)
    with pytest.raises(ZeroDivisionError):
        main(["detect", str(SYNTHETIC_RUN)])


def test_ctrl_c_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from footfall import detect

    cli.build_parser()

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(detect, "detect_recording", interrupted)
    assert main(["detect", str(SYNTHETIC_RUN)]) == 130
    assert capsys.readouterr().err == ""


# -- recordings -----------------------------------------------------------------------------


def test_a_gap_of_10_to_the_13_ms_splits_the_recording_instead_of_resampling_across_it(
    tmp_path: Path,
) -> None:
    t_ms, acc, _ = running_waist(seconds=30)
    gap_ms = 10**13
    both = write_csv(tmp_path / "gap.csv", np.r_[t_ms, t_ms + gap_ms], np.r_[acc, acc])
    one = write_csv(tmp_path / "one.csv", t_ms, acc)
    from footfall.csvio import read_recording

    alone = detect_recording(read_recording(one), 100, "waist", "cpython")
    split = detect_recording(read_recording(both), 100, "waist", "cpython")
    again = [t + gap_ms for t in alone.step_times_ms]
    assert len(alone.step_times_ms) > 40
    assert split.step_times_ms == alone.step_times_ms + again
    cadence_t = [t for t, _ in split.cadence_spm]
    assert not [t for t in cadence_t if t_ms[-1] + 1000 < t < gap_ms]  # none in the gap


@pytest.mark.parametrize("engine", ["cpython", pytest.param("micropython", marks=pytest.mark.e2e)])
def test_each_side_of_a_gap_starts_a_fresh_core_on_both_engines(
    tmp_path: Path, engine: str
) -> None:
    if engine == "micropython":
        micropython_binary()  # or skip
    t_ms, acc, _ = running_waist(seconds=20)
    later = t_ms + t_ms[-1] + MAX_GAP_MS + 1
    path = write_csv(tmp_path / "two.csv", np.r_[t_ms, later], np.r_[acc, acc])
    from footfall.csvio import read_recording

    rec = read_recording(path)
    first = detect_recording(read_recording(write_csv(tmp_path / "a.csv", t_ms, acc)), 100,
                             "waist", engine)  # fmt: skip
    both = detect_recording(rec, 100, "waist", engine)
    shift = int(later[0] - t_ms[0])
    assert both.step_times_ms == first.step_times_ms + [t + shift for t in first.step_times_ms]


def test_a_2_gb_file_of_nuls_is_one_short_line_and_the_next_file_is_still_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nuls = tmp_path / "nuls.csv"
    with nuls.open("wb") as f:
        f.truncate(2 << 30)  # sparse: 2 GB of NULs that take no disk
    status = main(["detect", "--json", str(nuls), str(SYNTHETIC_RUN)])
    out, err = capsys.readouterr()
    assert status == 2
    assert err == f"footfall: {nuls}:1: NUL byte: binary data, not CSV text\n"
    assert json.loads(out)["file"] == str(SYNTHETIC_RUN)


def test_a_huge_value_in_a_message_is_cut_to_80_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "long.csv"
    bad.write_text("t_ms,ax,ay,az\n0,1,2,3\n10," + "9" * 5000 + "x,2,3\n")
    assert main(["detect", str(bad)]) == 2
    line = one_error_line(capsys)
    assert line.endswith(f":3: non-numeric value '{'9' * 80}'... in column ax")


def test_detect_goes_on_after_an_engine_failure_and_exits_with_the_highest_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from footfall import engine

    def broken(*_args: object) -> None:
        raise errors.EngineError("micropython engine failed: killed by signal 9")

    monkeypatch.setattr(engine, "_run_micropython", broken)
    bad = tmp_path / "bad.csv"
    bad.write_text("t_ms,ax\n")
    argv = ["detect", "--engine", "micropython", str(SYNTHETIC_RUN), str(bad)]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        "footfall: micropython engine failed: killed by signal 9",
        f"footfall: {bad}:1: missing column(s) ay, az (header is 't_ms,ax')",
    ]


# -- eval -----------------------------------------------------------------------------------

TRUTH = "recording,placement,activity,rate_hz,true_steps,source\nrun,hip,run,100,60,x\n"


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    t_ms, acc, steps = running_waist(seconds=20)
    write_csv(tmp_path / "run.csv", t_ms, acc)
    (tmp_path / "run.steps.csv").write_text("t_ms\n" + "".join(f"{t}\n" for t in steps))
    (tmp_path / "truth.csv").write_text(TRUTH)
    return tmp_path


@pytest.mark.parametrize(
    "name, content, line, says",
    [
        ("truth.csv", bytes(range(256)) * 4, 1, "NUL byte"),
        ("truth.csv", TRUTH.encode("utf-16"), 1, "UTF-16 text"),
        ("truth.csv", TRUTH.encode() + b"caf\xe9,hip,run,100,1,x\n", 3, "not UTF-8 text"),
        ("truth.csv", TRUTH.replace(",60,", ",-60,").encode(), 2, "true_steps '-60'"),
        ("run.steps.csv", b"t_ms\n100\n" + bytes(range(128, 256)), 3, "not UTF-8 text"),
        ("run.steps.csv", b"t_ms\n100\n\n" + str(10**30).encode() + b"\n", 4, "step time '1000"),
        ("run.steps.csv", "t_ms\n5\n".encode("utf-16"), 1, "UTF-16 text"),
    ],
)
def test_eval_refuses_a_bad_truth_or_steps_file_at_its_line(
    labelled: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    line: int,
    says: str,
) -> None:
    (labelled / name).write_bytes(content)
    assert main(["eval", str(labelled), "--jobs", "1"]) == 2
    assert one_error_line(capsys).startswith(f"footfall: {labelled / name}:{line}: {says}")


# -- session files, folders and the store ----------------------------------------------------


def test_parquet_export_of_a_session_without_steps_writes_no_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.ffs"
    empty.write_bytes(session_file(1, steps=0))
    out = tmp_path / "dataset"
    argv = ["export", "--session-file", str(empty), "--format", "parquet", "--out", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"{out}: 0 steps\n"
    assert not list(out.rglob("*.parquet"))


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """One good session file and every kind of non-file named *.ffs."""
    d = tmp_path / "copied"
    d.mkdir()
    (d / "00001.ffs").write_bytes(session_file(1))
    (d / "dir.ffs").mkdir()
    (d / "dangling.ffs").symlink_to(tmp_path / "nowhere")
    os.mkfifo(d / "fifo.ffs")  # no writer: opening it for reading would wait for ever
    (d / "zero.ffs").symlink_to("/dev/zero")
    return d


def test_a_folder_of_non_files_named_ffs_is_synced_without_reading_them(
    odd_folder: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.db"
    cmd = [sys.executable, "-m", "footfall.cli", "sync", "--device", f"file:{odd_folder}"]
    done = subprocess.run(
        [*cmd, "--store", str(db)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines()[:-1])
    assert lines["session 00001.ffs"].startswith("imported as ")
    for name in ("dir", "fifo", "zero"):
        assert lines[f"session {name}.ffs"].startswith(
            f"FAILED: {odd_folder / name}.ffs: not a regular file;"
        )
    assert "cannot read: No such file or directory" in lines["session dangling.ffs"]
    assert (odd_folder / "dir.ffs").is_dir() and (odd_folder / "fifo.ffs").is_fifo()


@pytest.fixture
def locked_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A store another process holds a write lock on until the fixture ends."""
    db = tmp_path / "store.db"
    with store.Store(db) as s:
        s.import_session(session_file(1))
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    monkeypatch.setattr(footfall.store_db, "BUSY_TIMEOUT_S", 0.2)  # the waiting, shortened
    yield db
    holder.communicate(b"\n", timeout=10)


LOCK_HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode=EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.mark.e2e
def test_a_store_locked_by_another_process_is_one_line_and_exit_1(
    locked_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "--store", str(locked_store)]) == 1
    assert one_error_line(capsys).startswith(
        f"footfall: {locked_store}: the store is locked by another process"
    )


@pytest.mark.e2e
def test_a_sync_into_a_locked_store_stops_with_one_line_and_exit_1(
    locked_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "copied"
    folder.mkdir()
    (folder / "00002.ffs").write_bytes(session_file(2))
    argv = ["sync", "--device", f"file:{folder}", "--store", str(locked_store)]
    assert main(argv) == 1
    assert "locked by another process" in one_error_line(capsys)
    assert (folder / "00002.ffs").exists()


@pytest.mark.e2e
def test_a_full_disk_stops_the_sync_with_one_line_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "copied"
    folder.mkdir()
    for sid in range(1, 9):
        (folder / f"{sid:05d}.ffs").write_bytes(session_file(sid, steps=3000))
    db = tmp_path / "store.db"
    connect = sqlite3.connect

    def small_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.execute("PRAGMA max_page_count = 24")  # SQLite's own "database or disk is full"
        return conn

    monkeypatch.setattr(sqlite3, "connect", small_disk)
    argv = ["sync", "--device", f"file:{folder}", "--store", str(db), "--delete-after"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"footfall: {db}: the disk is full") and err.count("\n") == 1
    stored = [s for s in out.splitlines() if s.startswith("session ") and "deleted" in s]
    assert 0 < len(stored) < 8
    assert len(list(folder.glob("*.ffs"))) == 8 - len(stored)  # only stored ones are gone
    monkeypatch.undo()  # space again: the rest comes in, and what was stored is intact
    assert main(argv[:-1]) == 0
    with store.Store(db) as s:
        assert [r.session_id for r in s.sessions()] == list(range(1, 9))
        assert s._db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# -- sim ------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_sim_that_outruns_its_timeout_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sim_cli, "TIMEOUT_S", 0.5)
    assert main(["sim", str(SYNTHETIC_RUN), "--out", str(tmp_path / "flash")]) == 1
    assert one_error_line(capsys) == (
        "footfall: virtual board still running after 0.5 s: stopped (a recording this long "
        "needs a faster machine)"
    )


@pytest.mark.parametrize(
    "returncode, stdout, stderr, reason",
    [
        (1, b"Traceback ...\nMemoryError: memory allocation failed\n", b"", "MemoryError: "),
        (1, b"", b"", "exit status 1, nothing printed"),
        (-9, b"", b"", "killed by signal 9"),
        (2, b"\n  \n", b"oops\n\n", "oops"),
    ],
)
def test_a_unix_port_failure_always_says_why(
    returncode: int, stdout: bytes, stderr: bytes, reason: str
) -> None:
    proc = subprocess.CompletedProcess(["micropython"], returncode, stdout, stderr)
    assert port_failure(proc).startswith(reason)


def test_a_sim_recording_with_a_long_gap_is_refused_before_booting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t_ms, acc, _ = running_waist(seconds=5)
    path = write_csv(tmp_path / "gap.csv", np.r_[t_ms, t_ms + 10**13], np.r_[acc, acc])
    assert main(["sim", str(path), "--out", str(tmp_path / "flash")]) == 2
    assert "one continuous run needs samples at most" in one_error_line(capsys)
    assert not (tmp_path / "flash").exists()
