"""What the store knows about each closed session, and how it learns and repairs its files
in bounded steps (generators the store's rescan drives with `yield from`).

SessionInfo is what LIST needs about one file. It comes from one of three places:
- the writer: SessionWriter reports each block it writes (Store.wrote), so a session that
  closes cleanly has its size, session CRC, steps and duration without a byte read back;
- the index file (INDEX in the store's directory): one text line per closed session,
  appended when it closes, read back at boot;
- a scan of the file, for a session the index does not vouch for (power cut while it was
  open, lost or corrupt index, files from older firmware). scan_steps() reads SCAN_BYTES at
  a time and yields between reads, so no step holds the event loop for long.

Index line (decimal, space separated):
    sid size crc start_s duration_ms steps ended check
check = (sum of the seven fields + CHECK_SEED) & 0xFFFF: a torn or garbled line is ignored.
CHECK_SEED changes whenever a field's meaning does, so an older firmware's lines fail their
check and those files are read again once (the seed was 0x5A5A while crc was the CCITT
CRC of the file, which depends only on its record lengths: footfall_core/crc.py).
A line with size 0 is a tombstone: begin() writes one for the id it takes, so a line left
by an older session of the same id (ids restart after every session was deleted) is never
believed. A line is believed only while the file's size equals its size.
"""

import os

from footfall_core import records as rec
from footfall_core.crc import session_crc

from footfall_fw.session_writer import sync_fs

SUFFIX = ".ffs"
SYNCED = ".syn.ffs"
INDEX = "index.txt"
SCAN_BYTES = 2048  # bytes read and checked per scan step
LINES_PER_STEP = 8  # index lines read or written per step
CHECK_SEED = 0x5A5B  # the crc field is the session CRC (CRC-16/CMS)


def exists(path):
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
        self.steps = 0
        self.duration_ms = 0
        self.crc = 0xFFFF  # the session CRC of the whole file, as GET sends it
        self.ended = False


class Scan:
    # Record visitor: counts steps and follows session time through the records.
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


def visit_written(visit, buf, pos, end):
    """Visit the records the encoder just sealed in buf[pos:end] (framing trusted, no CRC
    check: the bytes never left RAM)."""
    while pos + rec.FRAMING_BYTES <= end:
        n = buf[pos + 1]
        visit(buf[pos], buf, pos + 2, n)
        pos += n + rec.FRAMING_BYTES


def scan_steps(path, info, buf):
    """Generator: read the session at path a buffer at a time, yielding after each read;
    fills info's start_s, steps, duration_ms, ended, valid_bytes, size and crc (the
    session CRC of the whole file). Raises ValueError when the header is missing or corrupt."""
    visit = Scan(info).visit
    with open(path, "rb") as f:
        n = f.readinto(buf)
        hdr = rec.Header.unpack_from(memoryview(buf)[:n])
        info.start_s = hdr.start_s()
        crc = session_crc(buf, 0, n)
        seen = n  # bytes of the file CRC'd so far
        off = 0  # file offset of buf[0]
        pos = hdr.size  # a version 1 file (older firmware) has a shorter header
        while True:
            end, count = rec.walk(buf, pos, n, visit)
            if count == 0:  # corrupt, cut short, or the end of the file
                break
            off += end
            pos = 0
            yield
            f.seek(off)
            n = f.readinto(buf)
            if off + n > seen:
                crc = session_crc(buf, seen - off, n, crc)
                seen = off + n
        info.valid_bytes = off + pos
        f.seek(seen)
        while True:
            yield
            n = f.readinto(buf)
            if not n:
                break
            crc = session_crc(buf, 0, n, crc)
            seen += n
    info.crc = crc
    info.size = seen


def _check(v):
    return (v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + CHECK_SEED) & 0xFFFF


def index_line(info):
    f = (info.id, info.size, info.crc, info.start_s, info.duration_ms, info.steps, info.ended)
    v = tuple(int(x) for x in f)
    return " ".join(str(x) for x in v + (_check(v),)) + "\n"


def tombstone(sid):
    v = (sid, 0, 0, 0, 0, 0, 0)
    return " ".join(str(x) for x in v + (_check(v),)) + "\n"


def parse_line(line):
    """(sid, size, crc, start_s, duration_ms, steps, ended) of a good line, else None."""
    parts = line.split()
    if len(parts) != 8:
        return None
    try:
        v = [int(p) for p in parts]
    except ValueError:
        return None
    if v[7] != _check(v) or v[0] < 0 or v[1] < 0:
        return None
    return v


