"""Session store on flash: one file per session, block appends, repair at boot, never a
session overwritten before it is synced.

Files in the store's directory (`/sessions` on the device):
    00012.ffs       session 12, not yet synced
    00012.syn.ffs   session 12, synced to a host (mark_synced); may be deleted to make room
    00012.tmp       a repair copy in progress (see repair)
    00012.bad       a session whose header is corrupt: kept for a human, never listed

Loss bound: steps reach flash when the block buffer fills (about 990 steps) and at least
every FLUSH_MS of session time via tick(); a power cut loses only that unflushed tail,
at most one block buffer or FLUSH_MS of steps, whichever is less. Every record in the
file before it carries its own CRC and survives.

Repair (MicroPython has no os.truncate): the valid prefix is copied to NNNNN.tmp, synced,
the original removed and the copy renamed into place. If power fails in between, the next
repair finds the .tmp: with the original still there it is an unfinished copy and is
removed; without it, it is the finished copy and is renamed into place.
"""

import os

from footfall_core import records as rec
from footfall_core.crc import crc16

from footfall_fw.session_writer import SessionWriter, sync_fs

SUFFIX = ".ffs"
SYNCED = ".syn.ffs"


class StoreFull(OSError):
    """No room for a new session (or a block of an open one) without touching unsynced ones."""


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


class SessionInfo:
    """What LIST needs about one session file."""

    def __init__(self, sid, name, synced):
        self.id = sid
        self.name = name
        self.synced = synced
        self.start_s = 0
        self.size = 0
        self.valid_bytes = 0
        self.records = 0
        self.steps = 0
        self.duration_ms = 0
        self.crc = 0xFFFF  # CRC-16 of the whole file, as GET sends it
        self.ended = False


