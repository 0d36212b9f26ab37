"""Transports that carry sync frames, picked by a short URL.

    serial:/dev/ttyACM0     USB serial (pyserial; any pyserial URL after "serial:")
    ble:footfall-1A2B       BLE by advertised name or by address (bleak)
    file:DIR                session files already copied off the device (mpremote cp):
                            its flash folder (sessions/ inside) or that sessions/ folder

open_transport() returns an opened SerialSync or BleSync (each has `.link`, a FrameLink, and
`close()`), or a FileSource for file: URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footfall.errors import UsageError

if TYPE_CHECKING:
    from footfall.transport.ble import BleSync
    from footfall.transport.serial import SerialSync

SESSION_SUFFIX = ".ffs"
SESSIONS_DIR = "sessions"  # where the device's flash keeps its session files


@dataclass(frozen=True)
class FileSource:
    """Session files copied off a device (NNNNN.ffs, as the device names them): a copy of
    its flash folder, with sessions/ inside, or of that sessions/ folder."""

    path: Path

    def files(self) -> list[Path]:
        """The session files in `path`, else in `path`/sessions; [] when neither has any."""
        for folder in (self.path, self.path / SESSIONS_DIR):
            if folder.is_dir():
                found = sorted(p for p in folder.iterdir() if p.name.endswith(SESSION_SUFFIX))
                if found:
                    return found
        return []

    def where(self) -> str:
        """Where files() looks, for the error that says it found nothing."""
        return f"{self.path} or {self.path / SESSIONS_DIR}"

    async def close(self) -> None:
        return None


def parse_url(url: str) -> tuple[str, str]:
    """('serial'|'ble'|'file', rest); UsageError naming the accepted forms otherwise."""
    scheme, sep, rest = url.partition(":")
    if not sep or scheme not in ("serial", "ble", "file") or not rest:
        raise UsageError(
            f"bad device URL {url!r}: use serial:/dev/ttyACM0, ble:footfall-1A2B or file:DIR"
        )
    return scheme, rest


async def open_transport(url: str, **options: Any) -> SerialSync | BleSync | FileSource:
    """Open the transport a URL names; options go to open_serial / open_ble."""
    scheme, rest = parse_url(url)
    if scheme == "serial":
        from footfall.transport.serial import open_serial

        return await open_serial(rest, **options)
    if scheme == "ble":
        from footfall.transport.ble import open_ble

        return await open_ble(rest, **options)
    folder = Path(rest)
    if not folder.is_dir():
        raise UsageError(f"file:{rest}: not a directory")
    return FileSource(folder)
