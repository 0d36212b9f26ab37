"""Tiny gait signals and a step-tracker runner for core tests, plain Python for both
interpreters: gravity on z, a half-sine impact per foot contact, and deterministic noise from
a linear congruential generator (no `random` needed). Bodies take it with
`from gait import *`."""

from array import array

from footfall_core.cadence import Cadence  # noqa: F401 (for bodies)
from footfall_core.tracker import Tracker


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def next(self, n):
        self.s = (self.s * 1103515245 + 12345) & 0x7FFFFFFF
        return self.s % n


def signal(rate_hz, contacts_ms, seconds, peak_mg, noise_mg=30, seed=1, soft_last=False):
    """array('h') of x,y,z: 1 g on z plus a 100 ms half-sine bump at each contact.

    soft_last: the last contact lands at a third of the height, as the step that brings
    the feet together when a walker stops.
    """
    n = seconds * rate_hz
    buf = array("h", bytes(6 * n))
    rng = Lcg(seed)
    width = rate_hz // 10 or 1
    # half-sine table in 1/1000, from a parabola (no floats): 4 u (1 - u)
    shape = [4000 * k * (width - k) // (width * width) for k in range(width)]
    for i in range(n):
        buf[3 * i] = rng.next(2 * noise_mg + 1) - noise_mg
        buf[3 * i + 1] = rng.next(2 * noise_mg + 1) - noise_mg
        buf[3 * i + 2] = 1000 + rng.next(2 * noise_mg + 1) - noise_mg
    for j, c in enumerate(contacts_ms):
        s = c * rate_hz // 1000
        peak = peak_mg // 3 if soft_last and j == len(contacts_ms) - 1 else peak_mg
        for k in range(width):
            if 0 <= s + k < n:
                buf[3 * (s + k) + 2] += peak * shape[k] // 1000
    return buf


def steady(spm, seconds, start_ms=1000):
    step_ms = 60000 // spm
    return list(range(start_ms, seconds * 1000 - 500, step_ms))


def run(rate_hz, placement, buf):
    steps = []
    cads = []
    t = Tracker(rate_hz, placement, lambda i, p, s: steps.append(i))
    n = len(buf) // 3
    for start in range(0, n, rate_hz):
        end = start + rate_hz if start + rate_hz < n else n
        t.push_range(buf, start, end)
        cads.append(t.cadence_spm())
    t.flush()
    return steps, cads, t.state()
