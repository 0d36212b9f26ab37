"""Sessions.gap() under micropython.heap_lock with fake tracker, store and writer (unix port
only); print what the writer was given, the header's clock flag and its rate."""

import micropython
from footfall_fw import config
from footfall_fw.sessions import Sessions


class Act:
    def state(self, index):
        return 2


class Tracker:
    rate_hz = 100
    index = 0
    activity = Act()

    def flush(self):
        pass


class Writer:
    stopped = False

    def __init__(self):
        self.log = []

    def add_step(self, *a):
        self.log.append(("step",) + a)
        return True

    def add_gap(self, *a):
        self.log.append(("gap",) + a)
        return True

    def close(self, reason, now_ms):
        self.log.append(("end", now_ms))


class Store:
    def begin(self, header):
        self.header = header
        self.w = Writer()
        return self.w


t, st = Tracker(), Store()
s = Sessions(st, t, config.validate({}))
s.rate_mhz = 100000
s.start()
s.on_step(35, 3000, 170)
t.index = 65  # Tracker.skip(25) after sample 40, then skip(5): the sampler's order
micropython.heap_lock()
s.gap(25)
t.index = 70
s.gap(5)
micropython.heap_unlock()
s.on_step(100, 3000, 170)
t.index = 110
s.stop()
print(st.w.log, st.header.clock_set, st.header.rate_mhz)
