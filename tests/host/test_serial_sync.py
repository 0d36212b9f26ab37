"""USB serial sync end to end: the real firmware on the virtual board behind a real pty
(`footfall sim --serve serial`), the host's pyserial transport on the other end."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from footfall import synth
from footfall.errors import DeviceError
from footfall.transport import open_transport
from footfall.transport.link import Frame, FrameLink, decode, fetch
from footfall.transport.serial import SerialSync
from footfall_core import frames
from footfall_core import protocol as P

from tests.host.test_sim import detect_as_sim

# Each test syncs a virtual board over a pty: the full suite runs them, the fast loop not.
pytestmark = pytest.mark.e2e


START_TIMEOUT_S = 30
WAIT_S = 45  # longest wait for a session to close (the recording ends, then 1 s real; a loaded
# CI machine replays the 32 s recording far slower than an idle one)


class Board:
    """A `footfall sim --serve serial --json` process: url, flash folder, stop() -> summary."""

    def __init__(self, recording: Path, out: Path, speed: float = 0) -> None:
        self.out = out
        # the server's work folder goes here, beside the test's own, not in the system's /tmp
        self.tmp = out.with_name(out.name + ".tmp")
        self.tmp.mkdir(exist_ok=True)
        cmd = [sys.executable, "-m", "footfall.cli", "sim", str(recording), "--serve", "serial"]
        cmd += ["--out", str(out), "--json", "--speed", str(speed)]
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT_S)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("serial:"):
            self.kill()
            raise AssertionError(f"no serial line: {line!r}")
        self.url = line.strip()

    def stop(self) -> dict[str, Any]:
        """SIGTERM; the board powers off and the last stdout line is its JSON summary."""
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=START_TIMEOUT_S)
        assert self.proc.returncode == 0, err.decode()
        return json.loads(out.decode().strip().splitlines()[-1])

    def kill(self) -> None:
        """Stop the board if it still runs: SIGTERM, so that it powers off and the server
        removes its work folder (a SIGKILL leaves it behind); SIGKILL only if that fails."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.communicate(timeout=START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """32 s: stand 2 s, run 30 s (auto-start after 10 s running, stop press at the end)."""
    rec = synth.synthesize([synth.Segment("idle", 2), synth.Segment("run", 30, 168, 170)], seed=3)
    path = tmp_path_factory.mktemp("serial") / "short_run.csv"
    synth.write_csv(rec, path)
    return path


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(scenario(), 90))


async def connect(url: str) -> SerialSync:
    sync = await open_transport(url)
    assert isinstance(sync, SerialSync)
    return sync


async def closed_sessions(link: FrameLink, at_least: int = 1) -> list[tuple]:
    """LIST until the device has at_least closed sessions (the recording played out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        total, _first, entries = decode(P.unpack_list, await link.request(P.LIST, b"\0\0"))
        if total >= at_least:
            return entries
        assert loop.time() < deadline, "no session closed in time"


@pytest.fixture(scope="module")
def board(recording: Path, tmp_path_factory: pytest.TempPathFactory):
    b = Board(recording, tmp_path_factory.mktemp("flash"))
    yield b
    b.kill()


def test_serve_prints_the_pty_url_first(board: Board) -> None:
    assert board.url.startswith("serial:/dev/pts/")


def test_a_board_stopped_at_the_end_of_a_test_leaves_no_work_folder(
    recording: Path, tmp_path: Path
) -> None:
    b = Board(recording, tmp_path / "flash")
    b.kill()
    assert b.proc.returncode == 0
    assert list(b.tmp.iterdir()) == []


def test_synced_session_is_byte_identical_to_the_file_the_firmware_wrote(board: Board) -> None:
    async def scenario() -> tuple[list[tuple], bytes]:
        sync = await connect(board.url)
        try:
            entries = await closed_sessions(sync.link)
            return entries, await fetch(sync.link, entries[0][0])
        finally:
            await sync.close()

    entries, data = run(scenario)
    on_flash = (board.out / "sessions" / f"{entries[0][0]:05d}.ffs").read_bytes()
    assert len(on_flash) > 300 and data == on_flash
    assert entries[0][4:] == (len(on_flash), frames_crc(on_flash))


def frames_crc(data: bytes) -> int:
    from footfall_core.crc import session_crc

    return session_crc(data, 0, len(data))


def test_set_config_is_validated_saved_on_flash_and_applied(board: Board) -> None:
    async def scenario() -> tuple[dict, int, str]:
        sync = await connect(board.url)
        try:
            changes = json.dumps({"target_spm": 176}).encode()
            reply = await sync.link.request(P.SET_CONFIG, changes)
            with pytest.raises(DeviceError) as refused:
                await sync.link.request(P.SET_CONFIG, b'{"target_spm": 999}')
            return json.loads(reply.payload), refused.value.code, str(refused.value)
        finally:
            await sync.close()

    cfg, code, reason = run(scenario)
    assert cfg["target_spm"] == 176
    assert json.loads((board.out / "config.json").read_text())["target_spm"] == 176
    assert code == P.ERR_BAD_CONFIG and "target_spm" in reason


@pytest.mark.parametrize("rate_hz", [24, 401, 500])
def test_set_config_refuses_a_rate_outside_25_to_400(board: Board, rate_hz: int) -> None:
    async def scenario() -> tuple[int, str]:
        sync = await connect(board.url)
        try:
            with pytest.raises(DeviceError) as refused:
                await sync.link.request(P.SET_CONFIG, json.dumps({"rate_hz": rate_hz}).encode())
            return refused.value.code, str(refused.value)
        finally:
            await sync.close()

    code, reason = run(scenario)
    assert code == P.ERR_BAD_CONFIG and "rate_hz" in reason and "25 to 400" in reason
    saved = board.out / "config.json"
    assert not saved.exists() or json.loads(saved.read_text()).get("rate_hz") != rate_hz


@pytest.mark.parametrize("rate_hz", [25, 400])
def test_set_config_takes_the_ends_of_the_rate_range(board: Board, rate_hz: int) -> None:
    async def scenario() -> dict:
        sync = await connect(board.url)
        try:
            body = json.dumps({"rate_hz": rate_hz}).encode()
            return json.loads((await sync.link.request(P.SET_CONFIG, body)).payload)
        finally:
            await sync.close()

    assert run(scenario)["rate_hz"] == rate_hz
    assert json.loads((board.out / "config.json").read_text())["rate_hz"] == rate_hz


def test_set_time_is_answered(board: Board) -> None:
    async def scenario() -> Frame:
        sync = await connect(board.url)
        try:
            return await sync.link.request(P.SET_TIME, P.request_u32s(1_900_000_000))
        finally:
            await sync.close()

    assert run(scenario).type == P.SET_TIME | P.REPLY


# -- a link cut mid-transfer -----------------------------------------------------------------

WINDOW = 4
CHUNK = 32


async def data_frames(link: FrameLink, sid: int, offset: int, count: int) -> list[Frame]:
    """GET sid from offset (small chunks), acknowledging every chunk but the last of `count`,
    as a host does until its cable is pulled; returns the DATA frames read (count, or up
    to the end of the file)."""
    await link.send(P.GET, P.request_get(sid, offset, WINDOW, CHUNK))
    got: list[Frame] = []
    while len(got) < count:
        frame = await link.recv(5.0)
        if frame.type != P.DATA:
            continue
        got.append(frame)
        if len(frame.payload) == P.DATA_HEADER:
            break
        at = P.get_u32_le(frame.payload, 0) + len(frame.payload) - P.DATA_HEADER
        if len(got) < count:
            await link.send(P.ACK, P.request_u32s(sid, at))
    return got


def test_a_link_cut_mid_transfer_resumes_resending_at_most_one_window(
    recording: Path, tmp_path: Path
) -> None:
    b = Board(recording, tmp_path)
    try:

        async def scenario() -> tuple[int, bytes]:
            sync = await connect(b.url)
            sid = (await closed_sessions(sync.link))[0][0]
            first = await data_frames(sync.link, sid, 0, 6)
            await sync.close(say_bye=False)  # the cable is pulled: no BYE, window in flight
            kept = b"".join(f.payload[P.DATA_HEADER :] for f in first)
            sync = await connect(b.url)
            rest = await data_frames(sync.link, sid, len(kept), 10**6)
            await sync.close()
            return sid, kept + b"".join(f.payload[P.DATA_HEADER :] for f in rest)

        sid, data = run(scenario)
        summary = b.stop()
    finally:
        b.kill()
    on_flash = (tmp_path / "sessions" / f"{sid:05d}.ffs").read_bytes()
    assert len(on_flash) > 2 * WINDOW * CHUNK and data == on_flash
    resent = summary["usb"]["tx_data_bytes"] - len(on_flash)
    assert 0 <= resent <= WINDOW * CHUNK


# -- garbage and corrupt frames while the board samples ---------------------------------------


def corrupt(frame: bytes) -> bytes:
    """A frame whose CRC no longer matches (one payload bit flipped)."""
    b = bytearray(frame)
    b[frames.HEADER] ^= 0x01
    return bytes(b)


def test_garbage_and_corrupt_frames_get_errors_and_the_board_keeps_sampling(
    recording: Path, tmp_path: Path
) -> None:
    b = Board(recording, tmp_path, speed=8)  # 32 s of recording in about 4 s
    try:

        async def scenario() -> tuple[int, list[int], int, int]:
            sync = await connect(b.url)
            link = sync.link
            total_before = decode(P.unpack_list, await link.request(P.LIST, b"\0\0"))[0]
            await sync._write(bytes(range(256)) * 4)  # noise, SYNC bytes with bad headers
            await sync._write(corrupt(frames.pack_frame(P.INFO, 9, b"xyz")))
            await sync._write(frames.pack_frame(0x42, 10))  # unknown request type
            await sync._write(frames.pack_frame(P.GET, 11, b"\1"))  # GET too short
            codes = []
            while P.ERR_BAD_PAYLOAD not in codes:
                frame = await link.recv(5.0)
                if frame.type == P.ERROR:
                    codes.append(decode(P.unpack_error, frame)[0])
            await closed_sessions(link)  # the recording plays on to its end
            info = decode(P.unpack_info, await link.request(P.INFO))
            await sync.close()
            return total_before, codes, info[6], info[7]

        total_before, codes, rx_frames, rx_errors = run(scenario)
        summary = b.stop()
    finally:
        b.kill()
    assert total_before == 0  # the errors came while the run was still being recorded
    assert {P.ERR_BAD_HEADER, P.ERR_BAD_CRC, P.ERR_UNKNOWN_TYPE, P.ERR_BAD_PAYLOAD} <= set(codes)
    assert rx_errors >= 2 and rx_frames > 3
    # the recording ends mid-run: the virtual IMU measures on (held), so the bout's
    # trailing step is told, as detect over the held recording tells it
    expected = detect_as_sim(recording, 100)
    assert summary["failures"] == 0 and summary["steps"] == expected["steps"]


def test_bye_gives_the_console_back_and_sigterm_powers_the_board_off(
    recording: Path, tmp_path: Path
) -> None:
    b = Board(recording, tmp_path)
    try:

        async def scenario() -> None:
            for _ in range(2):  # the second handshake only works if BYE left sync mode
                sync = await connect(b.url)
                await sync.link.request(P.INFO)
                await sync.close()

        run(scenario)
        summary = b.stop()
    finally:
        b.kill()
    assert summary["exit"] == "stopped by host"
    assert summary["usb"]["entries"] == 2 and summary["usb"]["timeouts"] == 0


def test_sigint_as_soon_as_the_url_is_read_stops_the_board_cleanly(
    recording: Path, tmp_path: Path
) -> None:
    b = Board(recording, tmp_path)
    try:
        b.proc.send_signal(signal.SIGINT)
        out, err = b.proc.communicate(timeout=START_TIMEOUT_S)
    finally:
        b.kill()
    assert b.proc.returncode == 0, err.decode()
    assert json.loads(out.decode().strip().splitlines()[-1])["exit"] == "stopped by host"
