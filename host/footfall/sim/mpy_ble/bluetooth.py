"""Virtual-board stand-in for `bluetooth`: BLE() relayed over a pipe to a Bumble GATT server.

The unix port cannot run Bumble, so this module is the low-level API of MicroPython's
`bluetooth` (docs/library/bluetooth.rst; extmod/modbluetooth.c) as aioble uses it, and every
call that reaches the radio becomes one message to footfall.sim.ble_bridge, which runs a
Bumble Device on a virtual controller in the sim's CPython process. The GATT database,
advertising, MTU exchange, notifications, pairing and attribute permissions are Bumble's.

What stays here, as NimBLE keeps it on the board:
- the attribute values (gatts_read/gatts_write on the local database) and the value
  handles gatts_register_services returns (service, characteristic declaration, value,
  CCCD when notify or indicate, then the descriptors, as NimBLE numbers them);
- the IRQ delivery. The ESP32 port runs the handler synchronously on the NimBLE task with
  the VM interlocked (ports/esp32/mpconfigport.h, MICROPY_PY_BLUETOOTH_USE_SYNC_EVENTS and
  _WITH_INTERLOCK), i.e. between two bytecodes of the firmware. Here the pipe is read after
  every virtual wait (a time hook) and each event is handed to micropython.schedule, which
  also runs between bytecodes. A write's value is stored just before its IRQ, so aioble's
  capture reads the value that write carried.

Wire format, both ways: 4 hex digits of length, then a JSON array; bytes travel as hex.
"""

import binascii
import json
import sys
import time  # the stand-in clock: its hooks run after every virtual wait

import _sim
import micropython

if "ble_rx_fd" not in _sim.scenario:  # a board without a radio: no `bluetooth`, as today
    raise ImportError("no module named 'bluetooth'")

FLAG_BROADCAST = 0x0001
FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020

_DEFAULT_ATTR_LEN = 20  # extmod/modbluetooth.h MP_BLUETOOTH_DEFAULT_ATTR_LEN
_DEFAULT_GAP_NAME = "MPY ESP32"  # ports/esp32 MICROPY_PY_BLUETOOTH_DEFAULT_GAP_NAME
_ENODEV = 19  # the stack is not active (extmod/modbluetooth.c ERRNO_BLUETOOTH_NOT_ACTIVE)
_ENOTCONN = 107
_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_CONFIG_KEYS = ("gap_name", "mtu", "bond", "le_secure", "mitm", "io", "rxbuf", "addr_mode")


class UUID:
    """bluetooth.UUID: a 16-bit int or a 128-bit string; bytes(uuid) is little-endian."""

    def __init__(self, value):
        if isinstance(value, UUID):
            self.le = value.le
        elif isinstance(value, int):
            self.le = bytes((value & 0xFF, value >> 8))
        elif isinstance(value, str):
            self.le = bytes(reversed(binascii.unhexlify(value.replace("-", ""))))
        else:
            self.le = bytes(value)

    def __iter__(self):
        return iter(self.le)

    def __len__(self):
        return len(self.le)

    def __eq__(self, other):
        return isinstance(other, UUID) and other.le == self.le

    def __hash__(self):
        return hash(self.le)

    def __repr__(self):
        if len(self.le) == 2:
            return "UUID(0x%04x)" % (self.le[0] | self.le[1] << 8)
        return "UUID('" + binascii.hexlify(bytes(reversed(self.le))).decode() + "')"


def _hex(data):
    return binascii.hexlify(bytes(data)).decode() if data is not None else None


class _Pipe:
    """The two pipe ends the scenario names (ble_rx_fd: events in, ble_tx_fd: calls out)."""

    def __init__(self, rx_fd, tx_fd):
        import select

        self.rx = open(rx_fd, "rb")
        self.tx = open(tx_fd, "wb")
        self.poller = select._real_poll()
        self.poller.register(self.rx, select.POLLIN)

    def send(self, *msg):
        body = json.dumps(msg).encode()
        self.tx.write(b"%04x" % len(body) + body)  # unbuffered (flush would fsync: EINVAL)

    def ready(self, timeout_ms=0):
        return bool(self.poller.poll(timeout_ms))

    def receive(self):
        n = int(self.rx.read(4), 16)
        return json.loads(self.rx.read(n))


