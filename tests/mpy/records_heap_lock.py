"""Log 10,000 steps through the session encoder under micropython.heap_lock (unix port
only); print the steps written and the steps the encoder counted."""

import micropython
from records_rig import header, rec


def log(enc, n):
    written = 0
    for i in range(n):
        if not enc.step(330 + i % 40, 1500 + (i * 37) % 9000, 160 + i % 20, 2):
            enc.clear()  # the store writes buf[:pos] out here
            enc.step(330 + i % 40, 1500 + (i * 37) % 9000, 160 + i % 20, 2)
        written += 1
    return written


enc = rec.SessionEncoder(bytearray(4096))
enc.header(header())
written = 0
micropython.heap_lock()
written = log(enc, 10000)
micropython.heap_unlock()
print(written, enc.steps)
