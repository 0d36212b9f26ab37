"""What the store knows about each closed session, and how it learns it in bounded steps
(generators the store's rescan drives with `yield from`; repairs: store_repair.py).

SessionInfo is what LIST needs about one file. It comes from one of three places:
- the writer: SessionWriter reports each block it writes (Store.wrote), so a session that
  closes cleanly has its size, session CRC, steps and duration without a byte read back;
- the index file (INDEX in the store's directory): one text line per closed session,
  appended when it closes, read back at boot;
- a scan of the file, for a session the index does not vouch for (power cut while it was
  open, lost or corrupt index, files from older firmware). scan_steps() reads SCAN_BYTES at
  a time and yields between reads, so no step holds the event loop for long; it reads the
  records with footfall_core.reader, so damage costs only the records it touches.

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
        self.valid_bytes = 0  # the header's and the kept records' bytes
        self.steps = 0
        self.duration_ms = 0
        self.crc = 0xFFFF  # the session CRC of the whole file, as GET sends it
        self.ended = False
        self.skips = 0  # places a scan dropped (damaged spans, records breaking a rule)
        self.first_skip = -1  # file offset of the first byte dropped


class Scan:
    # Record visitor: counts steps and follows session time through the records.
    def __init__(self, info):
        self.info = info

    def visit(self, rtype, buf, p, n):
        info = self.info
        t = 0
        if rtype == rec.REC_STEPS:
            info.steps += (n - rec.T0_BYTES) // rec.STEP_BYTES
            t = rec.get_u30_be(buf, p)
            for q in range(p + rec.T0_BYTES + rec.STEP_BYTES, p + n, rec.STEP_BYTES):
                t += rec.get_u16_be(buf, q) >> 3
        elif rtype in (rec.REC_SUMMARY, rec.REC_EVENT, rec.REC_END):
            t = rec.get_u30_be(buf, p)
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


def read_steps(f, buf, reader, before=None, after=None):
    """Generator: feed the records of the open session file f to reader, a buffer at a time,
    yielding between reads; before(off, n) and after(off, n) around the reader's turn with
    each piece buf[:n] (file offset off). Returns the header. Raises ValueError when the
    header is missing or corrupt."""
    yield  # one read per step, the first one too
    n = f.readinto(buf)
    hdr = rec.Header.unpack_from(memoryview(buf)[:n])
    off = 0  # file offset of buf[0]
    pos = hdr.size  # a version 1 file (older firmware) has a shorter header
    while True:
        if before is not None:
            before(off, n)
        final = n < len(buf)
        pos = reader.feed(buf, pos, n, off, final)
        if after is not None:
            after(off, n)
        if final:
            return hdr
        off += pos  # from the first record not read whole
        pos = 0
        yield
        f.seek(off)
        n = f.readinto(buf)


class _Crc:
    # piece() callback: the session CRC of each byte of the file, once
    def __init__(self, buf):
        self.buf = buf
        self.crc = 0xFFFF
        self.seen = 0

    def piece(self, off, n):
        if off + n > self.seen:
            self.crc = session_crc(self.buf, self.seen - off, n, self.crc)
            self.seen = off + n


def scan_steps(path, info, buf):
    """Generator: read the session at path a buffer at a time, yielding after each read;
    fills info's start_s, steps, duration_ms, ended, size, crc (of the whole file),
    valid_bytes, skips and first_skip. Raises ValueError when the header is missing or
    corrupt."""
    from footfall_core.reader import Reader  # loaded only when a file must be read

    reader = Reader(Scan(info).visit)
    crc = _Crc(buf)
    with open(path, "rb") as f:
        hdr = yield from read_steps(f, buf, reader, crc.piece)
    info.start_s = hdr.start_s()
    info.crc = crc.crc
    info.size = crc.seen
    info.valid_bytes = crc.seen - reader.skipped_bytes
    info.skips = reader.skips
    info.first_skip = reader.first_skip


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
