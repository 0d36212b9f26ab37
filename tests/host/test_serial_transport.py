"""The host's serial transport over a real pty, against a SyncServer playing the device.

The device side here is footfall_core's SyncServer behind a thread on the pty's master end,
in text mode until protocol.SERIAL_ENTER arrives, back to text after BYE (the real firmware
serves the same protocol through footfall_fw; see the issue-4 end-to-end tests).
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
from pathlib import Path

import pytest
from footfall.errors import TransportError, UsageError
from footfall.sim.ble_peripheral import MemoryConfig, MemoryStore
from footfall.transport import FileSource, open_transport
from footfall.transport.link import decode, fetch
from footfall_core import protocol as P
from footfall_core.crc import session_crc
from footfall_core.sync_server import SyncServer

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pty")

SESSION = bytes((i * 17 + 3) & 0xFF for i in range(20000))


class PtyDevice:
    """A sync device on the master end of a pty; `path` is the slave for pyserial."""

    device_id = bytes.fromhex("246f281a2b3c")
    fw_version = (0, 1, 0)
    capabilities = P.CAP_SERIAL

    def __init__(self, answer: bool = True) -> None:
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave
        self.store = MemoryStore({3: (1763780000, 1200, 3400, SESSION)})
        self.server = SyncServer(self.store, MemoryConfig(), self, self._send, 508)
        self.text = bytearray()  # what arrived in text (REPL) mode
        self.in_sync = False
        self.answer = answer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def status(self) -> tuple[int, int, int, int]:
        return 4000, 90, 0, 0

    def set_time(self, unix_s: int) -> None:
        pass

    def set_live(self, on: bool) -> None:
        pass

    def _send(self, buf: bytearray, n: int) -> None:
        os.write(self.master, bytes(buf[:n]))

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not self.answer:
                continue
            if not self.in_sync:
                self.text += data
                at = self.text.find(P.SERIAL_ENTER)
                if at < 0:
                    continue
                data = bytes(self.text[at + len(P.SERIAL_ENTER) :])
                del self.text[at:]
                self.in_sync = True
                self.server.reset()
                self.server.closed = False
            self.server.feed(data)
            if self.server.closed:
                self.in_sync = False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def device():
    dev = PtyDevice()
    yield dev
    dev.close()


def test_open_enters_sync_mode_and_reads_hello(device):
    async def scenario():
        sync = await open_transport(f"serial:{device.path}")
        hello = sync.hello
        await sync.close()
        return hello

    assert asyncio.run(scenario()) == (
        P.PROTOCOL_VERSION,
        device.device_id,
        (0, 1, 0),
        P.CAP_SERIAL,
        508,
    )


@pytest.mark.e2e
def test_close_says_bye_and_the_device_is_back_in_text_mode(device):
    async def scenario():
        sync = await open_transport(f"serial:{device.path}")
        await sync.close()

    asyncio.run(scenario())
    assert device.in_sync is False


@pytest.mark.e2e
def test_a_session_comes_over_serial_byte_identical(device):
    async def scenario():
        sync = await open_transport(f"serial:{device.path}")
        try:
            listing = decode(P.unpack_list, await sync.link.request(P.LIST, b"\0\0"))
            data = await fetch(sync.link, 3)
        finally:
            await sync.close()
        return listing, data

    (total, _first, entries), data = asyncio.run(scenario())
    assert total == 1 and entries[0][4:] == (len(SESSION), session_crc(SESSION))
    assert data == SESSION


@pytest.mark.e2e
def test_garbage_on_the_line_gets_an_error_frame_and_sync_carries_on(device):
    async def scenario():
        sync = await open_transport(f"serial:{device.path}")
        try:
            await sync.link._write(b"\xf5\x01\x02\x00\x00\x00\x00\x00")  # a frame, bad CRC
            error = await sync.link.recv(2)
            hello = await sync.link.request(P.HELLO)
        finally:
            await sync.close()
        return error, hello.type

    error, hello_type = asyncio.run(scenario())
    assert (error.type, error.payload[:1]) == (P.ERROR, bytes([P.ERR_BAD_CRC]))
    assert hello_type == P.HELLO | P.REPLY


@pytest.mark.e2e
def test_a_port_where_nothing_answers_fails_with_a_clear_error():
    silent = PtyDevice(answer=False)

    async def scenario():
        from footfall.transport.serial import SerialSync

        with pytest.raises(TransportError) as failed:
            await SerialSync(silent.path).open(attempts=2, timeout_s=0.2)
        return str(failed.value)

    try:
        message = asyncio.run(scenario())
    finally:
        silent.close()
    assert "no footfall sync answer" in message


def test_a_missing_port_fails_with_a_clear_error():
    with pytest.raises(TransportError, match="serial:/dev/does-not-exist"):
        asyncio.run(open_transport("serial:/dev/does-not-exist"))


def test_a_bad_url_names_the_accepted_forms():
    with pytest.raises(UsageError, match="serial:/dev/ttyACM0, ble:footfall-1A2B"):
        asyncio.run(open_transport("usb:/dev/ttyACM0"))


def test_file_url_lists_the_session_files(tmp_path: Path):
    for name in ("00002.ffs", "00001.syn.ffs", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    source = asyncio.run(open_transport(f"file:{tmp_path}"))
    assert isinstance(source, FileSource)
    assert [p.name for p in source.files()] == ["00001.syn.ffs", "00002.ffs"]


class LineLog:
    """Records what the transport does to a real pyserial port on the pty: DTR/RTS sets and
    open/close, in order, each with whether the port was open. A pty has no modem lines, so
    a set on the open port is recorded and kept in pyserial's state only, as a board's
    USB-UART bridge would take it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import serial as pyserial

        self.events: list[tuple] = []
        real = pyserial.serial_for_url
        log = self.events

        def recording(url, *args, **kwargs):
            ser = real(url, *args, **kwargs)
            base = type(ser)

            class Recorded(base):  # type: ignore[misc, valid-type]
                @property
                def dtr(self):
                    return self._dtr_state

                @dtr.setter
                def dtr(self, value):
                    log.append(("dtr", value, self.is_open))
                    self._dtr_state = value

                @property
                def rts(self):
                    return self._rts_state

                @rts.setter
                def rts(self, value):
                    log.append(("rts", value, self.is_open))
                    self._rts_state = value

                def open(self):
                    log.append(("open", self._dtr_state, self._rts_state))
                    base.open(self)

                def close(self):
                    if self.is_open:  # (pyserial closes again when collected)
                        log.append(("close",))
                    base.close(self)

            ser.__class__ = Recorded
            return ser

        monkeypatch.setattr(pyserial, "serial_for_url", recording)


