"""Binary sync over the USB serial console, entered by a handshake so mpremote still works.

    link = UsbLink(store, config, device)       # sys.stdin.buffer / sys.stdout.buffer
    asyncio.create_task(link.run())

Outside sync mode the console is left as it is: Ctrl-C still interrupts (mpremote breaks in
with it), and the bytes the task reads are only scanned for sync_defs.SERIAL_ENTER. After
that line the link is in sync mode: Ctrl-C is disabled (`micropython.kbd_intr(-1)`, a 0x03
inside a frame must not raise KeyboardInterrupt) and every byte goes to one SyncServer,
whose replies are written back. The sync stack (protocol, frames, sync_server) is imported
and the SyncServer built at the first handshake, so a board that never syncs over USB does
not hold them in RAM. Sync mode ends, with Ctrl-C restored (`kbd_intr(3)`), on BYE,
after TIMEOUT_MS without a byte from the host, or on a stream error.

The task never blocks sampling: it polls the input with a zero timeout, reads at most
RX_BUDGET bytes per wake one byte at a time (on the ESP32 `readinto(buf, n)` waits for all n
bytes), and sleeps ACTIVE_MS (sync mode) or IDLE_MS between wakes. Replies are written as
they are made; the longest burst is one GET window (host-chosen; 8 frames of 520 B by
default: 0.36 s at 115200 baud through a USB-UART bridge, far less on native USB). That is
inside the MPU6886's (1.28 s) and LSM6DSO's (2.5 s) FIFOs at 100 Hz but not the LIS3DH's
(0.32 s): a host syncing that board over a UART bridge should ask for a window of 4.
Text the app prints while in sync mode lands between frames; the host's parser skips it.
A frame whose bytes stop for STALL_MS is given up (a stray header claiming 512 bytes would
otherwise hold every request after it until 512 more bytes came), and the requests behind
it are served.
Counters: entries, rx_bytes, tx_bytes, tx_data_bytes (session bytes in DATA frames),
tx_dropped (bytes a non-blocking stream refused), errors (stream errors), timeouts, hangups,
stalls (partial frames given up).
"""

import asyncio
import select
import sys
import time

import micropython
from footfall_core.sync_defs import SERIAL_ENTER

ACTIVE_MS = 5  # wake period in sync mode: an ACK waits at most this long
IDLE_MS = 50  # wake period while only watching for the handshake
TIMEOUT_MS = 10000  # sync mode ends after this long without a byte from the host
# A partial frame is given up after this long without a byte (the parser rescans what came
# after its start): far above the 45 ms a whole 520-byte frame takes at 115200 baud.
STALL_MS = 250
RX_BUDGET = 512  # bytes read per wake at most, so a flood cannot starve the sampler
RX_CHUNK = 64  # bytes handed to the parser at once
CTRL_C = 3
_ENTER = SERIAL_ENTER
_POLLIN = select.POLLIN
_POLL_BAD = select.POLLHUP | select.POLLERR


