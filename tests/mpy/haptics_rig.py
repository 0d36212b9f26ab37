"""Haptics rig for the unix port on the virtual board's clock (the stand-in `time`: patterns
play in no real time): a fake PWM logging (virtual ms, name, what, value) in `log`. Test
scripts take it with `from haptics_rig import *`."""

# Re-exported for the test scripts, which take everything here with `import *`.
import asyncio  # noqa: F401
import time

from footfall_fw.haptics import GAP_MS, PATTERNS, Haptics  # noqa: F401

log = []


class FakePWM:
    def __init__(self, name):
        self.name = name

    def freq(self, hz):
        log.append((time.ticks_ms(), self.name, "freq", hz))

    def duty_u16(self, d):
        log.append((time.ticks_ms(), self.name, "duty", d))
