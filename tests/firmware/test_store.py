"""The session store: block appends, repair after a power cut, storage full, LIST data."""

import binascii  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall_core import records as rec
from footfall_core.reader import walk
from footfall_fw.session_writer import FLUSH_MS
from footfall_fw.store import Store, StoreFull
from footfall_fw.store_index import INDEX
from tests.crc_ref import session_crc_ref
from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy_file

RUNNING = 2
BLOCK = 4096


class Flash:
    """free_bytes_fn stand-in: a fixed capacity minus what the directory holds."""

    def __init__(self, root: Path, capacity: int) -> None:
        self.root = root
        self.capacity = capacity

    def __call__(self) -> int:
        return self.capacity - sum(p.stat().st_size for p in self.root.iterdir())


def run_store_script(name: str, root: str):
    """Run tests/mpy/<name> in the unix port on the store at root."""
    return run_mpy_file(MPY_SCRIPTS / name, stdin=repr(root).encode())


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


def files(root: Path) -> list[str]:
    """The store's files apart from its index."""
    return sorted(p.name for p in root.iterdir() if p.name != INDEX)


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
    assert info.crc == session_crc_ref(data)


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


@pytest.mark.e2e
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
        assert files(root) == ["00001.ffs"], k


def test_a_flipped_byte_mid_file_costs_that_record_only(store: Store) -> None:
    log_session(store, 300)
    path = Path(store.path("00001.ffs"))
    data = path.read_bytes()
    ends = boundaries(data)
    blocks = [(a, b) for a, b in zip(ends, ends[1:], strict=False) if data[a] == rec.REC_STEPS]
    start, end = blocks[len(blocks) // 2]  # a step block mid-file, records after it
    assert end < len(data)
    bad = bytearray(data)
    bad[start + 7] ^= 0x01
    path.write_bytes(bytes(bad))
    # The index vouches for a file by its size alone: a file it does not vouch for (a power
    # cut while open, a lost index, older firmware's files) is checked record by record.
    (path.parent / INDEX).unlink()
    report = store.repair()
    assert report == [("00001.ffs", "dropped", end - start, start, 1)]
    assert path.read_bytes() == data[:start] + data[end:]
    (info,) = store.list()
    assert info.steps == 300 - (end - start - 8) // 4 and info.ended  # 8 bytes + 4 a step


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
    (root / INDEX).unlink()  # as after a lost index: every file is read again
    report = store.repair()
    assert report == [("00001.ffs", "removed", 5, 0, 1), ("00002.ffs", "bad header", 0, -1, 0)]
    assert files(root) == ["00002.bad"]
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
    assert files(root) == ["00001.ffs"]


def test_repair_drops_an_unfinished_copy(store: Store) -> None:
    log_session(store, 10)
    root = Path(store.root)
    before = (root / "00001.ffs").read_bytes()
    (root / "00001.tmp").write_bytes(before[:40])
    store.repair()
    assert files(root) == ["00001.ffs"]
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
    assert walk(data, rec.HEADER_BYTES).skipped_bytes == 0
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
    names = files(root)
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


@pytest.mark.e2e
def test_store_logs_lists_and_repairs_in_the_unix_port(tmp_path: Path) -> None:
    out = (
        run_store_script("store_log_list_repair.py", str(tmp_path / "s"))
        .stdout.decode()
        .split(None, 3)
    )
    size = int(out[1])
    assert out[0] == "2000" and out[2] == "1800000000"
    assert out[3].strip() == f"[('00001.ffs', 'truncated', 6, {size}, 1)] {size}"


@pytest.mark.e2e
def test_a_flipped_bit_costs_one_record_of_an_unsynced_session_in_the_unix_port(
    tmp_path: Path,
) -> None:
    # The board's next boot, with the index lost: repair drops the damaged step block and
    # keeps every other record (it used to cut the file to its header: every step gone).
    out = (
        run_store_script("store_flipped_bit_repair.py", str(tmp_path / "s"))
        .stdout.decode()
        .strip()
    )
    report, rest = out.rsplit("]", 1)
    at, size, steps = (int(v) for v in rest.split())
    assert report + "]" == f"[('00001.ffs', 'dropped', {size}, {at}, 1)]"
    assert steps == 1061 - (size - 8) // 4


def test_sync_interface_lists_and_streams_a_session_byte_for_byte(store: Store) -> None:
    log_session(store, 300)
    log_session(store, 10)
    data = Path(store.path("00001.ffs")).read_bytes()
    assert store.sessions() == [1, 2]
    start_s, duration_s, steps, size, crc = store.session_info(1)
    assert (start_s, duration_s, steps, size) == (1_800_000_000, 105, 300, len(data))
    assert crc == session_crc_ref(data)
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


@pytest.mark.e2e
def test_add_step_between_flushes_allocates_nothing_in_the_unix_port(tmp_path: Path) -> None:
    assert run_store_script("store_add_step_heap_lock.py", str(tmp_path / "s")).stdout.split() == [
        b"900",
        b"900",
    ]


# -- cost: what listing and serving read, counted in bytes (not timed) -------------------


class Reads:
    """Counts the bytes the store reads from each kind of file, per file name suffix, by
    standing in for `open` in the store's modules."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import builtins

        import footfall_fw.store as store_mod
        import footfall_fw.store_index as index_mod

        self.session = 0  # bytes read from session files
        self.index = 0  # bytes read from the index
        self.opens = 0
        real_open = builtins.open
        reads = self

        class Counted:
            def __init__(self, f, name: str) -> None:
                self.f = f
                self.is_index = name.endswith(INDEX)

            def _count(self, n: int) -> None:
                if self.is_index:
                    reads.index += n
                else:
                    reads.session += n

            def readinto(self, buf):
                n = self.f.readinto(buf)
                self._count(n or 0)
                return n

            def __iter__(self):
                for line in self.f:
                    self._count(len(line))
                    yield line

            def __getattr__(self, name):
                return getattr(self.f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

        def counting_open(path, mode="r", *args, **kwargs):
            reads.opens += 1
            return Counted(real_open(path, mode, *args, **kwargs), str(path))

        for mod in (store_mod, index_mod):
            monkeypatch.setattr(mod, "open", counting_open, raising=False)

    def reset(self) -> None:
        self.session = self.index = self.opens = 0


def list_all_pages(store: Store, page_bytes: int = 236) -> list[tuple]:
    """Every LIST page through the real SyncServer, as the host asks for them."""
    from footfall_core import protocol as P
    from footfall_core.frames import FrameParser
    from footfall_core.sync_server import SyncServer

    replies: list[bytes] = []
    parser = FrameParser(lambda t, s, b, o, n: replies.append(bytes(b[o : o + n])))

    class Device:
        pass

    server = SyncServer(store, None, Device(), lambda buf, n: parser.feed(bytes(buf[:n])), 236)
    entries: list[tuple] = []
    while True:
        first = bytearray(2)
        P.put_u16_le(first, 0, len(entries))
        from footfall_core.frames import pack_frame

        server.feed(pack_frame(P.LIST, 1, bytes(first)))
        total, _first, page = P.unpack_list(replies[-1], 0, len(replies[-1]))
        entries += page
        if not page or len(entries) >= total:
            return entries


def many_sessions(root: Path, count: int, steps: int = 40) -> dict[int, bytes]:
    """count closed sessions of different lengths in root; {id: file bytes}."""
    store = Store(str(root), free_bytes_fn=lambda: 10**9)
    for i in range(count):
        log_session(store, steps + i)
    return {int(p.name[:5]): p.read_bytes() for p in root.iterdir() if p.name.endswith(".ffs")}


@pytest.mark.parametrize("count", [4, 40])
def test_after_a_boot_listing_every_page_reads_no_session_bytes(tmp_path, monkeypatch, count):
    root = tmp_path / "sessions"
    files = many_sessions(root, count)
    reads = Reads(monkeypatch)
    store = Store(str(root), free_bytes_fn=lambda: 10**9)  # a boot
    store.finish()
    index_bytes = reads.index
    listed = list_all_pages(store)
    assert reads.session == 0  # sizes and CRCs came from the index the writer kept
    assert index_bytes == (root / INDEX).stat().st_size  # read once: O(sessions)
    assert [(e[0], e[4], e[5]) for e in listed] == [
        (sid, len(data), session_crc_ref(data)) for sid, data in sorted(files.items())
    ]


def test_listing_and_serving_touch_no_directory_and_read_only_the_session_sent(
    tmp_path, monkeypatch
):
    root = tmp_path / "sessions"
    files = many_sessions(root, 30)
    store = Store(str(root), free_bytes_fn=lambda: 10**9)
    store.finish()
    import footfall_fw.store as store_mod

    calls = []

    class CountingOs:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(__import__("os"), name)

    monkeypatch.setattr(store_mod, "os", CountingOs())
    reads = Reads(monkeypatch)
    for _ in range(3):  # a host lists again and again: the cost does not grow
        list_all_pages(store)
    out = bytearray(600)
    got = bytearray()
    while len(got) < len(files[17]):
        n = store.read_into(17, len(got), out, 4, 500)
        got += out[4 : 4 + n]
    assert bytes(got) == files[17]
    assert calls == []  # no listdir or stat per LIST page or per DATA chunk
    assert reads.session == len(files[17])


def test_without_an_index_each_step_reads_a_bounded_chunk_and_the_index_comes_back(
    tmp_path, monkeypatch
):
    from footfall_fw.store_index import SCAN_BYTES

    root = tmp_path / "sessions"
    files = many_sessions(root, 6, steps=3000)  # about 12 KB each: several steps per file
    (root / INDEX).unlink()  # lost, or a store written by older firmware
    reads = Reads(monkeypatch)
    store = Store(str(root), free_bytes_fn=lambda: 10**9)
    per_step = []
    before = 0
    while store.step():
        per_step.append(reads.session - before)
        before = reads.session
    per_step.append(reads.session - before)
    assert max(per_step) <= SCAN_BYTES
    # Each file is read once, but for a record cut by a chunk's end, read again whole.
    assert (
        sum(len(d) for d in files.values())
        <= reads.session
        < 1.1 * sum(len(d) for d in files.values())
    )
    assert [(e[0], e[4], e[5]) for e in list_all_pages(store)] == [
        (sid, len(d), session_crc_ref(d)) for sid, d in sorted(files.items())
    ]
    reads.reset()
    again = Store(str(root), free_bytes_fn=lambda: 10**9)  # the next boot
    again.finish()
    assert reads.session == 0 and len(again.sessions()) == 6


def test_a_corrupt_index_is_rebuilt_from_the_files(tmp_path):
    root = tmp_path / "sessions"
    files = many_sessions(root, 5)
    lines = (root / INDEX).read_text().splitlines()
    garbled = lines[1].replace("1", "7", 1)  # a wrong value: its check no longer matches
    (root / INDEX).write_text("\n".join([lines[0], garbled, "junk", lines[3][:7]]))
    store = Store(str(root), free_bytes_fn=lambda: 10**9)
    store.finish()
    want = [(sid, len(d), session_crc_ref(d)) for sid, d in sorted(files.items())]
    assert [(i.id, i.size, i.crc) for i in map(store._info.get, store.sessions())] == want
    again = Store(str(root), free_bytes_fn=lambda: 10**9)
    again.finish()
    assert [(i.id, i.size, i.crc) for i in map(again._info.get, again.sessions())] == want


def test_an_id_used_again_after_every_session_was_deleted_is_not_taken_for_the_old_one(
    tmp_path,
):
    root = tmp_path / "sessions"
    store = Store(str(root), free_bytes_fn=lambda: 10**9)
    w = store.begin(header())
    w.add_step(350, 2000, 171, RUNNING)
    w.close(now_ms=350)
    old = store.session_info(1)
    assert store.delete(1)
    later = rec.Header(device_id=b"\x10\x20\x30\x40\x50\x60", start_s=1_900_000_000)
    w = store.begin(later)  # id 1 again, a file of the very same size
    w.add_step(360, 2000, 171, RUNNING)
    w.close(now_ms=360)
    index = root / INDEX  # the power fails before the close's index line reaches flash
    index.write_text("".join(index.read_text().splitlines(keepends=True)[:-1]))
    data = (root / "00001.ffs").read_bytes()
    boot = Store(str(root), free_bytes_fn=lambda: 10**9)
    boot.finish()
    assert boot.session_info(1)[3:] == (len(data), session_crc_ref(data))
    assert boot.session_info(1)[3] == old[3]  # the same size: only the index line tells them
    assert boot.session_info(1)[:2] == (1_900_000_000, 0)  # apart, and the newer one wins


@pytest.mark.e2e
def test_the_store_task_learns_a_store_without_an_index_in_steps_in_the_unix_port(
    tmp_path: Path,
) -> None:
    root = tmp_path / "s"
    files = many_sessions(root, 5, steps=2000)
    (root / INDEX).unlink()
    out = run_store_script("store_task_learns_index.py", str(root)).stdout.decode().splitlines()
    want = [(sid, (len(d), session_crc_ref(d))) for sid, d in sorted(files.items())]
    assert out[0] == f"True {want}"  # the sampler ran between the steps
    assert out[1] == "0 5"  # the rebuilt index: the next boot reads no session byte


def test_an_index_of_mostly_deleted_sessions_is_rewritten_with_the_live_ones(tmp_path):
    root = tmp_path / "sessions"
    files = many_sessions(root, 40, steps=5)
    store = Store(str(root), free_bytes_fn=lambda: 10**9)
    store.finish()
    for sid in range(1, 36):
        assert store.delete(sid)
    boot = Store(str(root), free_bytes_fn=lambda: 10**9)
    boot.finish()
    lines = (root / INDEX).read_text().splitlines()
    assert [int(line.split()[0]) for line in lines] == [36, 37, 38, 39, 40]
    again = Store(str(root), free_bytes_fn=lambda: 10**9)
    again.finish()
    assert [again.session_info(s)[3:] for s in again.sessions()] == [
        (len(files[s]), session_crc_ref(files[s])) for s in range(36, 41)
    ]


def test_a_session_whose_write_failed_is_listed_from_its_file_not_from_the_writer(
    tmp_path, monkeypatch
):
    store = Store(str(tmp_path / "s"), free_bytes_fn=lambda: 10**9)
    w = store.begin(header())
    for _ in range(1200):  # more than a block: one flush went out whole
        w.add_step(350, 2000, 171, RUNNING)
    real_write = w.f.write

    def torn(data):  # the flash takes part of the block, then fails
        real_write(bytes(data[:100]))
        raise OSError(28, "no space")

    monkeypatch.setattr(w.f, "write", torn, raising=False)
    w.tick(10**6)  # flushes: the write fails
    assert store.full and w.stopped
    w.close()
    assert store.sessions() == []  # its size and CRC are unknown until the file is read
    store.finish()
    data = Path(store.path("00001.ffs")).read_bytes()
    assert store.session_info(1)[3:] == (len(data), session_crc_ref(data))


def test_a_version_1_session_left_by_older_firmware_is_kept_whole(store: Store) -> None:
    # the same session as older firmware wrote it: a 34-byte header, then the same records
    log_session(store, 200)
    path = Path(store.path("00001.ffs"))
    v3 = path.read_bytes()
    v1 = bytearray(v3[:32])
    v1[4], v1[5] = 1, rec.HEADER_BYTES_V1
    v1 += binascii.crc_hqx(bytes(v1), 0xFFFF).to_bytes(2, "big")
    path.write_bytes(bytes(v1) + v3[rec.HEADER_BYTES :])
    assert store.repair() == []
    (info,) = store.list()
    short = rec.HEADER_BYTES - rec.HEADER_BYTES_V1
    assert info.steps == 200 and info.valid_bytes == info.size == len(v3) - short


def test_opening_and_closing_a_session_drains_the_imu_between_its_flash_writes(
    tmp_path: Path,
) -> None:
    # Each of these writes costs flash time (a commit, often an erase): on a small FIFO the
    # sampler must run between them, not only before and after (docs/virtual-board.md, Timing).
    store = Store(str(tmp_path / "s"), free_bytes_fn=lambda: 10**9)
    order: list[str] = []
    append = store._index_append
    store._index_append = lambda line: (order.append("index line"), append(line))[1]
    store.before_write = lambda: order.append("poll")
    w = store.begin(header())
    assert order == ["index line", "poll"]  # the tombstone, then the sampler, then the file
    w.add_step(350, 2000, 171, RUNNING)
    order.clear()
    w.close(now_ms=350)
    assert order[-2:] == ["poll", "index line"]  # the file closed, the sampler, the index
