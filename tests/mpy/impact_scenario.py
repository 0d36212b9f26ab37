"""Feed the impact coach a list of ticks, each with the peaks of its steps; print (cue,
reason, limit_mg, below_ms) per tick, or the ValueError CoachConfig raised.
stdin: (cfg_kwargs, ticks), a tick being (now_ms, cadence_spm, state, paused, peaks)."""

import sys

from footfall_core.coach import CoachConfig
from footfall_core.impact import ImpactCoach


def scenario(cfg_kwargs, ticks):
    try:
        cfg = CoachConfig(**cfg_kwargs)
    except ValueError as e:
        return ("ValueError", str(e))
    coach = ImpactCoach(cfg)
    out = []
    for now_ms, spm, state, paused, peaks in ticks:
        for peak in peaks:
            coach.on_step(peak)
        cue = coach.update(now_ms, spm, state, paused)
        out.append((cue, coach.reason, coach.limit_mg, coach.below_ms))
    return out


if __name__ == "__main__":
    print(repr(scenario(*eval(sys.stdin.read()))))
