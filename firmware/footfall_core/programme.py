"""A retraining programme across sessions: feedback faded session by session, and a cadence
target raised week by week. Pure rules; footfall_fw/programme.py keeps the count on flash.

PROGRAMMES (the config's `programme`): "off", "fade", "progressive", "fade-progressive".

Fade, after Willy et al. 2016 (8 sessions of cadence retraining with real-time feedback,
the feedback removed over the last sessions so the runner keeps the new cadence without the
device): feedback all the time in sessions 1-4; then in each 4-minute cycle of a session it
is on for the first 3 minutes in session 5, 2 in session 6, 1 in session 7, and off from
session 8 on (the device still measures and logs; the coach's window keeps running, so a cue
held back in a quiet stretch comes as soon as feedback is back if the runner is still slow).
The metronome modes are faded the same way.

Progressive: the target is the runner's baseline plus 2.5 % in the programme's first week,
5 % in the second, 7.5 % from the third on. A week is 7 days from the programme's first
session by the clock, or every SESSIONS_PER_WEEK sessions when the clock is not set.
"""

from footfall_core.header import PROGRAMMES  # noqa: F401 - the names, defined with the header's

FULL_SESSIONS = 4  # fade: sessions with feedback all the time
CYCLE_S = 240  # fade: feedback is on for the first minutes of every cycle of this length
RAISE_STEP_PCT10 = 25  # progressive: +2.5 % a week ...
RAISE_MAX_PCT10 = 75  # ... up to +7.5 %
WEEK_S = 604800
SESSIONS_PER_WEEK = 3  # the week without a clock


def fades(programme):
    return programme == "fade" or programme == "fade-progressive"


def progresses(programme):
    return programme == "progressive" or programme == "fade-progressive"


def feedback_pct(programme, session):
    """Share of each cycle with feedback (100, 75, 50, 25, 0) in session `session` (1-based)
    of the programme."""
    if not fades(programme) or session <= FULL_SESSIONS:
        return 100
    k = session - FULL_SESSIONS
    return 100 - 25 * k if k < 4 else 0


def muted(pct, session_ms):
    """Whether feedback is off session_ms into a session with pct % of feedback."""
    if pct >= 100:
        return False
    return (session_ms // 1000) % CYCLE_S >= CYCLE_S * pct // 100


def week(session, first_s, now_s):
    """0-based week of the programme: by the clock when both times are known, else by the
    session count."""
    if first_s > 0 and now_s >= first_s:
        return (now_s - first_s) // WEEK_S
    return (session - 1) // SESSIONS_PER_WEEK if session > 0 else 0


def raise_pct10(programme, week_no, default_pct10):
    """The target's raise over the baseline, tenths of a percent, in week week_no."""
    if not progresses(programme):
        return default_pct10
    r = RAISE_STEP_PCT10 * (week_no + 1)
    return r if r < RAISE_MAX_PCT10 else RAISE_MAX_PCT10
