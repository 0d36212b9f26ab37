"""Sync over USB serial with pyserial: enter sync mode, then frames both ways.

A reader thread (as in pyserial's serial.threaded) only hands received bytes to the event
loop, where FrameLink parses them. Opening writes protocol.SERIAL_ENTER, which switches the
device from its REPL text stream to binary sync, and confirms with HELLO (retried, since
the first bytes may land in a half-typed REPL line). close() sends BYE to give the REPL back.

DTR and RTS are handled as mpremote's SerialTransport does (tools/mpremote/mpremote/
transport_serial.py, `__init__` and `close`), because ESP32 boards with the usual auto-reset
circuit pull EN low (reset) while RTS is asserted and DTR is not: the port is made unopened,
and where the driver raises the lines one at a time on open (the CP210x driver on Windows)
both are cleared before opening and raised after it, DTR first; elsewhere the OS raises both
together at open and pyserial's default (both on) changes nothing. Closing clears RTS
before DTR, so the lines never pass through "RTS only".
"""

from __future__ import annotations

import asyncio
import errno
import os
import threading

import serial
import serial.tools.list_ports
from footfall_core import protocol as P

from footfall.errors import DeviceError, TransportError
from footfall.transport.link import FrameLink, decode

VID_SILICON_LABS = 0x10C4


def lines_settle_late(port: str) -> bool:
    """True where opening raises DTR and RTS at different times (mpremote: Silicon Labs
    CP210x on Windows after a power-on reset), so they must be cleared before open."""
    if os.name != "nt":
        return False
    info = list(serial.tools.list_ports.grep(port))
    return bool(info) and getattr(info[0], "vid", None) == VID_SILICON_LABS


def open_port(port: str, baudrate: int, timeout_s: float) -> serial.SerialBase:
    """Open `port` without pulsing an ESP32's EN through DTR/RTS (see the module doc)."""
    ser = serial.serial_for_url(port, do_not_open=True, baudrate=baudrate, timeout=timeout_s)
    if lines_settle_late(port):
        ser.dtr = False  # set on the unopened port: applied by open(), DTR then RTS
        ser.rts = False
        ser.open()
        ser.dtr = True  # DTR alone asserted pulls IO0, not EN: no reset
        ser.rts = True
    else:
        ser.open()
    return ser


def close_port(ser: serial.SerialBase) -> None:
    """Clear RTS, then DTR, then close (mpremote's order: never RTS alone, never EN low)."""
    try:
        ser.rts = False
        ser.dtr = False
    except OSError as e:
        if e.errno not in (errno.ENOTTY, errno.EINVAL):  # a pty has no modem lines
            raise
    ser.close()


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
            self._serial = open_port(self.port, self.baudrate, 0.05)
        except (serial.SerialException, ValueError, OSError) as e:
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
        try:
            close_port(self._serial)
        except (serial.SerialException, OSError):
            self._serial.close()  # unplugged: the lines are gone with it
        self._serial = None


async def open_serial(port: str, baudrate: int = 115200) -> SerialSync:
    return await SerialSync(port, baudrate).open()
