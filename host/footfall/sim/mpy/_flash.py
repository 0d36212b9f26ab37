"""Flash timing for `footfall sim --cpu`: what littlefs on the board's SPI NOR costs.

Loaded only with --cpu (install() replaces `open` and the stand-in os's remove, rename
and mkdir), so the plain virtual board's heap holds none of it.
"""

import os

BLOCK = os.BLOCK

# What littlefs on the board's SPI NOR flash costs, charged as virtual time (time.charge_us)
# while the firmware writes: the ESP32 waits for each erase and program (the flash cache is
# off meanwhile, so the event loop stalls for it). The model follows littlefs v2 as the
# ESP32 port configures it (extmod/vfs_lfsx.c: 4 KiB blocks, prog_size 32, cache_size
# 4 x 32 = 128 bytes; ports/esp32/esp32_partition.c: 4096-byte blocks):
# - data is programmed a 128-byte cache at a time (one page program each);
# - a file that is appended to after a sync (f.flush() or close) first gets a fresh block:
#   lfs2_ctz_extend (lib/littlefs/lfs2.c) erases a new block and copies the incomplete
#   last block into it; every further block a write starts is erased too;
# - a sync (flush, close), a create, a remove, a rename and a mkdir commit metadata: one
#   page program, and about one commit in COMMITS_PER_COMPACT fills the metadata block,
#   whose compaction erases a block.
# Times: Winbond W25Q64JV datasheet (rev. I, 2017), 9.6 AC Electrical Characteristics:
# sector erase (4 KB) tSE 45 ms typical, 400 ms max; page program tPP 0.4 ms typical, 3 ms max.
FLASH_TIMING = {"typical": (45000, 400), "worst": (400000, 3000)}  # (erase us, program us)
CACHE_BYTES = 128
COMMITS_PER_COMPACT = 64  # ~64-byte commits (tag, CTZ struct, mtime, CRC) in a 4 KiB block

_erase_us = 0
_prog_us = 0
_counts = {"erases": 0, "programs": 0, "commits": 0, "flash_ms": 0}


def _charge(erases, programs):
    import time

    us = erases * _erase_us + programs * _prog_us
    _counts["erases"] += erases
    _counts["programs"] += programs
    _counts["flash_ms"] += us // 1000
    time.charge_us(us)


def _commit():
    _counts["commits"] += 1
    _charge(1 if _counts["commits"] % COMMITS_PER_COMPACT == 0 else 0, 1)


def flash_counters():
    """Erases, page programs, metadata commits and ms charged so far."""
    return dict(_counts)


def _held(fn, *args):
    # The host's file system call (an fsync for a flush) is the sim's cost, not the
    # board's: not charged to the CPU model; the flash time is charged instead.
    import time

    time.hold()
    try:
        return fn(*args)
    finally:
        time.release()


def install(which):
    """Charge flash writes at the datasheet's "typical" or "worst" times from now on."""
    global _erase_us, _prog_us
    import builtins

    _erase_us, _prog_us = FLASH_TIMING[which]
    real_open, real_remove, real_rename, real_mkdir = builtins.open, os.remove, os.rename, os.mkdir

    def open_timed(name, mode="r", *args):
        if "w" not in mode and "a" not in mode and "+" not in mode:
            return real_open(name, mode, *args)
        f = _held(real_open, name, mode, *args)
        size = _held(os.stat, name)[6] if "a" in mode else 0
        _commit()  # the file's entry (created or truncated)
        return _TimedFile(f, size)

    def remove_timed(path):
        _held(real_remove, path)
        _commit()

    def rename_timed(old, new):
        _held(real_rename, old, new)
        _commit()

    def mkdir_timed(path):
        _held(real_mkdir, path)
        _commit()

    builtins.open = open_timed
    os.remove, os.rename, os.mkdir = remove_timed, rename_timed, mkdir_timed


def _io_base():
    import io

    return io.IOBase


class _TimedFile(_io_base()):
    """A file open for writing whose writes and syncs cost flash time (see above)."""

    def __init__(self, f, size):
        self.f = f
        self.size = size
        self.fresh = True  # the next write extends the file into a fresh block
        self.pending = 0  # bytes in the 128-byte program cache
        self.dirty = False

    def write(self, buf):
        n = _held(self.f.write, buf)
        if n:
            size, end = self.size, self.size + n
            if self.fresh:  # new block, the incomplete last one copied into it
                erases = 1 + (end - 1) // BLOCK - size // BLOCK
                programs = (size % BLOCK + CACHE_BYTES - 1) // CACHE_BYTES
                self.fresh = False
            else:
                erases = (end - 1) // BLOCK - (size - 1) // BLOCK
                programs = 0
            self.pending += n
            programs += self.pending // CACHE_BYTES
            self.pending %= CACHE_BYTES
            self.size = end
            self.dirty = True
            _charge(erases, programs)
        return n

    def readinto(self, buf):
        return _held(self.f.readinto, buf)

    def _sync(self):
        if self.dirty:
            _charge(0, 1 if self.pending else 0)
            _commit()
            self.pending = 0
            self.dirty = False
            self.fresh = True

    def flush(self):
        self._sync()
        return _held(self.f.flush)

    def close(self):
        self._sync()
        return _held(self.f.close)

    def seek(self, *args):
        return self.f.seek(*args)

    def tell(self):
        return self.f.tell()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def ioctl(self, req, arg):
        return 0
