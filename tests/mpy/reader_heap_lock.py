"""Read a damaged 400-step session under micropython.heap_lock (unix port only); print the
records, skips and steps the reader counted."""

import micropython
from reader_rig import reader, rec, session

data = bytearray(session(steps=400))
for i in (300, 700, 701, 1500):
    data[i] ^= 0x10
r = reader.Reader()
micropython.heap_lock()
r.feed(data, rec.HEADER_BYTES, len(data), 0, True)
micropython.heap_unlock()
print(r.records, r.skips, r.steps)
