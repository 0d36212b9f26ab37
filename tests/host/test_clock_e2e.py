"""The clock contract end to end: `footfall sim --clock unset` boots with every clock invalid
(the emulated BM8563's VL bit set), its session says clock_set false, and syncing it over
`--serve serial` with `footfall sync` stores it re-based onto the sync's wall-clock time."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from footfall import synth

from tests.host.test_serial_sync import closed_sessions, connect, run

# Whole virtual-board sessions: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


START_TIMEOUT_S = 30
RECORDING_S = 32
SLACK_S = 300  # the contract: within 5 minutes (plus the recording's length)


def footfall(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "footfall.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rec = synth.synthesize([synth.Segment("idle", 2), synth.Segment("run", 30, 168, 170)], seed=3)
    path = tmp_path_factory.mktemp("clock") / "short_run.csv"
    synth.write_csv(rec, path)
    return path


def test_an_unset_clock_session_is_flagged_and_synced_to_the_true_time(
    recording: Path, tmp_path: Path
) -> None:
    out = tmp_path / "flash"
    cmd = [sys.executable, "-m", "footfall.cli", "sim", str(recording), "--clock", "unset"]
    cmd += ["--serve", "serial", "--out", str(out), "--json"]
    board = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert board.stdout is not None
        ready, _, _ = select.select([board.stdout], [], [], START_TIMEOUT_S)
        url = board.stdout.readline().decode().strip() if ready else ""
        assert url.startswith("serial:/dev/pts/"), board.stderr and board.stderr.read()

        async def wait_closed() -> None:
            sync = await connect(url)
            try:
                await closed_sessions(sync.link)
            finally:
                await sync.close()

        run(wait_closed)
        (path,) = sorted((out / "sessions").glob("*.ffs"))
        inspected = footfall("inspect", "--json", str(path))
        assert inspected.returncode == 0, inspected.stderr
        report = json.loads(inspected.stdout)
        assert report["clock_set"] is False and report["header"]["clock_set"] is False
        assert datetime.fromtimestamp(report["header"]["start_s"]).year == 2000

        db = tmp_path / "store.db"
        before_s = time.time()
        synced = footfall("sync", "--device", url, "--store", str(db), "--quiet")
        after_s = time.time()
        assert synced.returncode == 0, synced.stderr
        listed = footfall("sessions", "--json", "--store", str(db))
        (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    finally:
        board.send_signal(signal.SIGTERM)
        board.communicate(timeout=START_TIMEOUT_S)
    start_s = datetime.fromisoformat(row["start"]).timestamp()
    assert before_s - SLACK_S - RECORDING_S <= start_s <= after_s + SLACK_S
    assert row["clock"] == "rebased" and row["header_start_s"] == report["header"]["start_s"]
