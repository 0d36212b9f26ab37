"""The metronome: beats at the target cadence on the buzzer and/or motor, on absolute deadlines.

Beat k of a run of beats is due at start + k * 60000 * steps / spm ms (steps 1: every step,
2: every other step), kept exact in integers by carrying the remainder (no drift however
long the run), and each wait is to that deadline (`time.ticks_diff`), never a fixed sleep,
so a late wake-up delays one beat and not the ones after it. A beat more than half a period
late is skipped (counted in `skipped`), never played in a burst. No beat while a pattern
plays (a cue, "stopped"...): the beat is skipped and the pattern is heard whole.

`follow()` is called on every coach tick: it beats at the coach's target while a session is
open ("metronome"), or only during a slow spell while running ("metronome-when-slow").
"""

import asyncio
import time

from footfall_core.coach import R_IN_ZONE

from footfall_fw.haptics import BEAT_HZ, BEAT_MS


class Metronome:
    def __init__(self, haptics):
        self.haptics = haptics
        self.buzzer = True
        self.motor = True
        self.steps = 1
        self.spm = 0  # the cadence it beats at; 0: silent
        self.beats = 0
        self.skipped = 0
        self.late_ms_max = 0  # the latest a played beat started after its deadline
        self._wake = asyncio.Event()

    def set(self, spm):
        """Beat at spm steps/min from now (0: stop); the same spm keeps the beat's phase."""
        if spm != self.spm:
            self.spm = spm
            self._wake.set()

    def follow(self, cfg, coach, active):
        """Beat or not by the config (coach, beat_steps, beat_out), the coach's state and
        whether a session is open; a changed config takes effect at once."""
        out = cfg["beat_out"]
        self.buzzer = out != "motor"
        self.motor = out != "buzzer"
        if cfg["beat_steps"] != self.steps:
            self.steps = cfg["beat_steps"]
            self.set(0)  # restart the beats at the new spacing
        mode = cfg["coach"]
        spm = coach.target_spm if active else 0
        if mode == "metronome-when-slow":
            # coach.reason >= R_IN_ZONE: running with a target (not walking, paused, ...)
            if not (coach.spell and coach.reason >= R_IN_ZONE):
                spm = 0
        elif mode != "metronome":
            spm = 0
        self.set(spm)

    async def run(self):
        """Beat while spm is set (one task per device)."""
        while True:
            if not self.spm:
                await self._wake.wait()
            self._wake.clear()
            if self.spm:
                await self._beats(self.spm)

    async def _beats(self, spm):
        period, rem = divmod(60000 * self.steps, spm)
        carry = 0
        due = time.ticks_ms()
        while self.spm == spm:
            late = time.ticks_diff(time.ticks_ms(), due)
            if late < 0:
                await asyncio.sleep_ms(-late)
                if self.spm != spm:
                    return
                late = time.ticks_diff(time.ticks_ms(), due)
            if late > period // 2 or self.haptics.playing:
                self.skipped += 1
            else:
                await self._beat(late)
            carry += rem
            due = time.ticks_add(due, period + carry // spm)
            carry %= spm

    async def _beat(self, late):
        self.beats += 1
        if late > self.late_ms_max:
            self.late_ms_max = late
        h = self.haptics
        h.on(BEAT_HZ, self.buzzer, self.motor)
        try:
            await asyncio.sleep_ms(BEAT_MS)
        finally:
            if not h.playing:  # a pattern that started meanwhile keeps its output
                h.off()
