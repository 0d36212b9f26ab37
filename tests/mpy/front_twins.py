"""Feed one recording through the step detector twice, once with the plain front end and
once with the viper one (unix port), the file read at its own rate as if it were rate_hz so
both twins see the same input; print the step counts and whether events and states match.
stdin: (csv_path, placement, rate_hz)."""

import sys
from array import array

from footfall_core import front as F
from footfall_core import steps as S
from footfall_core.front_viper import front as viper_front

CSV_PATH, PLACEMENT, RATE_HZ = eval(sys.stdin.read())
with open(CSV_PATH) as f:
    n = sum(1 for _ in f) - 1
buf = array("h", bytes(6 * n))
with open(CSV_PATH) as f:
    f.readline()
    for i in range(n):
        t, x, y, z = f.readline().split(",")
        buf[3 * i] = int(x)
        buf[3 * i + 1] = int(y)
        buf[3 * i + 2] = int(z)
events = ([], [])
dets = []
for twin, out in ((F.front, events[0]), (viper_front, events[1])):
    S._front = twin
    d = S.StepDetector(RATE_HZ, PLACEMENT, lambda i, p, out=out: out.append((i, p)))
    states = []
    for start in range(0, n, 37):
        end = start + 37 if start + 37 < n else n
        d.push_block(buf, start, end)
        states.append(tuple(d.st))
    dets.append(states)
print("steps", len(events[0]), len(events[1]))
print("same_events", events[0] == events[1])
print("same_states", dets[0] == dets[1])
