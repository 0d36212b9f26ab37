"""Virtual-board stand-in for `os`: the real one, but statvfs() reports the board's flash
and ilistdir() gives each file's size, as LittleFS on the board does.

The flash folder on disk has no size limit of its own, so `statvfs` answers for a file
system of `_sim.scenario["flash_bytes"]` (the board's FS_BYTES unless the host says
otherwise) minus what the folder holds, in 4 KiB blocks as LittleFS on the ESP32 does.
"""

import sys

_path = sys.path
sys.path = []
try:
    from os import *  # noqa: F403 - the built-in os module, extended below
    from os import ilistdir as _real_ilistdir
    from os import stat
    from os import statvfs as _real_statvfs
finally:
    sys.path = _path
del _path

BLOCK = 4096
root = None  # the flash folder (set by simboot before the firmware starts)


def ilistdir(path="."):
    """Entries as LittleFS gives them on the board: (name, type, 0, size), the size read
    from the file's metadata in C (MicroPython extmod/vfs_lfsx.c, ilistdir_it_iternext).
    The unix port's entries have no size (posix dirent): the stat that finds it is the
    sim's work, not the board's, so it is not charged."""
    import time

    time.hold()
    try:
        out = []
        for entry in _real_ilistdir(path):
            size = 0 if entry[1] == 0x4000 else stat(path + "/" + entry[0])[6]
            out.append((entry[0], entry[1], 0, size))
    finally:
        time.release()
    return iter(out)


def _used_blocks(path):
    blocks = 0
    for entry in _real_ilistdir(path):
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
