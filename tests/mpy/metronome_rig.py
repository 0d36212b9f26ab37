"""Metronome rig for the unix port on the virtual board's clock (the stand-in `time` and
`select`: waits take no real time): Haptics over a fake PWM that logs each beat's start
(ticks_ms, Hz) in `ons`, and a Metronome on it. Test scripts take it with
`from metronome_rig import *`."""

# Re-exported for the test scripts, which take everything here with `import *`.
import asyncio  # noqa: F401
import time

from footfall_fw.haptics import BEAT_HZ, Haptics  # noqa: F401
from footfall_fw.metronome import Metronome

ons = []


class FakePWM:
    def __init__(self):
        self.hz = 0
        self.on = 0

    def freq(self, hz):
        self.hz = hz

    def duty_u16(self, d):
        if d and not self.on:
            ons.append((time.ticks_ms(), self.hz))
        self.on = d


h = Haptics(FakePWM(), None)
m = Metronome(h)
