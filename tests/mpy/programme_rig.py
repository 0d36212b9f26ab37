"""Programme rig for both interpreters: the programme's rules and the coaches, for test bodies
taken with `from programme_rig import *`."""

from footfall_core import programme as prog  # noqa: F401
from footfall_core.coach import Coach, CoachConfig  # noqa: F401


def cue_times_s(coach, updates):
    """Feed (t_s, spm, mute) updates, one a second, running; the seconds a cue came."""
    out = []
    for t, spm, mute in updates:
        coach.mute = mute
        if coach.update(t * 1000, spm, 2):
            out.append(t)
    return out