def _open_and_close(path: str) -> None:
    async def scenario():
        sync = await open_transport(f"serial:{path}")
        await sync.close()

    asyncio.run(scenario())


@pytest.mark.e2e
def test_the_port_opens_with_both_lines_on_and_closes_clearing_rts_before_dtr(device, monkeypatch):
    log = LineLog(monkeypatch)
    _open_and_close(device.path)
    # Opened from the unopened state with both lines on (the OS raises them together), and
    # closed as mpremote's close() does: RTS off, then DTR, never RTS alone.
    assert log.events == [
        ("open", True, True),
        ("rts", False, True),
        ("dtr", False, True),
        ("close",),
    ]


@pytest.mark.e2e
def test_where_lines_settle_late_they_are_cleared_before_open_and_raised_dtr_first(
    device, monkeypatch
):
    from footfall.transport import serial as transport

    monkeypatch.setattr(transport, "lines_settle_late", lambda port: True)
    log = LineLog(monkeypatch)
    _open_and_close(device.path)
    assert log.events == [
        ("dtr", False, False),
        ("rts", False, False),
        ("open", False, False),
        ("dtr", True, True),
        ("rts", True, True),
        ("rts", False, True),
        ("dtr", False, True),
        ("close",),
    ]


def test_lines_settle_late_only_for_a_cp210x_on_windows(monkeypatch):
    from footfall.transport import serial as transport

    class Port:
        vid = transport.VID_SILICON_LABS

    monkeypatch.setattr(transport.serial.tools.list_ports, "grep", lambda port: [Port()])
    monkeypatch.setattr(transport.os, "name", "posix")
    assert not transport.lines_settle_late("/dev/ttyUSB0")
    monkeypatch.setattr(transport.os, "name", "nt")
    assert transport.lines_settle_late("COM3")
    Port.vid = 0x303A  # Espressif's native USB
    assert not transport.lines_settle_late("COM3")
