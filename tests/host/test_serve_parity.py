"""A served virtual board logs what a plain one logs: `footfall sim REC --serve serial` or
`--serve ble --pair`, synced with `footfall sync`, stores the very session that
`footfall sim REC --json` writes (test_ble_sim.py checks the BLE sync itself)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from footfall import synth
from footfall.records import Session
from footfall.store import Store

from tests.host.test_ble_sim import BleBoard
from tests.host.test_serial_sync import Board

# Whole virtual-board sessions, and a pty: the full suite runs them, the fast loop does not.
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC_RUN = REPO / "tests" / "data" / "synthetic_run.csv"
CLI = [sys.executable, "-m", "footfall.cli"]
SYNC_WAIT_S = 90  # the recording replays, then the stop press 1 s later closes the session
STEP_FIELDS = ("t_ms", "interval_ms", "peak_mg", "cadence_spm", "flags")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """48 s, a quicker runner than the bundled run: stand 3 s, run 45 s at 176-180 spm."""
    rec = synth.synthesize([synth.Segment("idle", 3), synth.Segment("run", 45, 176, 180)], seed=8)
    path = tmp_path_factory.mktemp("quick") / "quick_run.csv"
    synth.write_csv(rec, path)
    return path


def plain_sim(recording: Path, out: Path) -> dict:
    done = subprocess.run(
        [*CLI, "sim", str(recording), "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def sync(url: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "sync", "--device", url, "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def sync_until_imported(url: str, store: Path) -> None:
    """Sync until the board's session has closed and been imported."""
    deadline = time.monotonic() + SYNC_WAIT_S
    while True:
        done = sync(url, store)
        assert done.returncode == 0, done.stderr
        if "1 imported" in done.stdout:
            return
        assert time.monotonic() < deadline, f"no session imported: {done.stdout}"
        time.sleep(1)


def stored_as_plain(store: Path, served: dict, plain: dict) -> None:
    """The store holds one session: the served board's, with the steps the plain run logged."""
    assert served["steps_logged"] == plain["steps_logged"] > 0
    with Store(store) as s:
        rows = s.sessions()
        assert len(rows) == 1
        assert rows[0].steps == plain["steps_logged"]
        stored = Session.from_bytes(s.raw(rows[0].id))
    (plain_file,) = plain["session_files"]
    assert steps(stored) == steps(Session.from_file(plain_file))


def steps(session: Session) -> dict[str, list[int]]:
    return {name: getattr(session, name).tolist() for name in STEP_FIELDS}


@pytest.mark.parametrize("which", ["bundled", "quick"])
def test_a_board_served_over_serial_stores_the_session_a_plain_sim_logs(
    which: str, quick_run: Path, tmp_path: Path
) -> None:
    recording = SYNTHETIC_RUN if which == "bundled" else quick_run
    plain = plain_sim(recording, tmp_path / "plain")
    board = Board(recording, tmp_path / "served")
    store = tmp_path / "s.db"
    try:
        sync_until_imported(board.url, store)
        again = sync(board.url, store)
    finally:
        served = board.stop()
    assert again.returncode == 0 and "1 already stored" in again.stdout, again.stdout
    stored_as_plain(store, served, plain)


def test_a_board_served_over_ble_stores_the_session_a_plain_sim_logs(
    quick_run: Path, tmp_path: Path
) -> None:
    plain = plain_sim(quick_run, tmp_path / "plain")
    board = BleBoard(quick_run, tmp_path / "served", "--pair")  # its lines: the session closed
    store = tmp_path / "s.db"
    try:
        first = board.footfall("sync", "--device", board.url, "--store", str(store))
        second = board.footfall("sync", "--device", board.url, "--store", str(store))
    finally:
        served = board.stop()
    assert "1 imported" in first.stdout and "1 already stored" in second.stdout, first.stderr
    stored_as_plain(store, served, plain)


def test_the_boards_sensor_time_starts_at_the_recordings_first_sample(tmp_path: Path) -> None:
    # 32 s at 100 Hz: the last sample is in the FIFO at 32000 ms of sensor time, and the
    # sampler (polling every 80 ms from its start, sensor time 0) finds the recording
    # over at its poll then. Sensor time counted from the driver's first touch of the IMU
    # instead, or samples the chip measured while its driver configured it, show as a
    # later end.
    rec = synth.synthesize([synth.Segment("idle", 2), synth.Segment("run", 30, 168, 170)], seed=3)
    path = tmp_path / "run.csv"
    synth.write_csv(rec, path)
    result = plain_sim(path, tmp_path / "flash")
    assert 32000 <= result["end_ms"] < 32000 + 10
