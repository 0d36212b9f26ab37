"""BLE end to end: the firmware's own ble_link and aioble layer on the virtual board
(`footfall sim --serve ble`), Bumble's GATT server behind the stand-in `bluetooth`, and the
host's bleak code on Bumble over FOOTFALL_HCI."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from footfall import detect, synth
from footfall.cli import main
from footfall.csvio import read_recording
from footfall.store import Store
from footfall.sync import Syncer, SyncResult, sync_url

START_TIMEOUT_S = 120  # the recording replays first (as fast as it computes)
CLI = [sys.executable, "-m", "footfall.cli"]


class BleBoard:
    """A `footfall sim --serve ble --json` process: its two lines, env for the host, stop()."""

    def __init__(self, recording: Path, out: Path, *options: str) -> None:
        self.out = out
        self.tmp = out.with_name(out.name + ".tmp")
        self.tmp.mkdir(exist_ok=True)
        cmd = [*CLI, "sim", str(recording), "--serve", "ble", "--out", str(out), "--json"]
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        self.proc = subprocess.Popen(
            [*cmd, *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            bufsize=0,  # unbuffered: select() then sees each line that is not yet read
        )
        self.lines = [self._line(), self._line()]
        self.url = self.lines[0]
        hci = self.lines[1].partition("=")[2]
        self.env = {
            **os.environ,
            "FOOTFALL_HCI": hci,
            "FOOTFALL_BLE_KEYS": str(out.with_name(out.name + ".keys.json")),
        }

    def _line(self) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT_S)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line:
            self.stop(check=False)
            raise AssertionError("the board printed no line")
        return line

    def footfall(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], capture_output=True, text=True, env=self.env, timeout=timeout_s
        )

    def stop(self, check: bool = True) -> dict[str, Any]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        if check:
            assert self.proc.returncode == 0, err.decode()
            return json.loads(out.decode().strip().splitlines()[-1])
        return {}


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """62 s: stand 2 s, run 60 s (auto-start after 10 s running, stop press at the end)."""
    rec = synth.synthesize([synth.Segment("idle", 2), synth.Segment("run", 60, 168, 170)], seed=5)
    path = tmp_path_factory.mktemp("ble") / "run.csv"
    synth.write_csv(rec, path)
    return path


@pytest.mark.e2e
def test_serve_ble_prints_the_device_url_then_the_hci_transport(
    recording: Path, tmp_path: Path
) -> None:
    board = BleBoard(recording, tmp_path / "flash", "--pair")
    try:
        assert board.url.startswith("ble:footfall-") and len(board.url) == len("ble:footfall-") + 4
        assert board.lines[1].startswith("FOOTFALL_HCI=tcp-client:127.0.0.1:")
    finally:
        board.stop()


@pytest.mark.e2e
def test_a_paired_sync_twice_keeps_one_session_with_the_steps_a_plain_sim_logs(
    recording: Path, tmp_path: Path
) -> None:
    plain = subprocess.run(
        [*CLI, "sim", str(recording), "--out", str(tmp_path / "plain"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    board = BleBoard(recording, tmp_path / "flash", "--pair")
    store = tmp_path / "s.db"
    try:
        first = board.footfall("sync", "--device", board.url, "--store", str(store))
        second = board.footfall("sync", "--device", board.url, "--store", str(store))
    finally:
        summary = board.stop()
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "1 imported" in first.stdout and "1 already stored" in second.stdout
    with Store(store) as s:
        rows = s.sessions()
    assert len(rows) == 1
    assert rows[0].steps == json.loads(plain.stdout)["steps_logged"] > 0
    assert summary["steps_logged"] == rows[0].steps
    assert "pairing" in [name for _t, name in summary["plays"]]  # the window's buzz
    assert (out := summary["session_files"]) and len(out) == 1


@pytest.mark.e2e
def test_without_the_pairing_window_sync_exits_1_saying_to_open_it(
    recording: Path, tmp_path: Path
) -> None:
    board = BleBoard(recording, tmp_path / "flash")
    try:
        proc = board.footfall("sync", "--device", board.url, "--store", str(tmp_path / "s.db"))
    finally:
        board.stop()
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pairing window" in lines[0], proc.stderr


@pytest.mark.e2e
def test_a_bond_made_in_the_window_is_reused_after_the_board_restarts_without_it(
    recording: Path, tmp_path: Path
) -> None:
    out, store = tmp_path / "flash", str(tmp_path / "s.db")
    board = BleBoard(recording, out, "--pair")
    try:
        first = board.footfall("sync", "--device", board.url, "--store", store)
    finally:
        board.stop()
    board = BleBoard(recording, out)  # same flash (its bonds), no pairing gesture this time
    board.env["FOOTFALL_BLE_KEYS"] = str(out.with_name(out.name + ".keys.json"))
    try:
        again = board.footfall("sync", "--device", board.url, "--store", store)
    finally:
        board.stop()
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert "imported" in again.stdout


@pytest.mark.e2e
def test_a_sync_cut_by_the_radio_going_away_resumes_and_stores_the_file_byte_identical(
    tmp_path: Path,
) -> None:
    # The lines come about 4 s after the recording ends (stop press at 1 s, the pairing
    # hold from 2.5 s for 1.5 s); the radio goes 8 s after that for 4 s. The host holds
    # its first chunk for 14 s, so the link is cut mid-transfer, whatever the host's speed.
    # 4 min of running: a session of several GET windows (8 frames of 236 bytes each)
    rec = synth.synthesize([synth.Segment("idle", 2), synth.Segment("run", 240, 168, 170)], seed=5)
    recording = tmp_path / "long_run.csv"
    synth.write_csv(rec, recording)
    end_ms = 242_000
    board = BleBoard(
        recording, tmp_path / "flash", "--pair", "--radio-off-ms", f"{end_ms + 12000}:4000"
    )
    os.environ.update(board.env)
    held = []

    def hold(_label: str, _total: int, _initial: int) -> Any:
        class Bar:
            def update(self, _n: int) -> None:
                if not held:
                    held.append(1)
                    time.sleep(14)

            def close(self) -> None:
                pass

        return Bar()

    try:
        with Store(tmp_path / "s.db") as store:
            result = SyncResult(board.url)
            syncer = Syncer(store, progress=hold, timeout_s=20)
            asyncio.run(sync_url(board.url, store, syncer=syncer, result=result, timeout_s=20))
            rows = store.sessions()
            raw = store.raw(rows[0].id)
    finally:
        for key in ("FOOTFALL_HCI", "FOOTFALL_BLE_KEYS"):
            os.environ.pop(key, None)
        board.stop()
    device_file = sorted((tmp_path / "flash" / "sessions").glob("*.ffs"))[0].read_bytes()
    assert result.reconnects >= 1
    assert len(rows) == 1
    assert raw == device_file


@pytest.mark.e2e
def test_live_cadence_follows_detect_within_2_spm_at_real_speed(
    recording: Path, tmp_path: Path
) -> None:
    board = BleBoard(recording, tmp_path / "flash", "--live", "--speed", "1")
    t0_s = time.time()  # the recording starts as the board boots, about when the lines come
    try:
        proc = board.footfall("live", "--device", board.url, "--seconds", "70", timeout_s=150)
    finally:
        board.stop()
    assert proc.returncode == 0, proc.stderr
    truth = detect.detect_recording(read_recording(recording), 100, "waist", "cpython")
    expected = {t_ms // 1000: spm for t_ms, spm in truth.to_json()["cadence_spm"]}
    day = time.strftime("%Y-%m-%d", time.localtime(t0_s))
    checked = hits = 0
    for text in proc.stdout.splitlines():
        stamp, cadence = text.split()[0], int(text.split()[1])
        t_s = time.mktime(time.strptime(f"{day} {stamp}", "%Y-%m-%d %H:%M:%S")) - int(t0_s)
        near = [expected.get(int(t_s) + d) for d in range(-2, 3)]
        near = [spm for spm in near if spm is not None]
        if not near or max(near) == 0:
            continue  # not a running second of the recording
        checked += 1
        hits += any(abs(cadence - spm) <= 2 for spm in near)
    assert checked >= 40, proc.stdout
    assert hits >= 0.9 * checked, proc.stdout


@pytest.mark.e2e
def test_a_host_killed_while_connected_leaves_the_board_free_for_the_next(
    recording: Path, tmp_path: Path
) -> None:
    board = BleBoard(recording, tmp_path / "flash", "--pair")
    try:
        live = subprocess.Popen(
            [*CLI, "live", "--device", board.url], stdout=subprocess.PIPE, env=board.env
        )
        assert live.stdout is not None
        ready, _, _ = select.select([live.stdout], [], [], 60)
        assert ready and live.stdout.readline()  # connected: a reading came
        live.kill()
        live.wait()
        proc = board.footfall("sync", "--device", board.url, "--store", str(tmp_path / "s.db"))
    finally:
        board.stop()
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("option", [["--pair"], ["--live"], ["--radio-off-ms", "1000:500"]])
def test_the_ble_options_need_serve_ble(
    option: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["sim", "x.csv", "--out", str(tmp_path / "f"), *option]) == 2
    assert "needs --serve ble" in capsys.readouterr().err


def test_a_bad_radio_off_spec_is_refused_before_booting(tmp_path: Path) -> None:
    rec = tmp_path / "r.csv"
    synth.write_csv(synth.synthesize([synth.Segment("idle", 2)], seed=1), rec)
    proc = subprocess.run(
        [
            *CLI,
            "sim",
            str(rec),
            "--serve",
            "ble",
            "--radio-off-ms",
            "soon",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--radio-off-ms soon" in proc.stderr
