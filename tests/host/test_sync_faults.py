"""footfall sync against what goes wrong around it: a session whose header names another
device, a sync killed at any point (partial files), a store that cannot take more (locked,
full) and an interrupted sync's report."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from footfall.cli import main
from footfall.errors import TransportError
from footfall.sim.ble_peripheral import FootfallPeripheral, MemoryStore
from footfall.store import Store
from footfall.sync import HEAD_BYTES, Outcome, Syncer, SyncResult, sync_url

from tests.host.fs_faults import in_private_mounts
from tests.host.session_files import DEVICE_ID, session_file
from tests.host.test_serial_transport import PtyDevice
from tests.host.test_sync import URL, Bars, device_files, run

OTHER_ID = bytes.fromhex("a0b1c2d3e4f5")
ONE = session_file(1, start_s=1_800_000_000, steps=3000)
TWO = session_file(2, start_s=1_800_010_000, steps=400)
COPIED = session_file(7, start_s=1_790_000_000, steps=600, device_id=OTHER_ID)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "s.db") as s:
        yield s


def sync_twice(store: Store, files: MemoryStore, delete_after: tuple[bool, bool]) -> list:
    async def scenario(_peripheral: FootfallPeripheral, options: dict) -> list[SyncResult]:
        out = []
        for flag in delete_after:
            out.append(
                await sync_url(URL, store, syncer=Syncer(store, delete_after=flag), **options)
            )
        return out

    return run(scenario, files)


# -- a session whose header names another device -----------------------------------------


@pytest.mark.e2e
def test_a_session_from_another_device_is_stored_under_it_and_not_fetched_again(
    store: Store,
) -> None:
    files = device_files(ONE, COPIED)
    first, again = sync_twice(store, files, (False, False))
    copied = first.outcomes[2]
    assert copied.status == "imported" and copied.store_id == "a0b1c2d3e4f5-7-1790000000"
    assert "its header names device a0b1c2d3e4f5, not this one (246f281a2b3c)" in copied.line()
    assert store.session(copied.store_id).device_name == "footfall-E4F5"  # its own, not ours
    assert [o.status for o in again.outcomes.values()] == ["already stored"] * 2
    assert again.outcomes[2].fetched == HEAD_BYTES < len(COPIED)  # its header, to name it
    assert again.outcomes[1].fetched == 0
    assert store.raw(copied.store_id) == COPIED


@pytest.mark.e2e
def test_delete_after_deletes_a_session_from_another_device_once_it_is_stored(
    store: Store,
) -> None:
    files = device_files(ONE, COPIED)
    first, _ = sync_twice(store, files, (True, True))
    assert first.outcomes[2].deleted and files.sessions() == []


@pytest.mark.e2e
def test_a_later_delete_after_deletes_a_copied_session_an_earlier_sync_stored(
    store: Store,
) -> None:
    files = device_files(ONE, COPIED)
    _, later = sync_twice(store, files, (False, True))
    assert later.outcomes[2].status == "already stored" and later.outcomes[2].deleted
    assert files.sessions() == []


@pytest.mark.e2e
def test_sync_of_a_copied_session_exits_0_and_says_whose_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = PtyDevice()
    dev.store.files = device_files(COPIED).files
    try:
        argv = ["sync", "--device", f"serial:{dev.path}", "--store", str(tmp_path / "s.db")]
        assert main([*argv, "--quiet", "--delete-after"]) == 0
    finally:
        dev.close()
    out = capsys.readouterr().out
    assert "imported as a0b1c2d3e4f5-7-1790000000" in out and "deleted from the device" in out
    assert "header names device a0b1c2d3e4f5" in out and dev.store.sessions() == []


@pytest.mark.e2e
def test_sessions_alike_but_for_their_id_are_each_stored_before_delete_after(
    store: Store,
) -> None:
    # Started in the same second (a clock back at 2000-01-01 after each power-on) and of one
    # size: their files' CRCs are equal too, as a header ends in its own CRC-16.
    files = device_files(*(session_file(i, start_s=946_684_805, steps=50) for i in (1, 2)))
    result = sync_twice(store, files, (True,))[0]
    assert [o.status for o in result.outcomes.values()] == ["imported", "imported"]
    assert [r.session_id for r in store.sessions()] == [1, 2] and files.sessions() == []


# -- partial files ---------------------------------------------------------------------------


def part_name(raw: bytes, sid: int, device: bytes = DEVICE_ID) -> str:
    from footfall.records import Header
    from footfall_core.crc import session_crc

    start_s = Header.from_bytes(raw).start_s
    return f"{device.hex()}-{sid}-{start_s}-{session_crc(raw, 0, len(raw)):04x}.part"


@pytest.mark.e2e
def test_a_partial_file_of_a_session_stored_before_the_kill_is_removed_next_sync(
    store: Store,
) -> None:
    store.import_session(ONE)  # imported, then killed before its partial file went
    store.partial_dir.mkdir()
    (store.partial_dir / part_name(ONE, 1)).write_bytes(ONE)
    result = sync_twice(store, device_files(ONE), (False,))[0]
    assert result.outcomes[1].status == "already stored"
    assert list(store.partial_dir.iterdir()) == []


@pytest.mark.e2e
def test_partial_files_of_sessions_the_device_no_longer_lists_are_removed(store: Store) -> None:
    store.partial_dir.mkdir()
    gone = store.partial_dir / part_name(TWO, 2)  # deleted from the device meanwhile
    other = store.partial_dir / part_name(TWO, 2, OTHER_ID)  # another sensor's: kept
    for part in (gone, other):
        part.write_bytes(TWO[:500])
    sync_twice(store, device_files(ONE), (False,))
    assert [p.name for p in store.partial_dir.iterdir()] == [other.name]


@pytest.mark.e2e
def test_a_sync_killed_between_its_import_and_removing_the_partial_file_leaves_none(
    tmp_path: Path,
) -> None:
    # The child syncs over a pty; it stops right after its import commits, before the partial
    # file goes, and says so; the parent kills it there (kill -9): no sleeps, no race.
    dev = PtyDevice()
    dev.store.files = device_files(ONE, TWO).files
    db = tmp_path / "s.db"
    child = f"""
