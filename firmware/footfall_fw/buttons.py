"""Debounced push buttons polled from one task: short presses and long holds, no interrupts.

Polling every POLL_MS costs nothing next to the sampler and needs no ISR (a bouncing contact
would fire an interrupt per bounce). A press shorter than DEBOUNCE_MS is ignored.
"""

POLL_MS = 25
DEBOUNCE_MS = 50
LONG_MS = 1500

NONE = 0
SHORT = 1  # released before LONG_MS
LONG = 2  # held for LONG_MS (reported once, while still held)


class Button:
    """One active-low button on a `machine.Pin`-like object with value()."""

    def __init__(self, pin, long_ms=LONG_MS):
        self.pin = pin
        self.long_ms = long_ms
        self.held_ms = -1  # -1: not pressed
        self._long_sent = False

    def update(self, dt_ms):
        """Advance by dt_ms; returns NONE, SHORT or LONG."""
        if self.pin is None:
            return NONE
        if self.pin.value() == 0:
            self.held_ms = 0 if self.held_ms < 0 else self.held_ms + dt_ms
            if self.held_ms >= self.long_ms and not self._long_sent:
                self._long_sent = True
                return LONG
            return NONE
        held, sent = self.held_ms, self._long_sent
        self.held_ms = -1
        self._long_sent = False
        if DEBOUNCE_MS <= held and not sent:
            return SHORT
        return NONE
