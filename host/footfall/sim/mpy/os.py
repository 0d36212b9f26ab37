"""Virtual-board stand-in for `os`: the real one, but statvfs() reports the board's flash.

The flash folder on disk has no size limit of its own, so `statvfs` answers for a file
system of `_sim.scenario["flash_bytes"]` (the board's FS_BYTES unless the host says
otherwise) minus what the folder holds, in 4 KiB blocks as LittleFS on the ESP32 does.
"""

import sys

_path = sys.path
sys.path = []
try:
    from os import *  # noqa: F403 - the built-in os module, extended below
    from os import ilistdir, stat
    from os import statvfs as _real_statvfs
finally:
    sys.path = _path
del _path

BLOCK = 4096
root = None  # the flash folder (set by simboot before the firmware starts)


def _used_blocks(path):
    blocks = 0
    for entry in ilistdir(path):
        name, kind = entry[0], entry[1]
        full = path + "/" + name
        if kind == 0x4000:  # directory: one block of metadata, then its files
            blocks += 1 + _used_blocks(full)
        else:
            blocks += (stat(full)[6] + BLOCK - 1) // BLOCK
    return blocks


def statvfs(path):
    import time

    import _sim

    size = _sim.scenario.get("flash_bytes")
    if root is None or size is None:
        return _real_statvfs(path)
    # Walking the folder in Python is the sim's work, not the board's (littlefs counts its
    # blocks in C, reading a little metadata per file): not charged to the CPU model.
    time.hold()
    try:
        used = _used_blocks(root)
    finally:
        time.release()
    total = size // BLOCK
    free = total - used
    free = free if free > 0 else 0
    return (BLOCK, BLOCK, total, free, free, 0, 0, 0, 0, 255)


# -- flash timing (footfall sim --cpu) ---------------------------------------------------
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


def install_flash_timing(which):
    """Charge flash writes at the datasheet's "typical" or "worst" times from now on."""
    global _erase_us, _prog_us, remove, rename, mkdir
    import builtins

    _erase_us, _prog_us = FLASH_TIMING[which]
    real_open, real_remove, real_rename, real_mkdir = builtins.open, remove, rename, mkdir

    def open_timed(name, mode="r", *args):
        if "w" not in mode and "a" not in mode and "+" not in mode:
            return real_open(name, mode, *args)
        f = _held(real_open, name, mode, *args)
        size = _held(stat, name)[6] if "a" in mode else 0
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
    remove, rename, mkdir = remove_timed, rename_timed, mkdir_timed


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
