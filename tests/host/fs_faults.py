"""Real file-system faults for the store's tests, without root and without touching the machine.

`in_private_mounts(script)` runs a Python script in a private user and mount namespace
(util-linux `unshare --user --map-root-user --mount`), where `mount_tmpfs(path, kib)` makes
a tiny disk that fills up (ENOSPC) and `remount_read_only(path)` makes it read-only (EROFS).
`as_unmapped_user(script)` runs one in a user namespace with no id mapping, where the
process has no power over the machine's files, so permission bits hold even for root.
Each returns what the script printed last as JSON; tests skip where the kernel forbids
unprivileged namespaces.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_MOUNTS = ["unshare", "--user", "--map-root-user", "--mount"]
UNMAPPED_USER = ["unshare", "--user"]

PRELUDE = """
import json, os, subprocess
def mount_tmpfs(path, kib):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(path)], check=True)
def remount_read_only(path):
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
"""


@functools.cache
def _works(prefix: tuple[str, ...]) -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = [*prefix, sys.executable, "-c", "pass"]
    return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0


def _run(prefix: list[str], script: str, cwd: Path) -> dict:
    if not _works(tuple(prefix)):
        pytest.skip(f"`{' '.join(prefix)}` is not allowed here")
    proc = subprocess.run(
        [*prefix, sys.executable, "-c", PRELUDE + script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def in_private_mounts(script: str, cwd: Path) -> dict:
    return _run(PRIVATE_MOUNTS, script, cwd)


def as_unmapped_user(script: str, cwd: Path) -> dict:
    return _run(UNMAPPED_USER, script, cwd)
