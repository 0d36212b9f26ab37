"""Haptic and audible cues: named patterns played on a vibration motor and/or a passive buzzer.

`play(name)` only queues the pattern and returns; one asyncio task (`run`) switches the PWM
outputs, so a cue never delays sampling. Both outputs are injected `machine.PWM`-like objects
(`freq(hz)`, `duty_u16(v)`); either may be None. Patterns differ in rhythm alone (the motor
has no pitch), and each ends with GAP_MS of silence, longer than any pause inside a pattern,
so a listener (or the virtual board's log) can tell where one ends and the next begins.
"""

import asyncio

BEAT_HZ = 1760  # the metronome's tone (footfall_fw/metronome.py): no pattern uses it
BEAT_MS = 25  # one beat: a click on the buzzer, a tap on the motor

# name: ((tone_hz, on_ms, off_ms), ...)
PATTERNS = {
    "beat": ((BEAT_HZ, BEAT_MS, 0),),  # one metronome beat (played by the metronome, not queued)
    "quicken": ((3000, 80, 80), (3000, 80, 80), (3000, 80, 0)),  # quick triple tap: step faster
    # the cue again, the last one ignored: triple tap then a long buzz
    "quicken_more": ((3000, 80, 80), (3000, 80, 80), (3000, 80, 160), (3000, 400, 0)),
    # impact mode: three slow, falling taps (land softer); again, ignored: then a long buzz
    "soften": ((2000, 200, 200), (1500, 200, 200), (1000, 200, 0)),
    "soften_more": ((2000, 200, 200), (1500, 200, 200), (1000, 200, 160), (1000, 400, 0)),
    "started": ((2000, 120, 80), (3000, 300, 0)),  # short-long, rising
    "stopped": ((3000, 300, 80), (2000, 120, 0)),  # long-short, falling
    "target_set": ((2500, 120, 120), (2500, 120, 0)),  # double tap: the new target is stored
    "storage_full": ((1000, 500, 200), (1000, 500, 200), (1000, 500, 0)),  # three long lows
    "low_battery": ((800, 1000, 0),),  # one very long low
    # rising taps then a long tone: the pairing window is open for a minute
    "pairing": ((2000, 100, 100), (2500, 100, 100), (3000, 600, 0)),
    "capture": ((4000, 40, 40),) * 3 + ((4000, 40, 0),),  # four ticks: raw capture running
    "error": ((1500, 60, 60),) * 5 + ((1500, 600, 0),),  # stutter then hold: about to reset
}
GAP_MS = 400
BUZZER_DUTY_U16 = 32768  # square wave: loudest tone from a passive buzzer
MOTOR_DUTY_U16 = 52000  # about 80 %: firm but within a 3 V coin motor's rating at 3.3 V
_QUEUE_LEN = 4


class Haptics:
    """Queue named patterns with play(); run() plays them one after another."""

    def __init__(self, buzzer=None, motor=None, motor_duty_u16=MOTOR_DUTY_U16):
        self.buzzer = buzzer
        self.motor = motor
        self.motor_duty_u16 = motor_duty_u16
        self.played = 0
        self.dropped = 0  # patterns refused because the queue was full
        self.playing = False  # a pattern (or the gap after it) is playing now
        self._queue = [""] * _QUEUE_LEN
        self._head = 0
        self._count = 0
        self._wake = asyncio.Event()
        self.off()

    def play(self, name):
        """Queue pattern `name` (KeyError if unknown); returns at once, never blocks."""
        PATTERNS[name]
        if self._count == _QUEUE_LEN:
            self.dropped += 1
            return False
        self._queue[(self._head + self._count) % _QUEUE_LEN] = name
        self._count += 1
        self._wake.set()
        return True

    @property
    def pending(self):
        return self._count

    def on(self, tone_hz, buzzer=True, motor=True):
        self.sounding = True  # an output is driven: no light sleep (footfall_fw/power.py)
        if buzzer and self.buzzer is not None:
            self.buzzer.freq(tone_hz)
            self.buzzer.duty_u16(BUZZER_DUTY_U16)
        if motor and self.motor is not None:
            self.motor.duty_u16(self.motor_duty_u16)

    def off(self):
        self.sounding = False
        if self.buzzer is not None:
            self.buzzer.duty_u16(0)
        if self.motor is not None:
            self.motor.duty_u16(0)

    async def run(self):
        """Play queued patterns forever (one task per device)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            self.playing = True
            while self._count:
                name = self._queue[self._head]
                self._head = (self._head + 1) % _QUEUE_LEN
                self._count -= 1
                await self._play(PATTERNS[name])
            self.playing = False

    async def _play(self, pattern):
        try:
            for tone_hz, on_ms, off_ms in pattern:
                self.on(tone_hz)
                await asyncio.sleep_ms(on_ms)
                self.off()
                await asyncio.sleep_ms(off_ms)
        finally:
            self.off()  # a cancelled pattern must not leave the motor running
        self.played += 1
        await asyncio.sleep_ms(GAP_MS)