def load_steps(path, out, lines_per_step=LINES_PER_STEP):
    """Generator: read the index at path into out {sid: fields} (later lines win; a
    tombstone removes), yielding every lines_per_step lines; returns the number of lines
    that were bad or superseded (a missing index returns 0)."""
    stale = 0
    try:
        f = open(path)
    except OSError:
        return 0
    with f:
        k = 0
        for line in f:
            v = parse_line(line)
            if v is None:
                stale += 1
            else:
                if v[0] in out:
                    stale += 1
                if v[1] < rec.HEADER_BYTES_V1:  # the shortest header of any version
                    out.pop(v[0], None)
                    stale += 1
                else:
                    out[v[0]] = v
            k += 1
            if k % lines_per_step == 0:
                yield
    return stale


def info_from(fields, name, synced):
    info = SessionInfo(fields[0], name, synced)
    info.size = info.valid_bytes = fields[1]
    info.crc = fields[2]
    info.start_s = fields[3]
    info.duration_ms = fields[4]
    info.steps = fields[5]
    info.ended = bool(fields[6])
    return info


def append(path, text):
    """Append a line to the index; False when the flash refused (the next boot scans)."""
    try:
        with open(path, "a") as f:
            f.write(text)
        sync_fs()
    except OSError:
        return False
    return True


def learn_steps(store, sid, name, synced, size, buf):
    # Scan one file in steps; cut a torn tail (in steps) and scan what is left.
    info = SessionInfo(sid, name, synced)
    try:
        yield from scan_steps(store.path(name), info, buf)
        store.scanned_bytes += info.size
        if info.valid_bytes < info.size:
            cut = yield from truncate_steps(store, name, info.valid_bytes, buf)
            lost = info.size - info.valid_bytes
            store.report((name, "truncated" if cut else "unrepaired", lost))
            if cut:
                info = SessionInfo(sid, name, synced)
                yield from scan_steps(store.path(name), info, buf)
                store.scanned_bytes += info.size
    except ValueError:
        store.report(set_aside(store, name, size))
        return None
    except OSError:
        return None  # removed or renamed under the scan: the next rescan sees it
    return info


def compact_steps(store):
    # Rewrite the index with one line per known session, a few lines per step, then
    # rename it into place (atomic on LittleFS); given up if a line was appended
    # meanwhile (the next rescan compacts).
    new = store.path(INDEX + ".new")
    store.index_dirty = False
    try:
        with open(new, "w") as f:
            for k, sid in enumerate(list(store.sessions())):
                info = store.info(sid)
                if info is not None:
                    f.write(index_line(info))
                if k % LINES_PER_STEP == LINES_PER_STEP - 1:
                    yield
        sync_fs()
        if store.index_dirty:
            os.remove(new)
            return
        os.rename(new, store.path(INDEX))
        sync_fs()
    except OSError:
        store.index_errors += 1


def finish_copy(store, tmp_name):
    tmp = store.path(tmp_name)
    base = tmp_name[:-4]
    for name in (base + SUFFIX, base + SYNCED):
        if exists(store.path(name)):
            os.remove(tmp)
            return (tmp_name, "removed", 0)
    os.rename(tmp, store.path(base + SUFFIX))
    return (base + SUFFIX, "renamed", 0)


def set_aside(store, name, size):
    # Shorter than a header: power failed while begin() wrote it, nothing was logged.
    if size < rec.HEADER_BYTES:
        os.remove(store.path(name))
        return (name, "removed", size)
    os.rename(store.path(name), store.path(name[:5] + ".bad"))
    return (name, "bad header", 0)


def truncate_steps(store, name, nbytes, buf):
    # Copy the valid prefix to NNNNN.tmp a buffer per step, then swap it in.
    tmp = store.path(name[:5] + ".tmp")
    try:
        with open(store.path(name), "rb") as src, open(tmp, "wb") as dst:
            left = nbytes
            while left:
                n = src.readinto(buf)
                k = n if n < left else left
                dst.write(memoryview(buf)[:k])
                left -= k
                yield
            dst.flush()
        sync_fs()
    except OSError:
        if exists(tmp):
            os.remove(tmp)
        return False  # no room for the copy: readers stop at the last valid record
    os.remove(store.path(name))
    os.rename(tmp, store.path(name))
    sync_fs()
    return True
