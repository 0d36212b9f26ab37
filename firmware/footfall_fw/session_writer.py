"""One session being logged: steps, events and summaries into the store's block buffer,
written out a block at a time and at least every FLUSH_MS (see store.py for the loss bound).

Made by Store.begin(); uses the store's buffer, free-space check and path, and tells the
store what it wrote (Store.wrote) and when it closed (Store.closed): that is how the store
knows each session's size and CRC without reading the file back.
"""

import os

from footfall_core import records as rec

FLUSH_MS = 60000


def sync_fs():
    """Commit written data to flash where the port offers os.sync()."""
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


class SessionWriter:
    """Appends one session. Times are session times: ms since begin()."""

    def __init__(self, store, sid, name, header):
        self.store = store
        self.id = sid
        self.name = name
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

    def add_gap(self, at_ms, lost_ms, lost_samples):
        """Samples lost to a FIFO overflow at session time at_ms (a GAP record)."""
        if self.stopped:
            return False
        if not self.enc.gap(at_ms, lost_ms, lost_samples):
            if not self._flush():
                return False
            self.enc.gap(at_ms, lost_ms, lost_samples)
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
            self.store.closed(self)

    def _flush(self):
        # Write buf[:pos] and sync it; on a full store, log END_FULL if it fits and stop.
        n = self.enc.seal()
        if n == 0:
            return True
        store = self.store
        try:
            if not store.make_room(n):
                store.full = True
                self.enc.end(self.now_ms, rec.END_FULL)
                n = self.enc.pos if store.free_bytes() >= self.enc.pos else 0
                self.stopped = True
            if n:
                if store.before_write is not None:  # the IMU's FIFO lasts the write out
                    store.before_write()
                self.f.write(self._mv[:n])
                self.f.flush()
                sync_fs()
                store.wrote(self._mv, n)
        except OSError:
            store.wrote(None, -1)  # size and CRC unknown: the store scans the file later
            store.full = True
            self.stopped = True
        self.enc.clear()
        return not self.stopped
