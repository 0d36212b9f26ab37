"""Log a session, flip a bit in its first step block, lose the index, boot the Store again;
print the repair report, the block's offset and size, and the steps kept. stdin: root."""

import os
import sys

from footfall_core import records as rec
from footfall_fw.store import Store

ROOT = eval(sys.stdin.read())

root = ROOT
s = Store(root, free_bytes_fn=lambda: 10000000)
w = s.begin(rec.Header(device_id=b"abcdef", start_s=1800000000))
t = 0
for _ in range(1061):
    t += 350
    w.add_step(350, 2000, 171, 2)
    w.tick(t)
w.close(now_ms=t)
path = s.path(s.list()[0].name)
data = bytearray(open(path, "rb").read())
at = rec.HEADER_BYTES + data[rec.HEADER_BYTES + 1] + 4  # the second record: a step block
data[at + 9] ^= 0x08
open(path, "wb").write(data)
os.remove(s.path("index.txt"))
boot = Store(root, free_bytes_fn=lambda: 10000000)
print(boot.repair(), at, data[at + 1] + 4, boot.list()[0].steps)
