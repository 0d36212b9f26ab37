"""Repairs of session files the index does not vouch for, in bounded steps (generators the
store's rescan drives with `yield from`).

A file with damage (a torn tail after a power cut, a record whose bytes changed) keeps
every intact record: the header and the records footfall_core.reader keeps are copied to
NNNNN.tmp a buffer per step, the copy synced, the original removed and the copy renamed
into place (MicroPython has no os.truncate). A power cut in between leaves a .tmp that the
next rescan finishes (finish_copy). A file whose header does not decode is set aside as
NNNNN.bad. Each repair is reported to the store as (name, action, bytes dropped, file
offset of the first byte dropped, places dropped); actions:
    "truncated"   only a torn tail was dropped
    "dropped"     damage inside the file was dropped, the intact records after it kept
    "unrepaired"  no room for the copy: the file stays as it is (readers skip the damage)
    "removed"     a file shorter than a header, or a stale copy
    "renamed"     a finished copy put in place
    "bad header"  set aside
"""

import os

from footfall_core import records as rec
from footfall_core.reader import Reader

from footfall_fw.session_writer import sync_fs
from footfall_fw.store_index import SUFFIX, SYNCED, SessionInfo, exists, read_steps, scan_steps


def learn_steps(store, sid, name, synced, size, buf):
    # Scan one file in steps; copy out its damage (in steps) and scan what is left.
    info = SessionInfo(sid, name, synced)
    try:
        yield from scan_steps(store.path(name), info, buf)
        store.scanned_bytes += info.size
        if info.valid_bytes < info.size:
            ok = yield from copy_steps(store, name, buf)
            tail = info.skips == 1 and info.first_skip == info.valid_bytes
            action = ("truncated" if tail else "dropped") if ok else "unrepaired"
            lost = info.size - info.valid_bytes
            store.report((name, action, lost, info.first_skip, info.skips))
            if ok:
                info = SessionInfo(sid, name, synced)
                yield from scan_steps(store.path(name), info, buf)
                store.scanned_bytes += info.size
    except ValueError:
        store.report(set_aside(store, name, size))
        return None
    except OSError:
        return None  # removed or renamed under the scan: the next rescan sees it
    return info


class _Runs:
    # Reader visitor: notes each run of kept records in the piece being read; flush() writes
    # the piece's runs out (once per piece: buf is read over for the next one).
    def __init__(self, dst, buf):
        self.dst = dst
        self.buf = buf
        self.start = -1
        self.end = -1

    def visit(self, rtype, buf, p, n):
        if p - 2 != self.end:
            self.flush()
            self.start = p - 2
        self.end = p + n + 2

    def flush(self, off=0, n=0):
        if self.start >= 0:
            self.dst.write(memoryview(self.buf)[self.start : self.end])
        self.start = self.end = -1


def copy_steps(store, name, buf):
    # Copy the header and every record the reader keeps to NNNNN.tmp a buffer per step,
    # then swap it in; False (and the file left as it is) when the flash refuses.
    tmp = store.path(name[:5] + ".tmp")
    try:
        with open(store.path(name), "rb") as src, open(tmp, "wb") as dst:
            n = src.readinto(buf)
            dst.write(memoryview(buf)[: rec.Header.unpack_from(memoryview(buf)[:n]).size])
            src.seek(0)
            runs = _Runs(dst, buf)
            reader = Reader(runs.visit)
            yield from read_steps(src, buf, reader, None, runs.flush)
            dst.flush()
        sync_fs()
    except OSError:
        if exists(tmp):
            os.remove(tmp)
        return False
    os.remove(store.path(name))
    os.rename(tmp, store.path(name))
    sync_fs()
    return True


def finish_copy(store, tmp_name):
    tmp = store.path(tmp_name)
    base = tmp_name[:-4]
    for name in (base + SUFFIX, base + SYNCED):
        if exists(store.path(name)):
            os.remove(tmp)
            return (tmp_name, "removed", 0, -1, 0)
    os.rename(tmp, store.path(base + SUFFIX))
    return (base + SUFFIX, "renamed", 0, -1, 0)


def set_aside(store, name, size):
    # Shorter than a header: power failed while begin() wrote it, nothing was logged.
    if size < rec.HEADER_BYTES:
        os.remove(store.path(name))
        return (name, "removed", size, 0, 1)
    os.rename(store.path(name), store.path(name[:5] + ".bad"))
    return (name, "bad header", 0, -1, 0)
