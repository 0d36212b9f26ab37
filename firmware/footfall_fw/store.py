"""Session store on flash: one file per session, block appends, repair after boot, never a
session overwritten before it is synced, and LIST/GET at a cost that does not grow with
what is stored.

Files in the store's directory (`/sessions` on the device):
    00012.ffs       session 12, not yet synced
    00012.syn.ffs   session 12, synced to a host (mark_synced); may be deleted to make room
    00012.tmp       a repair copy in progress (see repair)
    00012.bad       a session whose header is corrupt: kept for a human, never listed
    index.txt       size, CRC, start, duration and steps of each closed session
                    (store_index.py), appended as each one closes

Loss bound: steps reach flash when the block buffer fills (about 990 steps) and at least
every FLUSH_MS of session time via tick(); a power cut loses only that unflushed tail,
at most one block buffer or FLUSH_MS of steps, whichever is less. Every record in the
file before it carries its own CRC and survives.

Repair (store_repair.py; MicroPython has no os.truncate): the header and every intact
record are copied to NNNNN.tmp, synced, the original removed and the copy renamed into
place, so damage anywhere in a file costs only the records it touches. If power fails in
between, the next repair finds the .tmp: with the original still there it is an unfinished
copy and is removed; without it, it is the finished copy and is renamed into place.

Cost: the listing lives in RAM (one SessionInfo per closed session). The writer reports
each block it writes, so a session that closes joins it with its session CRC
(footfall_core.crc.session_crc) without a byte read back. After a boot the rescan learns
the directory in steps (step(); the app's task runs it): it reads the index
(LINES_PER_STEP lines a step), matches it against one directory pass (sizes from
LittleFS's ilistdir), and reads back only files the index does not vouch for, SCAN_BYTES
a step (store_index.scan_steps), dropping damage and setting bad headers aside as it goes.
Until it reaches a file, that file is not listed. sessions(), session_info() and
read_into() never touch the directory.
"""

import os

from footfall_core import records as rec
from footfall_core.crc import session_crc

from footfall_fw import store_index as ix
from footfall_fw.session_writer import SessionWriter
from footfall_fw.store_index import SUFFIX, SYNCED, SessionInfo

FILES_PER_STEP = 8  # directory entries read or matched against the index per step
STEP_PAUSE_MS = 5  # run(): pause between steps while there is work
IDLE_MS = 1000  # run(): wake period with nothing to do


class StoreFull(OSError):
    """No room for a new session (or a block of an open one) without touching unsynced ones."""


def _entry_size(entry, path):
    return entry[3] if len(entry) > 3 else os.stat(path)[6]


