"""Transports that carry sync frames: BLE (bleak), USB serial (pyserial), files."""
