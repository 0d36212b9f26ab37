"""`footfall flash`'s clock step, run by `mpremote exec` with the app stopped (the app never
loads this module): UTC into the ESP32 clock and the board's RTC chip, if it has one.

    import footfall_fw.setclock as c; c.set_clock(1800000000)

mpremote's own `rtc --set` writes local time; the firmware keeps UTC (docs/firmware.md).
"""

import time

import machine

from footfall_fw import board as b


def set_clock(unix_s, name=None):
    brd = b.load_board(name or b.board_name())
    chip = None
    if getattr(brd, "RTC", None) is not None:
        bus = machine.I2C(brd.I2C_ID, scl=machine.Pin(brd.SCL), sda=machine.Pin(brd.SDA))
        chip = b._rtc_chip(brd, bus)
    b.write_clock(unix_s, chip)
    print("clock set (UTC):", time.gmtime(b._port_s(unix_s)), "chip:", chip is not None)
