"""Add 900 steps to a session under micropython.heap_lock (no flush in between); print the
steps accepted and the steps listed after close. stdin: root."""

import sys

import micropython
from footfall_core import records as rec
from footfall_fw.store import Store

ROOT = eval(sys.stdin.read())


def log(w, n):
    ok = 0
    for i in range(n):
        ok += w.add_step(340 + i % 30, 1500 + i * 7, 170 + i % 9, 2)
    return ok


s = Store(ROOT, free_bytes_fn=lambda: 10000000)
w = s.begin(rec.Header(device_id=b"abcdef"))
ok = 0
micropython.heap_lock()
ok = log(w, 900)  # 900 steps fit in one 4096-byte block: no flush
micropython.heap_unlock()
w.close()
print(ok, s.list()[0].steps)
