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

FLUSH_MS = 60000
SUFFIX = ".ffs"
SYNCED = ".syn.ffs"


class StoreFull(OSError):
    """No room for a new session (or a block of an open one) without touching unsynced ones."""


def _sync():
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


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
    """Sessions in directory `root`; free_bytes_fn() -> bytes free (default: statvfs)."""

    def __init__(self, root="/sessions", free_bytes_fn=None, block_bytes=4096):
        self.root = root
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

    def _room(self, nbytes):
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
        if not self._room(rec.HEADER_BYTES):
            self.full = True
            raise StoreFull("session storage full")
        self.full = False
        header.session_id = sid & 0xFFFF
        self.writer = SessionWriter(self, sid, header)
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
            info.start_s = rec.Header.unpack_from(memoryview(buf)[:n]).start_s()
            crc = crc16(buf, 0, n)
            seen = n  # bytes of the file CRC'd so far
            off = 0  # file offset of buf[0]
            pos = rec.HEADER_BYTES
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
            _sync()
        except OSError:
            if _exists(tmp):
                os.remove(tmp)
            return False  # no room for the copy: readers stop at the last valid record
        os.remove(self.path(name))
        os.rename(tmp, self.path(name))
        _sync()
        return True

    def mark_synced(self, sid):
        """A host holds an exact copy of session sid: it may now make room for new ones."""
        for _, name, synced in self._files():
            if name.startswith(f"{sid:05d}.") and not synced:
                os.rename(self.path(name), self.path(name[:5] + SYNCED))
                self._cache.pop(name, None)
                return True
        return False

    def delete(self, sid):
        """Remove session sid (synced or not: the caller, e.g. sync's DELETE, checked it)."""
        for _, name, _ in self._files():
            if name.startswith(f"{sid:05d}."):
                os.remove(self.path(name))
                self._cache.pop(name, None)
                self.full = False
                return True
        return False


class SessionWriter:
    """Appends one session. Times are session times: ms since begin()."""

    def __init__(self, store, sid, header):
        self.store = store
        self.id = sid
        self.name = f"{sid:05d}{SUFFIX}"
        self.enc = rec.SessionEncoder(store.buf)
        self.enc.clear()
        self._mv = memoryview(store.buf)
        self.now_ms = 0
        self.running_ms = 0
        self.cues = 0
        self.overflows = 0
        self.stopped = False  # storage full or closed: nothing more is logged
        self._cue = 0
        self._last_flush_ms = 0
        self.f = open(store.path(self.name), "wb")
        self.enc.header(header)
        self._flush()  # the header goes out at once, so repair always finds it

    def add_step(self, interval_ms, peak_mg, cadence_spm, flags):
        """One step interval_ms after the previous one; flags: activity state (| FLAG_CUE).
        False when the session no longer logs (storage full or closed)."""
        if self.stopped:
            return False
        flags |= self._cue
        self._cue = 0
        if not self.enc.step(interval_ms, peak_mg, cadence_spm, flags):
            if not self._flush():
                return False
            self.enc.step(interval_ms, peak_mg, cadence_spm, flags)
        if (flags & rec.STATE_MASK) == 2 and interval_ms <= rec.MAX_INTERVAL_MS:
            self.running_ms += interval_ms  # 2: activity.RUNNING
        return True

    def add_event(self, kind, value, now_ms):
        """An EV_* event; EV_CUE also flags the next step and counts in summaries."""
        if self.stopped:
            return False
        if kind == rec.EV_CUE:
            self.cues += 1
            self._cue = rec.FLAG_CUE
        if not self.enc.event(now_ms, kind, value):
            if not self._flush():
                return False
            self.enc.event(now_ms, kind, value)
        return True

    def tick(self, now_ms, overflows=0):
        """Call often: every FLUSH_MS writes a summary and flushes. Returns store.full."""
        self.now_ms = now_ms
        self.overflows = overflows
        if not self.stopped and now_ms - self._last_flush_ms >= FLUSH_MS:
            self._last_flush_ms = now_ms
            self._write_summary()
            self._flush()
        return self.store.full

    def _summary(self):
        return self.enc.summary(self.now_ms, self.running_ms, self.cues, self.overflows)

    def _write_summary(self):
        if not self._summary() and self._flush():
            self._summary()

    def close(self, reason=rec.END_STOPPED, now_ms=None):
        """End the session (END record, flush, close the file); safe to call twice."""
        if now_ms is not None:
            self.now_ms = now_ms
        if not self.stopped:
            self._write_summary()
            self.enc.end(self.now_ms, reason)
            self._flush()
            self.stopped = True
        if self.f is not None:
            self.f.close()
            self.f = None
        if self.store.writer is self:
            self.store.writer = None

    def _flush(self):
        # Write buf[:pos] and sync it; on a full store, log END_FULL if it fits and stop.
        n = self.enc.seal()
        if n == 0:
            return True
        store = self.store
        try:
            if not store._room(n):
                store.full = True
                self.enc.end(self.now_ms, rec.END_FULL)
                n = self.enc.pos if store.free_bytes() >= self.enc.pos else 0
                self.stopped = True
            if n:
                self.f.write(self._mv[:n])
                self.f.flush()
                _sync()
        except OSError:
            store.full = True
            self.stopped = True
        self.enc.clear()
        return not self.stopped