class Store:
    """Sessions in directory `root`; free_bytes_fn() / total_bytes_fn() -> bytes free /
    in all (default: statvfs of root)."""

    def __init__(
        self, root="/sessions", free_bytes_fn=None, block_bytes=4096, total_bytes_fn=None
    ):
        self.root = root
        self.total_bytes_fn = total_bytes_fn
        self._reader = None  # (name, open file) of the session sync is reading
        self.block_bytes = block_bytes
        self.free_bytes = free_bytes_fn or self._statvfs_free
        self.buf = bytearray(block_bytes)  # the one block buffer, shared by every writer
        self.full = False
        self.writer = None
        # called with (name, action, bytes, at, places) as the job repairs a file
        # (store_repair.py: what was dropped, from which offset, in how many places)
        self.on_repair = None
        self.before_write = None  # called before each flash write of a session (drains the IMU)
        self.repairs = []  # [(name, action, bytes, at, places)] since the last rescan()
        self.index_errors = 0  # index appends the flash refused (those sessions rescan)
        self.scanned_bytes = 0  # session bytes read back by scans (0 when the index knew all)
        self._info = {}  # sid -> SessionInfo of each closed session whose CRC is known
        self._ids = None  # sorted ids of _info, made when asked for
        self._wip = None  # SessionInfo of the open session, filled as blocks are written
        self._wip_visit = None
        self._job = None  # the rescan generator, advanced by step()
        self._scan_buf = None
        self.index_dirty = False  # the index changed while a compaction was writing
        try:
            os.mkdir(root)
        except OSError:
            pass  # already there
        self.rescan()

    def _statvfs_free(self):
        st = os.statvfs(self.root)
        return st[1] * st[4]  # f_frsize * f_bavail

    def path(self, name):
        return self.root + "/" + name

    def _files(self):
        # [(id, name, synced)] of session files, oldest first.
        out = []
        for name in os.listdir(self.root):
            if name.endswith(SUFFIX) and name[:5].isdigit():
                out.append((int(name[:5]), name, name.endswith(SYNCED)))
        out.sort()
        return out

    def _next_id(self):
        top = 0
        for name in os.listdir(self.root):
            if name[:5].isdigit() and int(name[:5]) > top:
                top = int(name[:5])
        return top + 1

    def make_room(self, nbytes):
        # True when nbytes fit with one block to spare, deleting the oldest synced
        # sessions (already safe on a host) if that is what it takes.
        while self.free_bytes() < nbytes + self.block_bytes:
            synced = [f for f in self._files() if f[2]]
            if not synced:
                return False
            self._forget(synced[0][0])
            os.remove(self.path(synced[0][1]))
        return True

    def begin(self, header=None, **fields):
        """Start a session from a records.Header (or its fields: device_id, fw, start_s,
        rate_hz, placement, target_spm, ...); writes the header now; returns the writer.

        Raises StoreFull (and sets `full`) when not even a block is free."""
        if header is None:
            header = rec.Header(**fields)
        if self.writer is not None:
            raise ValueError("a session is already open")
        sid = self._next_id()
        if not self.make_room(rec.HEADER_BYTES):
            self.full = True
            raise StoreFull("session storage full")
        self.full = False
        header.session_id = sid & 0xFFFF
        name = f"{sid:05d}{SUFFIX}"
        self._forget(sid)
        self._index_append(ix.tombstone(sid))  # an older line for this id is void
        info = self._wip = SessionInfo(sid, name, False)
        info.start_s = header.start_s()
        self._wip_visit = ix.Scan(info).visit
        self.writer = SessionWriter(self, sid, name, header)
        return self.writer

    # -- what the writer reports --------------------------------------------------------

    def wrote(self, buf, n):
        """SessionWriter wrote buf[:n] to the open session's file (n < 0: a write failed,
        so its size and CRC are unknown and the file is scanned once closed)."""
        info = self._wip
        if info is None or info.size < 0:
            return
        if n < 0:
            info.size = -1
            return
        pos = rec.HEADER_BYTES if info.size == 0 else 0
        info.crc = session_crc(buf, 0, n, info.crc)
        ix.visit_written(self._wip_visit, buf, pos, n)
        info.size += n

    def closed(self, writer):
        """The open session's file is closed: it joins the listing with what was written."""
        info, self._wip = self._wip, None
        self.writer = None
        if info is None or info.id != writer.id:
            return
        if info.size < rec.HEADER_BYTES:
            self._start_job()  # a failed write: learn the file from the file itself
            return
        info.valid_bytes = info.size
        self._add(info)
        if self.before_write is not None:  # the file's last block and close took flash time
            self.before_write()
        self._index_append(ix.index_line(info))

    # -- the listing ------------------------------------------------------------------

    def _add(self, info):
        self._info[info.id] = info
        self._ids = None

    def _forget(self, sid):
        if self._info.pop(sid, None) is not None:
            self._ids = None

    def _index_append(self, line):
        self.index_dirty = True
        if not ix.append(self.path(ix.INDEX), line):
            self.index_errors += 1

    def rescan(self):
        """Forget what is known and learn the directory again, in steps (step(), run())."""
        if self._job is not None:
            self._job.close()
        self._info = {}
        self._ids = None
        self.repairs = []
        self._job = self._rescan_steps()

    def _start_job(self):
        if self._job is None:
            self._job = self._rescan_steps()

    def step(self):
        """Advance the rescan by one bounded step; False when there is nothing left to do."""
        if self._job is None:
            return False
        try:
            next(self._job)
        except StopIteration:
            self._job = None
            self._scan_buf = None
        return self._job is not None

    def finish(self):
        """Run the rescan to its end now (REPL, tests, tools: not from the event loop)."""
        while self.step():
            pass

    async def run(self):
        """The store's task: step the rescan with a pause between steps."""
        import asyncio

        while True:
            await asyncio.sleep_ms(STEP_PAUSE_MS if self.step() else IDLE_MS)

    @property
    def ready(self):
        """True once every file in the directory is known (listed or set aside)."""
        return self._job is None

    def list(self):
        """SessionInfo of each closed session, oldest first (the open one is left out, and
        so is a file whose header does not decode). Learns the directory again first, to
        the end: for the REPL and tests; the sync interface below never waits on it."""
        self.rescan()
        self.finish()
        return [self._info[sid] for sid in self.sessions()]

    def scan(self, name, sid=0, synced=False):
        """Read a whole session file now: header, kept records, steps, session CRC.

        Raises ValueError when the header is missing or corrupt."""
        info = SessionInfo(sid, name, synced)
        for _ in ix.scan_steps(self.path(name), info, bytearray(ix.SCAN_BYTES)):
            pass
        return info

    def repair(self):
        """Finish or drop interrupted repairs, drop the damage (and only the damage) in each
        file the index does not vouch for, set corrupt headers aside: the rescan, run to its
        end now. Returns [(name, action, bytes, at, places)] of what it did."""
        if self.writer is not None:
            raise ValueError("repair with a session open")
        self.rescan()
        self.finish()
        return self.repairs

    # -- the rescan, one bounded step per yield -------------------------------------------

    def _rescan_steps(self):
        for name in os.listdir(self.root):
            if name.endswith(".tmp"):
                from footfall_fw import store_repair

                self.report(store_repair.finish_copy(self, name))
        yield
        known = {}  # type: dict
        stale = yield from ix.load_steps(self.path(ix.INDEX), known)
        self.index_dirty = False
        pending = []
        matched = 0
        files = yield from self._sizes_steps()
        for k, (sid, name, synced, size) in enumerate(files):
            info = self._info.get(sid)
            fields = known.get(sid)
            if fields is not None and fields[1] == size:
                matched += 1
            wip = self._wip
            if (wip is not None and wip.id == sid) or (info is not None and info.size == size):
                pass  # being written, or already known (a rescan after a failed write)
            elif fields is not None and fields[1] == size:
                self._add(ix.info_from(fields, name, synced))
            else:
                pending.append((sid, name, synced, size))
            if k % FILES_PER_STEP == FILES_PER_STEP - 1:
                yield
        files = None
        stale += len(known) - matched  # lines of files that are gone
        known.clear()
        if pending:
            # Loaded only when a file must be read: most boots never need the reader's RAM.
            from footfall_fw import store_repair as fix

            buf = self._scan_buf = bytearray(ix.SCAN_BYTES)
            for sid, name, synced, size in pending:
                info = yield from fix.learn_steps(self, sid, name, synced, size, buf)
                if info is not None:
                    self._add(info)
                    self._index_append(ix.index_line(info))
        if stale > max(16, len(self._info)):  # more dead lines than live ones
            yield from ix.compact_steps(self)

    def _sizes_steps(self):
        # Generator: [(id, name, synced, size)] of session files, oldest first, from one
        # directory pass taken whole (ilistdir is C on the board; a write during the
        # steps would otherwise change the directory under the iterator), then read
        # FILES_PER_STEP entries a step. LittleFS's ilistdir gives each size (4-tuples);
        # elsewhere os.stat does.
        ilistdir = getattr(os, "ilistdir", None)
        entries = list(ilistdir(self.root)) if ilistdir else [[n] for n in os.listdir(self.root)]
        yield
        out = []
        for k, entry in enumerate(entries):
            name = entry[0]
            if name.endswith(SUFFIX) and name[:5].isdigit():
                size = _entry_size(entry, self.path(name))
                out.append((int(name[:5]), name, name.endswith(SYNCED), size))
            if k % FILES_PER_STEP == FILES_PER_STEP - 1:
                yield
        out.sort()
        return out

    def report(self, what):
        self.repairs.append(what)
        if self.on_repair is not None:
            self.on_repair(*what)

    # The interface footfall_core.sync_server drives (LIST, GET, DELETE, INFO): each call
    # costs O(1) in the number of sessions (a page of LIST: O(page)), and reads no file
    # but the one being sent.

    def info(self, sid):
        """SessionInfo of closed session sid, or None."""
        return self._info.get(sid)

    def sessions(self):
        """Ids of the closed sessions known so far, oldest first (do not modify the list).
        While the rescan runs, the files it has not reached yet are not listed."""
        if self._ids is None:
            ids = list(self._info)
            ids.sort()
            self._ids = ids
        return self._ids

    def session_info(self, sid):
        """(start_s, duration_s, steps, size, crc) of session sid; KeyError if unknown."""
        info = self._info[sid]
        return (info.start_s, info.duration_ms // 1000, info.steps, info.size, info.crc)

    def read_into(self, sid, offset, buf, start, n):
        """Read up to n bytes of session sid from offset into buf[start:start + n]; the file
        stays open between calls so a GET streams without reopening it per chunk."""
        name = self._info[sid].name
        if self._reader is None or self._reader[0] != name:
            self._close_reader()
            self._reader = (name, open(self.path(name), "rb"))
        f = self._reader[1]
        f.seek(offset)
        return f.readinto(memoryview(buf)[start : start + n])

    def _close_reader(self):
        if self._reader is not None:
            self._reader[1].close()
            self._reader = None

    def total_bytes(self):
        if self.total_bytes_fn is not None:
            return self.total_bytes_fn()
        st = os.statvfs(self.root)
        return st[1] * st[2]  # f_frsize * f_blocks

    def mark_synced(self, sid):
        """A host holds an exact copy of session sid: it may now make room for new ones."""
        info = self._info.get(sid)
        if info is None or info.synced:
            return False
        self._close_reader()
        new = info.name[:5] + SYNCED
        os.rename(self.path(info.name), self.path(new))
        info.name = new
        info.synced = True
        return True

    def delete(self, sid):
        """Remove session sid (synced or not: the caller, e.g. sync's DELETE, checked it)."""
        info = self._info.get(sid)
        if info is None:
            return False
        self._close_reader()
        os.remove(self.path(info.name))
        self._forget(sid)
        self.full = False
        return True