import sys
import footfall.sync as sync
from footfall.cli import main
def stop(part):
    print("imported", flush=True)
    sys.stdin.read()
sync._unlink = stop
main(["sync", "--device", "serial:{dev.path}", "--store", {str(db)!r}, "--quiet"])
"""
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stdout.readline() == b"imported\n"
        proc.kill()
        proc.wait(10)
        parts = [p.name for p in (tmp_path / "partial").iterdir()]
        assert parts == [part_name(ONE, 1)]  # the orphan a kill at that point leaves
        assert main(["sync", "--device", f"serial:{dev.path}", "--store", str(db), "--quiet"]) == 0
    finally:
        dev.close()
    assert list((tmp_path / "partial").iterdir()) == []
    with Store(db, read_only=True) as s:
        assert [s.raw(r.id) for r in s.sessions()] == [ONE, TWO]


KILLER = """
import os, signal, sys
import footfall.sync as sync
from footfall.cli import main
from footfall.store import Store
from footfall.transport.link import FrameLink
at, seen = int(sys.argv[1]), [0]
def point(wrapped):
    def hook(*args, **kwargs):
        seen[0] += 1
        if seen[0] == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return wrapped(*args, **kwargs)
    return hook
FrameLink.send = point(FrameLink.send)  # every request, ACK (after a chunk is kept), DELETE
Store._step = point(Store._step)  # inside each import's transaction
sync._unlink = point(sync._unlink)  # each partial file's removal
main(["sync", "--device", sys.argv[2], "--store", sys.argv[3], "--quiet", "--delete-after"])
print("points", seen[0])
"""


@pytest.mark.e2e
def test_sync_killed_at_every_point_loses_and_duplicates_nothing_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    sessions = [ONE, TWO, COPIED]
    dev = PtyDevice()
    try:
        dev.store.files = device_files(*sessions).files
        db = tmp_path / "count.db"
        url = f"serial:{dev.path}"
        done = subprocess.run(
            [sys.executable, "-c", KILLER, "0", url, str(db)], capture_output=True
        )
        points = int(done.stdout.split()[-1])
        assert points > 20
        for at in range(1, points + 1):
            dev.store.files = device_files(*sessions).files
            db = tmp_path / f"kill-{at}.db"
            killed = subprocess.run([sys.executable, "-c", KILLER, str(at), url, str(db)])
            assert killed.returncode == -9
            left = set(dev.store.sessions())
            if db.exists():  # what the killed sync stored is whole, and deleted only if stored
                with Store(db, read_only=True) as s:
                    stored = {s.raw(r.id) for r in s.sessions()}
                assert stored <= set(sessions)
                assert all(sessions[i - 1] in stored for i in {1, 2, 3} - left)
            argv = ["sync", "--device", url, "--store", str(db), "--quiet", "--delete-after"]
            assert main(argv) == 0, at
            with Store(db, read_only=True) as s:
                assert sorted(s.raw(r.id) for r in s.sessions()) == sorted(sessions), at
            assert dev.store.sessions() == [] and list((tmp_path / "partial").iterdir()) == []
    finally:
        dev.close()


# -- an interrupted sync's report ------------------------------------------------------------


@pytest.mark.e2e
def test_an_interrupted_sync_says_what_is_kept_not_pending_as_none(store: Store) -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> SyncResult:
        result = SyncResult(URL)

        def drop(_n: int) -> None:
            asyncio.ensure_future(peripheral.disconnect_all())

        syncer = Syncer(store, progress=Bars(drop))
        with pytest.raises(TransportError):
            await sync_url(URL, store, syncer=syncer, retries=0, result=result, **options)
        return result

    result = run(scenario, device_files(ONE, TWO))
    lines = [o.line() for o in result.outcomes.values()] + [result.total_line()]
    kept = result.outcomes[1].fetched
    assert 0 < kept < len(ONE)
    assert lines[0] == (
        f"session 1: not finished: {kept} of {len(ONE)} bytes kept, the next sync resumes it; "
        "left on the device"
    )
    assert "None" not in "\n".join(lines) and "1 not finished" in lines[-1]


def test_a_session_the_sync_never_reached_says_so() -> None:
    assert Outcome(4, 900).line() == (
        "session 4: not fetched: the sync stopped first; left on the device"
    )


# -- a store that cannot take more -----------------------------------------------------------


@pytest.mark.e2e
def test_a_sync_into_a_locked_store_stops_with_exit_1_and_keeps_the_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import footfall.store_db

    monkeypatch.setattr(footfall.store_db, "BUSY_TIMEOUT_S", 0.05)
    db = tmp_path / "s.db"
    Store(db).close()
    dev = PtyDevice()
    dev.store.files = device_files(ONE, TWO).files
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another sync holds the store
    try:
        argv = ["sync", "--device", f"serial:{dev.path}", "--store", str(db), "--quiet"]
        assert main([*argv, "--delete-after"]) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
        dev.close()
    captured = capsys.readouterr()
    assert "session 1: FAILED: " in captured.out and "locked by another process" in captured.err
    assert dev.store.sessions() == [1, 2]


@pytest.mark.e2e
def test_a_sync_onto_a_full_disk_stops_with_exit_1_and_names_it(tmp_path: Path) -> None:
    got = in_private_mounts(
        """