class _Scan:
    # walk() visitor: counts steps and follows session time through the records.
    def __init__(self, info):
        self.info = info

    def visit(self, rtype, buf, p, n):
        info = self.info
        t = 0
        if rtype == rec.REC_STEPS:
            info.steps += (n - rec.T0_BYTES) // rec.STEP_BYTES
            t = rec.get_u30(buf, p)
            for q in range(p + rec.T0_BYTES + rec.STEP_BYTES, p + n, rec.STEP_BYTES):
                t += rec.get_u16(buf, q) >> 3
        elif rtype in (rec.REC_SUMMARY, rec.REC_EVENT, rec.REC_END):
            t = rec.get_u30(buf, p)
            info.ended = info.ended or rtype == rec.REC_END
        if t > info.duration_ms:
            info.duration_ms = t


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
        self._cache = {}
        try:
            os.mkdir(root)
        except OSError:
            pass  # already there

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
        self.writer = SessionWriter(self, sid, f"{sid:05d}{SUFFIX}", header)
        return self.writer

    def list(self):
        """SessionInfo of each closed session, oldest first (the open one is left out, and
        so is a file whose header does not decode)."""
        out = []
        open_name = self.writer.name if self.writer is not None else None
        for sid, name, synced in self._files():
            if name == open_name:
                continue
            size = os.stat(self.path(name))[6]
            hit = self._cache.get(name)
            if hit is None or hit.size != size:
                try:
                    hit = self.scan(name, sid, synced)
                except ValueError:
                    continue  # corrupt header: repair() sets it aside at the next boot
                self._cache[name] = hit
            out.append(hit)
        return out

    def scan(self, name, sid=0, synced=False):
        """Read a session file a block at a time: header, valid prefix, steps, file CRC.

        Raises ValueError when the header is missing or corrupt."""
        info = SessionInfo(sid, name, synced)
        buf = self.buf if self.writer is None else bytearray(self.block_bytes)
        visit = _Scan(info).visit
        with open(self.path(name), "rb") as f:
            n = f.readinto(buf)
            hdr = rec.Header.unpack_from(memoryview(buf)[:n])
            info.start_s = hdr.start_s()
            crc = crc16(buf, 0, n)
            seen = n  # bytes of the file CRC'd so far
            off = 0  # file offset of buf[0]
            pos = hdr.size  # a version 1 file (older firmware) has a shorter header
            while True:
                end, count = rec.walk(buf, pos, n, visit)
                info.records += count
                if count == 0:  # corrupt, cut short, or the end of the file
                    break
                off += end
                pos = 0
                f.seek(off)
                n = f.readinto(buf)
                if off + n > seen:
                    crc = crc16(buf, seen - off, n, crc)
                    seen = off + n
            info.valid_bytes = off + pos
            f.seek(seen)
            n = f.readinto(buf)
            while n:
                crc = crc16(buf, 0, n, crc)
                seen += n
                n = f.readinto(buf)
        info.crc = crc
        info.size = seen
        return info

    def repair(self):
        """Boot time: finish or drop interrupted repairs, then cut each session file after
        its last valid record. Returns [(name, action, bytes_discarded)] of what it did."""
        if self.writer is not None:
            raise ValueError("repair with a session open")
        done = []
        for name in os.listdir(self.root):
            if name.endswith(".tmp"):
                done.append(self._finish_copy(name))
        for sid, name, synced in self._files():
            size = os.stat(self.path(name))[6]
            try:
                info = self.scan(name, sid, synced)
            except ValueError:
                done.append(self._bad(name, size))
                continue
            if info.valid_bytes < size:
                action = "truncated" if self._truncate(name, info.valid_bytes) else "unrepaired"
                done.append((name, action, size - info.valid_bytes))
        return done

    def _finish_copy(self, tmp_name):
        tmp = self.path(tmp_name)
        base = tmp_name[:-4]
        for name in (base + SUFFIX, base + SYNCED):
            if _exists(self.path(name)):
                os.remove(tmp)
                return (tmp_name, "removed", 0)
        os.rename(tmp, self.path(base + SUFFIX))
        return (base + SUFFIX, "renamed", 0)

    def _bad(self, name, size):
        # Shorter than a header: power failed while begin() wrote it, nothing was logged.
        if size < rec.HEADER_BYTES:
            os.remove(self.path(name))
            return (name, "removed", size)
        os.rename(self.path(name), self.path(name[:5] + ".bad"))
        return (name, "bad header", 0)

    def _truncate(self, name, nbytes):
        tmp = self.path(name[:5] + ".tmp")
        buf = self.buf
        try:
            with open(self.path(name), "rb") as src, open(tmp, "wb") as dst:
                left = nbytes
                while left:
                    n = src.readinto(buf)
                    k = n if n < left else left
                    dst.write(memoryview(buf)[:k])
                    left -= k
                dst.flush()
            sync_fs()
        except OSError:
            if _exists(tmp):
                os.remove(tmp)
            return False  # no room for the copy: readers stop at the last valid record
        os.remove(self.path(name))
        os.rename(tmp, self.path(name))
        sync_fs()
        return True

    # The interface footfall_core.sync_server drives (LIST, GET, DELETE, INFO).

    def sessions(self):
        """Ids of the closed sessions, oldest first."""
        return [info.id for info in self.list()]

    def session_info(self, sid):
        """(start_s, duration_s, steps, size, crc) of session sid; KeyError if unknown."""
        for info in self.list():
            if info.id == sid:
                return (info.start_s, info.duration_ms // 1000, info.steps, info.size, info.crc)
        raise KeyError(sid)

    def read_into(self, sid, offset, buf, start, n):
        """Read up to n bytes of session sid from offset into buf[start:start + n]; the file
        stays open between calls so a GET streams without reopening it per chunk."""
        name = None
        for info in self.list():
            if info.id == sid:
                name = info.name
        if name is None:
            raise KeyError(sid)
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
        for _, name, synced in self._files():
            if name.startswith(f"{sid:05d}.") and not synced:
                self._close_reader()
                os.rename(self.path(name), self.path(name[:5] + SYNCED))
                self._cache.pop(name, None)
                return True
        return False

    def delete(self, sid):
        """Remove session sid (synced or not: the caller, e.g. sync's DELETE, checked it)."""
        for _, name, _ in self._files():
            if name.startswith(f"{sid:05d}."):
                self._close_reader()
                os.remove(self.path(name))
                self._cache.pop(name, None)
                self.full = False
                return True
        return False
