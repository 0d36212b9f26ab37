"""Test double of MicroPython's `bluetooth` for footfall_fw.ble_link: only `UUID`."""


class UUID:
    """A 16-bit (int) or 128-bit (str) UUID; bytes(uuid) is little-endian, as on the board."""

    def __init__(self, value):
        if isinstance(value, int):
            self.le = bytes((value & 0xFF, value >> 8))
        else:
            self.le = bytes(reversed(bytes.fromhex(value.replace("-", ""))))

    def __iter__(self):
        return iter(self.le)

    def __eq__(self, other):
        return isinstance(other, UUID) and other.le == self.le

    def __repr__(self):
        return "UUID(" + self.le.hex() + ")"
