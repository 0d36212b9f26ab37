"""The session store: block appends, repair after a power cut, storage full, LIST data."""

import binascii  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall_core import records as rec
from footfall_fw.session_writer import FLUSH_MS
from footfall_fw.store import Store, StoreFull
from tests.unixport import run_mpy

RUNNING = 2
BLOCK = 4096


class Flash:
    """free_bytes_fn stand-in: a fixed capacity minus what the directory holds."""

    def __init__(self, root: Path, capacity: int) -> None:
        self.root = root
        self.capacity = capacity

    def __call__(self) -> int:
        return self.capacity - sum(p.stat().st_size for p in self.root.iterdir())


def header() -> rec.Header:
    return rec.Header(device_id=b"\x10\x20\x30\x40\x50\x60", fw=(0, 1, 0), start_s=1_800_000_000)


def log_session(store: Store, steps: int, interval_ms: int = 350) -> int:
    """A run of `steps` steps with a tick per step and a cue every 100; returns its id."""
    w = store.begin(header())
    t = 0
    for i in range(steps):
        t += interval_ms
        w.add_step(interval_ms, 2000 + 10 * (i % 50), 171, RUNNING)
        if i % 100 == 50:
            w.add_event(rec.EV_CUE, 160, t)
        w.tick(t)
    w.close(now_ms=t)
    return w.id


def boundaries(data: bytes) -> list[int]:
    # Record ends from the framing alone: type, length, payload, CRC.
    ends, pos = [rec.HEADER_BYTES], rec.HEADER_BYTES
    while pos < len(data):
        pos += data[pos + 1] + 4
        ends.append(pos)
    assert pos == len(data)
    return ends


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path / "sessions"), free_bytes_fn=lambda: 10**7)


def test_list_reports_steps_size_duration_and_file_crc(store: Store) -> None:
    sid = log_session(store, 500)
    (info,) = store.list()
    data = Path(store.path(info.name)).read_bytes()
    assert (info.id, info.steps, info.start_s, info.ended) == (sid, 500, 1_800_000_000, True)
    assert (info.size, info.valid_bytes) == (len(data), len(data))
    assert info.duration_ms == 500 * 350
    assert info.crc == binascii.crc_hqx(data, 0xFFFF)


def test_each_session_gets_the_next_id(store: Store) -> None:
    ids = [log_session(store, 5) for _ in range(3)]
    assert ids == [1, 2, 3]
    assert [i.name for i in store.list()] == ["00001.ffs", "00002.ffs", "00003.ffs"]


def test_tick_flushes_every_60_s_so_a_power_cut_loses_at_most_the_tail(store: Store) -> None:
    w = store.begin(header())
    t = 0
    for _ in range(400):  # 140 s: flushes at 60 s and 120 s
        t += 350
        w.add_step(350, 2000, 171, RUNNING)
        w.tick(t)
    on_flash = Path(store.path(w.name)).read_bytes()  # the power fails here
    # Flushes at the first steps reaching 60 s (step 172, 60.2 s) and 60 s later (step 344).
    assert FLUSH_MS == 60_000
    steps_by_120_s = 344
    info = Store(str(Path(store.root)), free_bytes_fn=lambda: 10**7).scan(w.name)
    assert info.valid_bytes == len(on_flash)
    assert info.steps == steps_by_120_s


def test_a_file_cut_at_every_byte_is_repaired_keeping_every_complete_record(
    tmp_path: Path,
) -> None:
    src = Store(str(tmp_path / "src"), free_bytes_fn=lambda: 10**7)
    log_session(src, 150)
    data = Path(src.path("00001.ffs")).read_bytes()
    ends = boundaries(data)
    root = tmp_path / "cut"
    store = Store(str(root), free_bytes_fn=lambda: 10**7)
    for k in range(len(data) + 1):
        (root / "00001.ffs").write_bytes(data[:k])
        store.repair()
        if k < rec.HEADER_BYTES:
            assert not (root / "00001.ffs").exists(), k
            continue
        keep = max(e for e in ends if e <= k)
        assert (root / "00001.ffs").read_bytes() == data[:keep], k
        assert sorted(p.name for p in root.iterdir()) == ["00001.ffs"], k


