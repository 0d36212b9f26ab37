"""A programme's state between sessions: a small JSON file on flash (loaded with a programme
only; footfall_fw/progress.py).

The file (PATH) holds {"programme": name, "session": n, "first_s": s, "baseline_spm": b}:
the programme's sessions started so far, the Unix time of its first (0: the clock was not
set) and the cadence baseline learned in it (0: not yet). It is written once when a session
starts and once when the baseline is learned, always atomically (temp file + rename). A
missing, corrupt, oversized or ill-typed file reads as a new programme, and so does one of
another programme (a changed `programme` starts again from session 1); a failed write is
logged and the session goes on (the count is then one behind).
"""

import json
import os

from footfall_core import programme as prog

from footfall_fw import clock, log

MAX_BYTES = 256


def fresh(name="off"):
    return {"programme": name, "session": 0, "first_s": 0, "baseline_spm": 0}


def load(path):
    """The saved state, or a fresh one when the file is missing or bad (never raises)."""
    state = fresh()
    try:
        if os.stat(path)[6] > MAX_BYTES:
            return state
        with open(path) as f:
            values = json.loads(f.read(MAX_BYTES))
    except (OSError, ValueError):
        return state
    if not isinstance(values, dict) or values.get("programme") not in prog.PROGRAMMES:
        return state
    for name in ("session", "first_s", "baseline_spm"):
        v = values.get(name)
        if type(v) is not int or v < 0 or v > 0xFFFFFFFF:
            return state
        state[name] = v
    state["programme"] = values["programme"]
    if state["baseline_spm"] and not 60 <= state["baseline_spm"] <= 240:
        state["baseline_spm"] = 0
    return state


def save(state, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    try:
        os.rename(tmp, path)
    except OSError:  # FAT will not rename over a file
        os.remove(path)
        os.rename(tmp, path)


class State:
    def __init__(self, name, path):
        self.path = path
        self.values = load(path)
        if self.values["programme"] != name:
            self.values = fresh(name)

    def begin(self, default_pct10):
        """A session starts: (its number, its feedback %, the target's raise in 0.1 %)."""
        st = self.values
        st["session"] += 1
        now = clock.unix_s() if clock.is_set() else 0
        if st["first_s"] == 0 and st["session"] == 1:
            st["first_s"] = now
        week = prog.week(st["session"], st["first_s"], now)
        self._save()
        name = st["programme"]
        pct = prog.feedback_pct(name, st["session"])
        return st["session"], pct, prog.raise_pct10(name, week, default_pct10)

    def tick(self, coach, session_ms, pct):
        coach.mute = prog.muted(pct, session_ms)
        b = coach.baseline_spm
        if 60 <= b <= 240 and not self.values["baseline_spm"]:  # CoachConfig's range
            self.values["baseline_spm"] = b
            self._save()

    def _save(self):
        try:
            save(self.values, self.path)
        except OSError as exc:
            log(f"programme: state not saved ({exc})")
