"""Sync over USB serial with pyserial: enter sync mode, then frames both ways.

A reader thread (as in pyserial's serial.threaded) only hands received bytes to the event
loop, where FrameLink parses them. Opening writes protocol.SERIAL_ENTER, which switches the
device from its REPL text stream to binary sync, and confirms with HELLO (retried, since
the first bytes may land in a half-typed REPL line). close() sends BYE to give the REPL back.
"""

from __future__ import annotations

import asyncio
import threading

import serial  # type: ignore[import-untyped]
from footfall_core import protocol as P

from footfall.errors import DeviceError, TransportError
from footfall.transport.link import FrameLink, decode


class SerialSync:
    """A sync link on a serial port (or any pyserial URL, e.g. loop:// in tests)."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.port = port
        self.baudrate = baudrate
        self.link = FrameLink(self._write)
        self.hello: tuple | None = None
        self._serial: serial.SerialBase | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def open(self, attempts: int = 3, timeout_s: float = 1.0) -> SerialSync:
        """Open the port, enter sync mode and read HELLO; TransportError if nobody answers."""
        try:
            self._serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.05)
        except (serial.SerialException, ValueError) as e:
            raise TransportError(f"serial:{self.port}: {e}") from e
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._reader, args=(loop,), daemon=True)
        self._thread.start()
        for _ in range(attempts):
            await self._write(P.SERIAL_ENTER)
            try:
                frame = await self.link.request(P.HELLO, timeout_s=timeout_s)
            except TransportError:
                continue
            self.hello = decode(P.unpack_hello, frame)
            return self
        await self.close(say_bye=False)
        raise TransportError(f"serial:{self.port}: no footfall sync answer after {attempts} tries")

    def _reader(self, loop: asyncio.AbstractEventLoop) -> None:
        ser = self._serial
        assert ser is not None
        while not self._stop.is_set():
            try:
                data = ser.read(max(1, ser.in_waiting))
            except (serial.SerialException, OSError, TypeError):
                break  # port closed or unplugged: recv() times out with a clear error
            if data:
                loop.call_soon_threadsafe(self.link.on_bytes, data)

    async def _write(self, data: bytes) -> None:
        ser = self._serial
        if ser is None:
            raise TransportError(f"serial:{self.port} is not open")
        try:
            await asyncio.to_thread(ser.write, data)
        except (serial.SerialException, OSError) as e:
            raise TransportError(f"serial:{self.port}: {e}") from e

    async def close(self, say_bye: bool = True) -> None:
        """Leave sync mode (BYE) and close the port."""
        if self._serial is None:
            return
        if say_bye:
            try:
                await self.link.request(P.BYE, timeout_s=1.0)
            except (TransportError, DeviceError):
                pass  # the device may be gone already; closing must still succeed
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 1.0)
        self._serial.close()
        self._serial = None


async def open_serial(port: str, baudrate: int = 115200) -> SerialSync:
    return await SerialSync(port, baudrate).open()
