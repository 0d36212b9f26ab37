"""Feed the coach a list of updates; print (cue, reason, target_spm, below_ms) per update, or
the ValueError CoachConfig raised. stdin: (cfg_kwargs, updates)."""

import sys

from footfall_core.coach import Coach, CoachConfig


def scenario(cfg_kwargs, updates):
    try:
        cfg = CoachConfig(**cfg_kwargs)
    except ValueError as e:
        return ("ValueError", str(e))
    coach = Coach(cfg)
    out = []
    for now_ms, spm, state, paused in updates:
        cue = coach.update(now_ms, spm, state, paused)
        out.append((cue, coach.reason, coach.target_spm, coach.below_ms))
    return out


if __name__ == "__main__":
    print(repr(scenario(*eval(sys.stdin.read()))))
