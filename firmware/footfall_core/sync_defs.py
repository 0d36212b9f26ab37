"""Sync constants a device needs before it loads the sync stack: the USB handshake, CAP_*.

protocol.py re-exports them (`protocol.SERIAL_ENTER`, `protocol.CAP_SERIAL`); this module
exists so the firmware can watch the USB console for the handshake and name its
capabilities without loading frames, protocol and sync_server (about 20 KB of heap) until a
host asks to sync (docs/firmware.md, RAM).
"""

# HELLO's capability bits.
CAP_LIVE = 0x01
CAP_RSC = 0x02
CAP_BLE = 0x04
CAP_SERIAL = 0x08

# USB serial: the host writes this line to enter binary sync mode, so that mpremote and the
# REPL keep working otherwise. It starts with SYNC-free text and ends with a newline.
SERIAL_ENTER = b"\r\nfootfall-sync\r\n"