def test_a_flipped_byte_mid_file_truncates_there_and_keeps_what_came_before(
    store: Store,
) -> None:
    log_session(store, 300)
    path = Path(store.path("00001.ffs"))
    data = path.read_bytes()
    ends = boundaries(data)
    cut = ends[len(ends) // 2]
    bad = bytearray(data)
    bad[cut + 7] ^= 0x01
    path.write_bytes(bytes(bad))
    report = store.repair()
    assert report == [("00001.ffs", "truncated", len(data) - cut)]
    assert path.read_bytes() == data[:cut]


def test_repair_leaves_valid_sessions_untouched(store: Store) -> None:
    log_session(store, 200)
    before = Path(store.path("00001.ffs")).read_bytes()
    assert store.repair() == []
    assert Path(store.path("00001.ffs")).read_bytes() == before


def test_a_torn_header_is_removed_and_a_corrupt_one_set_aside(store: Store) -> None:
    root = Path(store.root)
    (root / "00001.ffs").write_bytes(b"FFS1\x01")
    log_session(store, 10)
    data = bytearray((root / "00002.ffs").read_bytes())
    data[20] ^= 0xFF
    (root / "00002.ffs").write_bytes(bytes(data))
    report = store.repair()
    assert report == [("00001.ffs", "removed", 5), ("00002.ffs", "bad header", 0)]
    assert sorted(p.name for p in root.iterdir()) == ["00002.bad"]
    assert store.list() == []


def test_list_skips_a_file_whose_header_does_not_decode(store: Store) -> None:
    log_session(store, 5)
    Path(store.path("00002.ffs")).write_bytes(b"not a session at all, just noise here....")
    assert [i.id for i in store.list()] == [1]


def test_repair_finishes_a_copy_whose_original_was_already_removed(store: Store) -> None:
    log_session(store, 10)
    root = Path(store.root)
    (root / "00001.ffs").rename(root / "00001.tmp")
    store.repair()
    assert sorted(p.name for p in root.iterdir()) == ["00001.ffs"]


def test_repair_drops_an_unfinished_copy(store: Store) -> None:
    log_session(store, 10)
    root = Path(store.root)
    before = (root / "00001.ffs").read_bytes()
    (root / "00001.tmp").write_bytes(before[:40])
    store.repair()
    assert sorted(p.name for p in root.iterdir()) == ["00001.ffs"]
    assert (root / "00001.ffs").read_bytes() == before


def test_storage_full_refuses_a_new_session_and_keeps_the_old_ones(tmp_path: Path) -> None:
    root = tmp_path / "sessions"
    flash = Flash(root, capacity=10**7)
    store = Store(str(root), free_bytes_fn=flash, block_bytes=BLOCK)
    log_session(store, 500)
    log_session(store, 500)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    flash.capacity = sum(len(b) for b in before.values()) + BLOCK  # less than a block spare
    with pytest.raises(StoreFull):
        store.begin(header())
    assert store.full
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before


def test_storage_full_mid_run_stops_logging_with_an_end_record(tmp_path: Path) -> None:
    root = tmp_path / "sessions"
    flash = Flash(root, capacity=3 * BLOCK)
    store = Store(str(root), free_bytes_fn=flash, block_bytes=BLOCK)
    w = store.begin(header())
    logged = 0
    for _ in range(5000):
        if not w.add_step(350, 2000, 171, RUNNING):
            break
        logged += 1
    assert (w.stopped, store.full) == (True, True)
    assert logged < 5000
    assert w.tick(10**6) is True
    w.close()
    data = (root / "00001.ffs").read_bytes()
    end, _ = rec.walk(data)
    assert end == len(data)
    assert data[-13] == rec.REC_END and data[-3] == rec.END_FULL


def test_full_store_deletes_synced_sessions_but_never_unsynced_ones(tmp_path: Path) -> None:
    root = tmp_path / "sessions"
    flash = Flash(root, capacity=10**7)
    store = Store(str(root), free_bytes_fn=flash, block_bytes=BLOCK)
    for _ in range(3):
        log_session(store, 500)
    assert store.mark_synced(2)
    unsynced = {n: (root / n).read_bytes() for n in ("00001.ffs", "00003.ffs")}
    flash.capacity = sum(p.stat().st_size for p in root.iterdir()) + BLOCK
    w = store.begin(header())  # room is made by deleting the synced session 2 only
    w.close()
    names = sorted(p.name for p in root.iterdir())
    assert names == ["00001.ffs", "00003.ffs", "00004.ffs"]
    assert {n: (root / n).read_bytes() for n in unsynced} == unsynced


def test_list_marks_synced_sessions_and_delete_removes_them(store: Store) -> None:
    log_session(store, 5)
    log_session(store, 5)
    store.mark_synced(1)
    assert [(i.id, i.synced) for i in store.list()] == [(1, True), (2, False)]
    assert store.delete(1)
    assert [i.id for i in store.list()] == [2]


def test_begin_takes_header_fields(store: Store) -> None:
    w = store.begin(device_id=b"abcdef", start_s=1_800_000_000, placement="shoe", target_spm=176)
    w.close()
    data = Path(store.path(w.name)).read_bytes()
    h = rec.Header.unpack_from(data)
    assert (h.placement, h.target_spm, h.session_id, h.start_s()) == (
        "shoe",
        176,
        1,
        1_800_000_000,
    )


def test_list_leaves_out_the_session_being_written(store: Store) -> None:
    log_session(store, 5)
    w = store.begin(header())
    w.add_step(350, 2000, 171, RUNNING)
    assert [i.id for i in store.list()] == [1]
    w.close()
    assert [i.id for i in store.list()] == [1, 2]


def test_store_logs_lists_and_repairs_in_the_unix_port(tmp_path: Path) -> None:
    script = f"""
from footfall_core import records as rec
from footfall_fw.store import Store
s = Store({str(tmp_path / "s")!r}, free_bytes_fn=lambda: 10000000)
w = s.begin(rec.Header(device_id=b"abcdef", start_s=1800000000))
t = 0
for i in range(2000):
    t += 350
    w.add_step(350, 2000, 171, 2)
    w.tick(t)
w.close(now_ms=t)
info = s.list()[0]
f = open(s.path(info.name), "ab")
f.write(b"\\x01\\x20torn")
f.close()
print(info.steps, info.size, info.start_s, s.repair(), s.list()[0].size)
"""
    out = run_mpy(script).stdout.decode().split(None, 3)
    size = int(out[1])
    assert out[0] == "2000" and out[2] == "1800000000"
    assert out[3].strip() == f"[('00001.ffs', 'truncated', 6)] {size}"


def test_sync_interface_lists_and_streams_a_session_byte_for_byte(store: Store) -> None:
    log_session(store, 300)
    log_session(store, 10)
    data = Path(store.path("00001.ffs")).read_bytes()
    assert store.sessions() == [1, 2]
    start_s, duration_s, steps, size, crc = store.session_info(1)
    assert (start_s, duration_s, steps, size) == (1_800_000_000, 105, 300, len(data))
    assert crc == binascii.crc_hqx(data, 0xFFFF)
    out = bytearray(300)
    got = bytearray()
    while len(got) < size:
        n = store.read_into(1, len(got), out, 10, 200)
        got += out[10 : 10 + n]
    assert bytes(got) == data


def test_sync_interface_raises_key_error_for_an_unknown_session(store: Store) -> None:
    log_session(store, 5)
    with pytest.raises(KeyError):
        store.session_info(9)
    with pytest.raises(KeyError):
        store.read_into(9, 0, bytearray(10), 0, 10)


def test_delete_closes_the_file_sync_was_reading(store: Store) -> None:
    log_session(store, 5)
    store.read_into(1, 0, bytearray(10), 0, 10)
    assert store.delete(1)
    assert store.sessions() == []
    assert store._reader is None


def test_add_step_between_flushes_allocates_nothing_in_the_unix_port(tmp_path: Path) -> None:
    script = f"""
import micropython
from footfall_core import records as rec
from footfall_fw.store import Store

def log(w, n):
    ok = 0
    for i in range(n):
        ok += w.add_step(340 + i % 30, 1500 + i * 7, 170 + i % 9, 2)
    return ok

s = Store({str(tmp_path / "s")!r}, free_bytes_fn=lambda: 10000000)
w = s.begin(rec.Header(device_id=b"abcdef"))
ok = 0
micropython.heap_lock()
ok = log(w, 900)  # 900 steps fit in one 4096-byte block: no flush
micropython.heap_unlock()
w.close()
print(ok, s.list()[0].steps)
"""
    assert run_mpy(script).stdout.split() == [b"900", b"900"]


def test_a_version_1_session_left_by_older_firmware_is_kept_whole(store: Store) -> None:
    # the same session as older firmware wrote it: a 34-byte header, then the same records
    log_session(store, 200)
    path = Path(store.path("00001.ffs"))
    v2 = path.read_bytes()
    v1 = bytearray(v2[:32])
    v1[4], v1[5] = 1, rec.HEADER_BYTES_V1
    v1 += binascii.crc_hqx(bytes(v1), 0xFFFF).to_bytes(2, "big")
    path.write_bytes(bytes(v1) + v2[rec.HEADER_BYTES :])
    assert store.repair() == []
    (info,) = store.list()
    assert info.steps == 200 and info.valid_bytes == info.size == len(v2) - 10
