"""Replay a fixed-rate recording through the Tracker: the event rule every host engine shares.

Events, by sample index (sample 0 is the first pushed):
- on_step(index, peak_mg) for every step the tracker confirms, in time order;
- on_cadence(index, spm) once per second of samples: after the sample whose index is a
  positive multiple of rate_hz has been pushed, with the tracker's cadence at that moment.

The host's `cpython` engine and its MicroPython runner both drive this class, so the two
engines cannot disagree on what is collected or when. Allocates nothing per sample beyond
what the tracker does.
"""

from footfall_core.tracker import Tracker


class Replay:
    def __init__(self, rate_hz, placement, on_step, on_cadence):
        self.rate_hz = rate_hz
        self.on_step = on_step
        self.on_cadence = on_cadence
        self.tracker = Tracker(rate_hz, placement, self._step)
        self._until_cadence = rate_hz + 1  # samples left to push before the next cadence read

    def _step(self, index, peak_mg, spm):
        self.on_step(index, peak_mg)

    def push_block(self, buf, n):
        """Feed n samples from an array('h') of x, y, z triples."""
        tracker = self.tracker
        start = 0
        while start < n:
            end = start + self._until_cadence
            if end > n:
                end = n
            tracker.push_range(buf, start, end)
            self._until_cadence -= end - start
            start = end
            if self._until_cadence == 0:
                self._until_cadence = self.rate_hz
                self.on_cadence(tracker.index - 1, tracker.cadence_spm())

    def flush(self):
        """End of the recording: report the steps still waiting for their bout."""
        self.tracker.flush()