class BLE:
    """The one BLE object (bluetooth.BLE() always returns it, as on the board)."""

    _instance = None

    def __new__(cls):
        if BLE._instance is None:
            BLE._instance = object.__new__(cls)
            BLE._instance._setup()
        return BLE._instance

    def __init__(self):
        pass

    def _setup(self):
        sc = _sim.scenario
        self._pipe = _Pipe(sc["ble_rx_fd"], sc["ble_tx_fd"])
        self._active = False
        self._handler = None
        self._config = {"gap_name": _DEFAULT_GAP_NAME, "mtu": 256, "bond": False}
        self._config.update(le_secure=False, mitm=False, io=3, rxbuf=256, addr_mode=0)
        self._values = {}  # value handle -> bytes (the local database)
        self._buffers = {}  # value handle -> (max length, append)
        self._conns = set()
        self._events = []
        self._scheduled = False
        self._radio_off = sc.get("radio_off_ms")  # [T, D]: the radio gone from T for D ms
        self._radio_state = 1
        self._played = False  # the recording has run out (told once to the bridge)
        time.hooks.append(self._poll)
        serve = sys.modules.get("_serve")
        if serve is not None:  # a paced clock: a radio event ends its real wait early
            serve.real_wait_ms = self._pipe.ready

    # -- the stack's state -----------------------------------------------------------------

    def active(self, flag=None):
        if flag is None:
            return self._active
        flag = bool(flag)
        if flag != self._active:
            self._active = flag
            self._conns.clear()
            self._values.clear()
            self._buffers.clear()
            self._events.clear()
            self._pipe.send("active", int(flag), _hex(self._mac()))
        return None

    def _mac(self):
        import machine

        mac = bytearray(machine.unique_id())
        mac[5] = (mac[5] + 2) & 0xFF  # the ESP32's BT address is its base MAC + 2
        return bytes(mac)

    def _need_active(self):
        if not self._active:
            raise OSError(_ENODEV)

    def config(self, *args, **kwargs):
        if args:
            if len(args) != 1 or kwargs:
                raise TypeError("config takes one name or keywords")
            name = args[0]
            if name == "mac":
                return (0, self._mac())
            if name not in self._config:
                raise ValueError("unknown config param")
            return self._config[name]
        for name, value in kwargs.items():
            if name not in _CONFIG_KEYS:
                raise ValueError("unknown config param")
            self._config[name] = value
        self._need_active()
        self._pipe.send("config", kwargs)
        return None

    def irq(self, handler):
        self._handler = handler

    # -- GAP --------------------------------------------------------------------------------

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        self._need_active()
        self._pipe.send("advertise", interval_us, _hex(adv_data), _hex(resp_data), connectable)

    def gap_disconnect(self, conn_handle):
        self._need_active()
        if conn_handle not in self._conns:
            return False
        self._pipe.send("disconnect", conn_handle)
        return True

    def gap_pair(self, conn_handle):
        self._need_active()
        self._pipe.send("pair", conn_handle)

    # -- GATT server ------------------------------------------------------------------------

    def gatts_register_services(self, services):
        self._need_active()
        handle = 0
        out = []
        wire = []
        for uuid, chars in services:
            handle += 1  # the service declaration
            handles = []
            wire_chars = []
            for char in chars:
                c_uuid, flags = char[0], char[1]
                handle += 2  # the characteristic declaration, then its value
                value_handle = handle
                handles.append(value_handle)
                if flags & (FLAG_NOTIFY | FLAG_INDICATE):
                    handle += 1  # the CCCD NimBLE adds
                descs = []
                for d_uuid, d_flags in char[2] if len(char) > 2 else ():
                    handle += 1
                    handles.append(handle)
                    descs.append([_hex(UUID(d_uuid)), d_flags, handle])
                wire_chars.append([_hex(UUID(c_uuid)), flags, value_handle, descs])
            for h in handles:
                self._values[h] = b""
                self._buffers[h] = (_DEFAULT_ATTR_LEN, False)
            out.append(tuple(handles))
            wire.append([_hex(UUID(uuid)), wire_chars])
        self._pipe.send("register", wire)
        return tuple(out)

    def gatts_read(self, value_handle):
        self._need_active()
        return self._values[value_handle]

    def gatts_write(self, value_handle, data, send_update=False):
        self._need_active()
        if value_handle not in self._values:
            raise OSError(2)  # ENOENT: no such attribute
        self._values[value_handle] = bytes(data)
        self._pipe.send("write", value_handle, _hex(data), bool(send_update))

    def gatts_notify(self, conn_handle, value_handle, data=None):
        self._send_value("notify", conn_handle, value_handle, data)

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        self._send_value("indicate", conn_handle, value_handle, data)

    def _send_value(self, kind, conn_handle, value_handle, data):
        self._need_active()
        if conn_handle not in self._conns:
            raise OSError(_ENOTCONN)
        value = self._values[value_handle] if data is None else data
        self._pipe.send(kind, conn_handle, value_handle, _hex(value))

    def gatts_set_buffer(self, value_handle, length, append=False):
        self._need_active()
        self._buffers[value_handle] = (length, bool(append))
        self._pipe.send("buffer", value_handle, length)

    # -- events -----------------------------------------------------------------------------

    def _poll(self):
        self._check_radio()
        if not self._played and _sim.end_ms is not None:
            self._played = True
            self._pipe.send("played")
        while self._pipe.ready():
            event = self._pipe.receive()
            if self._active:
                self._events.append(event)
        if self._events and not self._scheduled:
            self._scheduled = True
            micropython.schedule(_dispatch, self)

    def _check_radio(self):
        if self._radio_off is None:
            return
        t_ms, d_ms = self._radio_off
        now = _sim.sensor_ms()
        state = 0 if t_ms <= now < t_ms + d_ms else 1
        if state != self._radio_state:
            self._radio_state = state
            self._pipe.send("radio", state)

    def _deliver(self):
        self._scheduled = False
        while self._events:
            event = self._events.pop(0)
            code, data = event[0], event[1:]
            if code == _IRQ_GATTS_WRITE:
                handle, value = data[1], binascii.unhexlify(data[2])
                limit, append = self._buffers.get(handle, (_DEFAULT_ATTR_LEN, False))
                if append:
                    value = self._values.get(handle, b"") + value
                self._values[handle] = value[:limit]
                data = data[:2]
            elif code == _IRQ_CENTRAL_CONNECT:
                self._conns.add(data[0])
                data = (data[0], data[1], binascii.unhexlify(data[2]))
            elif code == _IRQ_CENTRAL_DISCONNECT:
                self._conns.discard(data[0])
                data = (data[0], data[1], binascii.unhexlify(data[2]))
            if self._handler is not None:
                try:
                    self._handler(code, tuple(data))
                except Exception as exc:  # the port prints a failing handler and goes on
                    sys.print_exception(exc)


def _dispatch(ble):
    ble._deliver()
