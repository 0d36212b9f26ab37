"""board.py's clock handling on the stand-in machine (unix port): the ESP32 clock at its
power-on value, the M5StickC Plus2's BM8563 as `chip`. stdin: (scenario, body); the body runs
here and leaves a literal in `result`, which is printed."""

import sys
import time

import _sim
import machine

SCENARIO, BODY = eval(sys.stdin.read())
_sim.scenario = SCENARIO
_sim.samples = []
time.set_epoch(946684800)  # the ESP32 clock at power-on: 2000-01-01

# The firmware is imported only now, once the stand-ins are set up as the board would be.
from footfall_fw import board as b  # noqa: E402
from footfall_fw import clock  # noqa: E402, F401 (for the body)

brd = b.load_board("m5stickc_plus2")
chip = b._rtc_chip(brd, machine.I2C(0))
namespace = globals()
exec(BODY, namespace)
print(repr(namespace["result"]))
