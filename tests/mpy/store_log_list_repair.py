"""Log a 2000-step session in the firmware's Store, tear its tail, repair it; print the
session's steps, size and start, the repair report and the size after. stdin: root."""

import sys

from footfall_core import records as rec
from footfall_fw.store import Store

ROOT = eval(sys.stdin.read())

s = Store(ROOT, free_bytes_fn=lambda: 10000000)
w = s.begin(rec.Header(device_id=b"abcdef", start_s=1800000000))
t = 0
for _ in range(2000):
    t += 350
    w.add_step(350, 2000, 171, 2)
    w.tick(t)
w.close(now_ms=t)
info = s.list()[0]
f = open(s.path(info.name), "ab")
f.write(b"\x01\x20torn")
f.close()
print(info.steps, info.size, info.start_s, s.repair(), s.list()[0].size)