import contextlib, io
from footfall.cli import main
from tests.host.session_files import session_file
from tests.host.test_serial_transport import PtyDevice
from tests.host.test_sync import device_files
mount_tmpfs("disk", 512)
dev = PtyDevice()
dev.store.files = device_files(*(session_file(i, steps=3000) for i in range(1, 30))).files
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    status = main(["sync", "--device", f"serial:{dev.path}", "--store", "disk/s.db",
                   "--quiet", "--delete-after"])
left = len(dev.store.sessions())
dev.close()
print(json.dumps({"status": status, "err": err.getvalue(), "left": left,
                  "out": out.getvalue()}))
""",
        tmp_path,
    )
    assert got["status"] == 1 and "the disk is full" in got["err"], got
    assert "Traceback" not in got["err"] and 0 < got["left"] < 29


def test_a_file_sync_into_a_locked_store_stops_at_the_first_session_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import footfall.store_db

    monkeypatch.setattr(footfall.store_db, "BUSY_TIMEOUT_S", 0.05)
    folder = tmp_path / "files"
    folder.mkdir()
    for i, raw in enumerate((ONE, TWO), 1):
        (folder / f"{i:05d}.ffs").write_bytes(raw)
    db = tmp_path / "s.db"
    Store(db).close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        argv = ["sync", "--device", f"file:{folder}", "--store", str(db), "--delete-after"]
        assert main(argv) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("session 00001.ffs: FAILED: ") and "locked" in out[0]
    assert len(out) == 2 and sorted(p.name for p in folder.iterdir()) == ["00001.ffs", "00002.ffs"]
