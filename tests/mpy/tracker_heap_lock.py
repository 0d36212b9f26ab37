"""Run the Tracker and the coach over a recording under micropython.heap_lock (unix port
only); print the samples, the steps and the cues. stdin: (rate_hz, placement, samples_path,
block), the file int16 x, y, z; block > 0 pushes bursts of that many samples as the firmware
does, 0 pushes one sample at a time."""

import sys
from array import array

import micropython
from footfall_core.coach import Coach, CoachConfig
from footfall_core.tracker import Tracker

RATE, PLACEMENT, PATH, BLOCK = eval(sys.stdin.read())


class Sink:
    def __init__(self, cap):
        self.index = array("i", bytes(4 * cap))
        self.n = 0

    def on_step(self, index, peak_mg, spm):
        if self.n < len(self.index):
            self.index[self.n] = index
        self.n += 1


def feed(tracker, coach, buf, n, blk):
    # BLOCK > 0: as the firmware does, copy FIFO-sized bursts into one buffer and push_block.
    cues = 0
    k = 0
    while k < n:
        if BLOCK:
            m = n - k if n - k < BLOCK else BLOCK
            for j in range(3 * m):
                blk[j] = buf[3 * k + j]
            tracker.push_block(blk, m)
        else:
            m = 1
            j = 3 * k
            tracker.push(buf[j], buf[j + 1], buf[j + 2])
        for _ in range(m):
            k += 1
            if k % RATE == 0:
                t_ms = k * 1000 // RATE
                cues += coach.update(t_ms, tracker.cadence_spm(), tracker.state())
    tracker.flush()
    return cues


with open(PATH, "rb") as f:
    raw = f.read()
buf = array("h", raw)
n = len(buf) // 3
sink = Sink(4096)
blk = array("h", bytes(6 * BLOCK))
tracker = Tracker(RATE, PLACEMENT, sink.on_step)
coach = Coach(CoachConfig(target_spm=200))
micropython.heap_lock()
cues = feed(tracker, coach, buf, n, blk)
micropython.heap_unlock()
print(n, sink.n, cues)
