"""Run the coach for 200 s of updates under micropython.heap_lock (unix port only); print the
cue count and the auto target it settled on."""

import micropython
from footfall_core.coach import Coach, CoachConfig


def feed(coach):
    # Locals only: a new module global would itself allocate under the lock.
    n = 0
    for t in range(200):
        spm = 160 if t < 30 else 150 + (t & 7)
        n += coach.update(t * 1000, spm, 2 if t % 50 else 1, t % 97 == 0)
    return n


coach = Coach(CoachConfig(auto_target=True, baseline_s=10))
micropython.heap_lock()
n = feed(coach)
micropython.heap_unlock()
print(n, coach.target_spm)