class UsbLink:
    def __init__(
        self,
        store,
        config,
        device,
        rx=None,
        tx=None,
        kbd_intr=None,
        timeout_ms=TIMEOUT_MS,
        max_window=255,
    ):
        self.rx = sys.stdin.buffer if rx is None else rx
        self.tx = sys.stdout.buffer if tx is None else tx
        self.kbd_intr = micropython.kbd_intr if kbd_intr is None else kbd_intr
        self.timeout_ms = timeout_ms
        self._parts = (store, config, device, max_window)
        self.server = None  # the SyncServer, built at the first handshake (see _load)
        self._data_type = 0  # protocol.DATA, once loaded
        self._data_overhead = 0  # bytes of a DATA frame that are not session bytes
        self.active = False  # in sync mode
        self.entries = 0
        self.rx_bytes = 0
        self.tx_bytes = 0
        self.tx_data_bytes = 0  # session bytes sent in DATA frames
        self.tx_dropped = 0
        self.errors = 0
        self.timeouts = 0
        self.hangups = 0
        self.stalls = 0
        self._poll = select.poll()
        self._poll.register(sys.stdin if rx is None else self.rx, _POLLIN)
        self._buf = bytearray(RX_CHUNK)
        self._one = bytearray(1)
        self._match = 0  # bytes of _ENTER matched so far
        self._last_rx_ms = time.ticks_ms()

    async def run(self):
        """The task: serve the console forever; nothing the host sends can end it."""
        while True:
            self.step()
            await asyncio.sleep_ms(ACTIVE_MS if self.active else IDLE_MS)

    def step(self):
        """One wake: read what has arrived, handle it, check the inactivity timeouts."""
        try:
            self._read()
            self._check_quiet()
        except Exception as exc:  # a stream error or a bug: give the console back, go on
            self.errors += 1
            self.leave()
            if self.errors == 1:  # shown once; a stream that keeps failing only counts
                sys.print_exception(exc)

    def _check_quiet(self):
        server = self.server
        if not self.active or server is None:
            return
        quiet_ms = time.ticks_diff(time.ticks_ms(), self._last_rx_ms)
        if quiet_ms > self.timeout_ms:
            self.timeouts += 1
            self.leave()
        elif quiet_ms > STALL_MS and server.pending:
            self.stalls += 1
            server.expire()

    def _read(self):
        budget = RX_BUDGET
        buf = self._buf
        while budget > 0:
            n = 0
            while n < RX_CHUNK and self._ready():
                if not self.rx.readinto(self._one):
                    break
                buf[n] = self._one[0]
                n += 1
            if n == 0:
                return
            budget -= n
            self.rx_bytes += n
            self._last_rx_ms = time.ticks_ms()
            self._handle(buf, n)

    def _ready(self):
        for _stream, events in self._poll.ipoll(0):
            if events & _POLL_BAD:  # the host side went away: no more sync mode
                if self.active:
                    self.hangups += 1
                    self.leave()
                return False
            return bool(events & _POLLIN)
        return False

    def _handle(self, buf, n):
        i = 0
        if not self.active:
            i = self._scan(buf, n)
        server = self.server  # built by the first handshake
        if not self.active or server is None:
            return
        if i < n:
            # Bytes after the handshake: shift them to the front (no slice: no allocation).
            for j in range(i, n):
                buf[j - i] = buf[j]
            server.feed(buf, n - i)
        if server.closed:  # BYE: its reply is already written
            self.leave()

    def _scan(self, buf, n):
        # Match _ENTER; returns the index after it once matched. Its only border is its
        # first byte, so a mismatch restarts at 1 when the byte is that one, else at 0.
        m = self._match
        for i in range(n):
            b = buf[i]
            if b == _ENTER[m]:
                m += 1
                if m == len(_ENTER):
                    self._match = 0
                    self.enter()
                    return i + 1
            else:
                m = 1 if b == _ENTER[0] else 0
        self._match = m
        return n

    def counters(self):
        """The link's counters and the protocol's, as a dict (the REPL, the virtual board)."""
        names = ("entries", "rx_bytes", "tx_bytes", "tx_data_bytes", "tx_dropped", "errors")
        out = {name: getattr(self, name) for name in names + ("timeouts", "hangups", "stalls")}
        server = self.server
        out["rx_frames"] = 0 if server is None else server.rx_frames
        out["rx_errors"] = 0 if server is None else server.rx_errors
        return out

    def _load(self):
        # The sync stack (frames, protocol, sync_server: about 20 KB of heap) is imported and
        # built at the first handshake, not at boot: most runs never sync over USB.
        from footfall_core import protocol as P
        from footfall_core.frames import MAX_PAYLOAD, OVERHEAD
        from footfall_core.sync_server import SyncServer

        store, config, device, max_window = self._parts
        self._data_type = P.DATA
        self._data_overhead = OVERHEAD + P.DATA_HEADER
        return SyncServer(store, config, device, self._send, MAX_PAYLOAD, max_window)

    def enter(self):
        """Sync mode on: Ctrl-C off, a fresh parser."""
        server = self.server
        if server is None:
            server = self.server = self._load()
        self.kbd_intr(-1)
        server.reset()
        server.closed = False
        self.active = True
        self.entries += 1
        self._last_rx_ms = time.ticks_ms()

    def leave(self):
        """Sync mode off (BYE, timeout, error): Ctrl-C back, any transfer forgotten."""
        server = self.server
        if self.active and server is not None:  # (in sync mode, the server exists)
            self.active = False
            server.reset()
            server.closed = False
        self._match = 0
        self.kbd_intr(CTRL_C)

    def _send(self, buf, n):
        # SyncServer's send(): write the frame now. A blocking console (the board) takes it
        # all; a non-blocking one may refuse (None) or take part: the rest is dropped and
        # counted, and the host's window and CRC logic recover.
        off = 0
        while off < n:
            k = self.tx.write(buf, off, n - off)
            if not k:
                self.tx_dropped += n - off
                return
            off += k
        self.tx_bytes += n
        if buf[2] == self._data_type:  # DATA: resumed transfers are measured by its bytes
            self.tx_data_bytes += n - self._data_overhead
