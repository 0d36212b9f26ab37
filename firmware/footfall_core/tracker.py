"""The one object the firmware and the host feed: step detector, cadence and activity."""

from footfall_core.activity import Activity
from footfall_core.cadence import Cadence
from footfall_core.steps import StepDetector


class Tracker:
    """Feed one sample at a time with push(); read steps, cadence and state.

    on_step(sample_index, peak_mg, cadence_spm) is called once per confirmed step, in time
    order. The first steps of a bout are reported when the bout is confirmed, so the index
    can lie a few seconds behind the sample just pushed. Allocates nothing per sample.

    rate_hz is the nominal rate (filters, windows); set_rate_mhz() gives cadence the rate
    measured against a clock. skip(n) tells it that n samples were lost (a FIFO overflow),
    so sample indices, and the step times and intervals drawn from them, stay true.
    """

    def __init__(self, rate_hz, placement="waist", on_step=None, rate_mhz=0):
        self.rate_hz = rate_hz
        self.placement = placement
        self.on_step = on_step
        self.steps = 0
        self.detector = StepDetector(rate_hz, placement, self._step)  # validates both
        self.cadence = Cadence(rate_hz, rate_mhz)
        self.activity = Activity(rate_hz, placement)

    def _step(self, index, peak_mg):
        self.steps += 1
        spm = self.cadence.add_step(index)
        self.activity.add_step(index, spm, peak_mg)
        if self.on_step is not None:
            self.on_step(index, peak_mg, spm)

    def push(self, ax_mg, ay_mg, az_mg):
        """Feed one sample (milli-g, clamped to +/-16 g)."""
        self.detector.push(ax_mg, ay_mg, az_mg)

    def push_block(self, buf, n):
        """Feed n samples from an array('h') of x, y, z triples (e.g. a FIFO read)."""
        self.detector.push_block(buf, 0, n)

    def push_range(self, buf, start, end):
        """Feed samples start..end-1 of an array('h') of x, y, z triples."""
        self.detector.push_block(buf, start, end)

    def skip(self, n):
        """n samples were lost: move the sample clock on by n (allocates nothing)."""
        if n > 0:
            self.detector.skip(n)

    def set_rate_mhz(self, rate_mhz):
        """The sample rate cadence uses, in milli-hertz (e.g. measured by the sampler)."""
        self.cadence.set_rate_mhz(rate_mhz)

    def flush(self):
        """End of stream: report steps still waiting for their bout to be confirmed."""
        self.detector.flush()

    @property
    def index(self):
        """Index of the next sample to be pushed."""
        return self.detector.index

    def cadence_spm(self):
        """Current cadence in steps/min; 0 when stopped."""
        return self.cadence.spm(self.detector.index)

    def state(self):
        """IDLE, WALKING or RUNNING (see footfall_core.activity)."""
        return self.activity.state(self.detector.index)
