"""Run the impact coach for 300 s of ticks under micropython.heap_lock (unix port only): it
learns its limit from a 10 s baseline, then cues; print the cue count and the limit."""

import micropython
from footfall_core.coach import CoachConfig
from footfall_core.impact import ImpactCoach


def feed(coach):
    # Locals only: a new module global would itself allocate under the lock.
    n = 0
    for t in range(300):
        for k in range(3):
            coach.on_step(3000 + 10 * ((t + k) & 15))
        n += coach.update(t * 1000, 170, 2 if t % 70 else 1, t % 97 == 0)
    return n


coach = ImpactCoach(CoachConfig(baseline_s=10, impact_drop_pct=10))
micropython.heap_lock()
n = feed(coach)
micropython.heap_unlock()
print(n, coach.limit_mg)
