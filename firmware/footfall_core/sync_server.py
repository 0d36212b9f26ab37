"""The device side of the sync protocol: request frames in, reply frames out, any transport.

    server = SyncServer(store, config, device, send, max_payload=236)

max_payload sizes DATA chunks and LIST pages (e.g. one BLE notification per frame); replies
that must be whole (INFO, CONFIG, ERROR) may use up to frames.MAX_PAYLOAD, since every
transport carries frames as a byte stream and the peer's parser reassembles them.
    server.feed(buf, n)          # bytes from USB serial or a BLE write
    server.expire()              # the bytes stopped mid-frame: serve what came after it
    send(frame_buf, n)           # called once per reply / DATA frame; copy or write it now

Injected objects (duck-typed, the smallest interface the protocol needs):
    store.sessions() -> list of session ids (ints), oldest first; called once per LIST
        page and session_info/read_into once per entry or DATA frame, so each must cost
        O(1) in the number of sessions (footfall_fw.store keeps its listing in RAM)
    store.session_info(sid) -> (start_s, duration_s, steps, size, crc); KeyError if unknown
    store.read_into(sid, offset, buf, start, n) -> bytes read into buf[start:start + n]
    store.delete(sid);  store.mark_synced(sid);  store.free_bytes();  store.total_bytes()
    config.get() -> dict;  config.set(changes) raises ValueError(reason) for bad values
    device.device_id (6 bytes), device.fw_version (3 ints), device.capabilities (CAP_*)
    device.status() -> (battery_mv, battery_pct, state, fifo_overflows)
    device.set_time(unix_s);  device.set_live(on)
    device.clock() -> (boot_id, uptime_ms, clock_set), optional (HELLO's clock fields)

Every field of every request is checked before anything acts on it (protocol.py lists the
ranges; docs/store-and-sync.md, Requests the device refuses): a value the device cannot use
gets an ERROR frame and changes nothing. A ValueError from the device or the store (a value
its own rules refuse) becomes ERR_BAD_PAYLOAD, OSError from the store ERR_STORAGE, and any
other exception ERR_DEVICE, counted in `failures`; nothing a peer sends can raise out of
feed(). The DATA path reads straight into the frame buffer: no allocation per chunk.
"""

import json

from footfall_core import protocol as P
from footfall_core.frames import (
    HEADER,
    MAX_PAYLOAD,
    OVERHEAD,
    FrameError,
    FrameParser,
    pack_frame_into,
)
from footfall_core.header import CLOCK_MAX_S, CLOCK_MIN_S


class SyncServer:
    def __init__(self, store, config, device, send, max_payload=MAX_PAYLOAD, max_window=255):
        # max_window caps the host's GET window: the longest burst the link may write
        # before the sampler runs again (a LIS3DH's FIFO behind a UART bridge needs 4).
        self.max_window = max_window
        self.store = store
        self.config = config
        self.device = device
        self.send = send
        self.max_payload = min(max_payload, MAX_PAYLOAD)
        self.rx_errors = 0
        self.failures = 0  # requests that raised an unexpected exception (ERR_DEVICE)
        self.closed = False  # set by BYE
        self._parser = FrameParser(self._on_frame, self._on_error, MAX_PAYLOAD)
        self._out = bytearray(MAX_PAYLOAD + OVERHEAD)
        self._sid = -1  # session being sent, -1: none
        self._size = 0
        self._next = 0  # next offset to send
        self._acked = 0
        self._window = 0
        self._chunk = 0
        self._data_seq = 0
        self._eof_sent = True

    @property
    def rx_frames(self):
        return self._parser.frames

    def feed(self, buf, n=-1):
        """Bytes received from the host."""
        self._parser.feed(buf, n)

    def reset(self):
        """The link dropped: forget partial frames and any transfer in flight."""
        self._parser.reset()
        self._sid = -1
        self._eof_sent = True

    def _reply(self, ftype, seq, n):
        # The payload is already in place at _out[HEADER:].
        size = pack_frame_into(self._out, ftype, seq, self._out, n)
        self.send(self._out, size)

    def error(self, seq, code, req_type, reason):
        """Send an ERROR frame (also used by transports for their own failures)."""
        out = self._out
        out[HEADER] = code
        out[HEADER + 1] = req_type & 0xFF
        text = reason.encode("utf-8")[: MAX_PAYLOAD - 2]
        out[HEADER + 2 : HEADER + 2 + len(text)] = text
        self._reply(P.ERROR, seq, 2 + len(text))

    def _on_error(self, code):
        self.rx_errors += 1
        p = self._parser
        if code == P.ERR_TOO_LONG:  # answered as its request, so its sender need not wait
            n = p.rejected_len
            reason = f"payload of {n} bytes is over the {MAX_PAYLOAD}-byte frame limit"
            self.error(p.rejected_seq, code, p.rejected_type, reason)
        elif code == P.ERR_BAD_CRC:
            self.error(0, code, 0, "bad CRC")
        elif code == P.ERR_TRUNCATED:
            self.error(0, code, 0, "frame cut short")
        else:
            self.error(0, code, 0, "bad frame header")

    def expire(self):
        """The host's bytes stopped arriving: drop a partial frame, serve what was behind it."""
        self._parser.expire()

    @property
    def pending(self):
        return self._parser.pending

    def _on_frame(self, ftype, seq, buf, off, n):
        try:
            self._dispatch(ftype, seq, buf, off, n)
        except ValueError as e:  # FrameError, and values the device's own rules refuse
            self.error(seq, P.ERR_BAD_PAYLOAD, ftype, str(e))
        except KeyError:
            self.error(seq, P.ERR_NO_SESSION, ftype, "no such session")
        except OSError as e:
            self.error(seq, P.ERR_STORAGE, ftype, f"storage: {e}")
        except Exception as e:  # a bug or MemoryError: the peer gets a reason, the link lives
            self.failures += 1
            self.error(seq, P.ERR_DEVICE, ftype, f"device: {e!r}")

    def _dispatch(self, ftype, seq, buf, off, n):
        out = self._out
        if ftype == P.HELLO:
            d = self.device
            clock = d.clock() if hasattr(d, "clock") else None
            k = P.pack_hello(
                out, HEADER, d.device_id, d.fw_version, d.capabilities, self.max_payload, clock
            )
            self._reply(ftype | P.REPLY, seq, k)
        elif ftype == P.INFO:
            cfg = self._config_json(P.INFO_SIZE)
            k = P.pack_info(
                out, HEADER, self.device.status(), self.store, self.rx_frames, self.rx_errors, cfg
            )
            self._reply(ftype | P.REPLY, seq, k)
        elif ftype == P.LIST:
            self._list(seq, buf, off, n)
        elif ftype == P.GET:
            self._get(seq, buf, off, n)
        elif ftype == P.ACK:
            self._ack(buf, off, n)
        elif ftype == P.DELETE or ftype == P.SYNCED:
            self._delete(seq, ftype, buf, off, n)
        elif ftype == P.GET_CONFIG:
            self._send_config(seq, ftype)
        elif ftype == P.SET_CONFIG:
            changes = P.decode_config(buf, off, n)
            try:
                self.config.set(changes)
            except ValueError as e:
                self.error(seq, P.ERR_BAD_CONFIG, ftype, str(e))
                return
            self._send_config(seq, ftype)
        elif ftype == P.SET_TIME:
            unix_s = P.unpack_u32s(buf, off, n, 1, "SET_TIME")[0]
            if not CLOCK_MIN_S <= unix_s <= CLOCK_MAX_S:
                raise FrameError(
                    f"SET_TIME {unix_s} is outside {CLOCK_MIN_S}..{CLOCK_MAX_S} (2024-2099 UTC)"
                )
            self.device.set_time(unix_s)
            self._reply(ftype | P.REPLY, seq, 0)
        elif ftype == P.BYE:
            self.closed = True  # the transport leaves sync mode once this reply is out
            self._reply(ftype | P.REPLY, seq, 0)
        elif ftype == P.LIVE:
            P.need(n, 1, "LIVE")
            if buf[off] > 1:
                raise FrameError(f"LIVE must be 0 (off) or 1 (on), not {buf[off]}")
            self.device.set_live(buf[off] == 1)
            self._reply(ftype | P.REPLY, seq, 0)
        else:
            self.error(seq, P.ERR_UNKNOWN_TYPE, ftype, f"unknown request type {ftype}")

    def _config_json(self, head):
        cfg = json.dumps(self.config.get(), separators=(",", ":")).encode("utf-8")
        if head + len(cfg) > MAX_PAYLOAD:
            raise FrameError(f"config of {len(cfg)} bytes exceeds the payload limit")
        return cfg

    def _send_config(self, seq, ftype):
        cfg = self._config_json(0)
        self._out[HEADER : HEADER + len(cfg)] = cfg
        self._reply(ftype | P.REPLY, seq, len(cfg))

    def _list(self, seq, buf, off, n):
        P.need(n, 2, "LIST")
        first = P.get_u16_le(buf, off)
        ids = self.store.sessions()
        room = (self.max_payload - 4) // P.LIST_ENTRY
        out = self._out
        P.put_u16_le(out, HEADER, len(ids))
        P.put_u16_le(out, HEADER + 2, first)
        p = HEADER + 4
        for sid in ids[first : first + room]:
            P.pack_list_entry(out, p, sid, self.store.session_info(sid))
            p += P.LIST_ENTRY
        self._reply(P.LIST | P.REPLY, seq, p - HEADER)

    def _get(self, seq, buf, off, n):
        P.need(n, P.GET_SIZE, "GET")
        sid, offset = P.unpack_u32s(buf, off, n, 2, "GET")
        size = self.store.session_info(sid)[3]
        if offset > size:
            raise FrameError(f"offset {offset} is past the end ({size} bytes)")
        if buf[off + 8] == 0:
            raise FrameError("GET window must be 1..255 chunks")
        room = self.max_payload - P.DATA_HEADER
        chunk = P.get_u16_le(buf, off + 9)
        self._chunk = room if chunk == 0 or chunk > room else chunk
        self._window = min(buf[off + 8], self.max_window)
        self._sid = sid
        self._size = size
        self._next = self._acked = offset
        self._data_seq = 0
        self._eof_sent = False
        self._pump()

    def _ack(self, buf, off, n):
        # No reply, no tuple: ACKs arrive once per window during a transfer. One for another
        # session or below the last is stale (it crossed a new GET) and is ignored; one past
        # the bytes sent would open the window wider than max_window allows: refused.
        P.need(n, P.ACK_SIZE, "ACK")
        offset = P.get_u32_le(buf, off + 4)
        if P.get_u32_le(buf, off) != self._sid or offset <= self._acked:
            return
        if offset > self._next:
            raise FrameError(f"ACK at {offset} is past the {self._next} bytes sent")
        self._acked = offset
        self._pump()

    def _pump(self):
        # Send DATA while the window has room; an empty DATA at the end marks end of file.
        if self._sid < 0:
            return
        out = self._out
        limit = self._acked + self._window * self._chunk
        while self._next < self._size and self._next < limit:
            k = min(self._chunk, self._size - self._next)
            P.put_u32_le(out, HEADER, self._next)
            got = self.store.read_into(self._sid, self._next, out, HEADER + P.DATA_HEADER, k)
            if got <= 0:
                raise OSError(f"short read at {self._next}")
            self._reply(P.DATA, self._data_seq, P.DATA_HEADER + got)
            self._data_seq = (self._data_seq + 1) & 0xFF
            self._next += got
        if self._next >= self._size and not self._eof_sent:
            P.put_u32_le(out, HEADER, self._size)
            self._reply(P.DATA, self._data_seq, P.DATA_HEADER)
            self._eof_sent = True

    def _delete(self, seq, ftype, buf, off, n):
        # DELETE removes the session, SYNCED only marks it: both need the exact copy's CRC.
        P.need(n, P.DELETE_SIZE, "DELETE" if ftype == P.DELETE else "SYNCED")
        sid = P.get_u32_le(buf, off)
        crc = P.get_u16_le(buf, off + 4)
        have = self.store.session_info(sid)[4]
        if crc != have:
            self.error(
                seq,
                P.ERR_CRC_MISMATCH,
                ftype,
                f"CRC 0x{crc:04x} does not match the session's 0x{have:04x}",
            )
            return
        if ftype == P.SYNCED:
            self.store.mark_synced(sid)
        else:
            self.store.delete(sid)
            if sid == self._sid:
                self._sid = -1
        self._reply(ftype | P.REPLY, seq, 0)
