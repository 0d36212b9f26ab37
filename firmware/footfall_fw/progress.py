"""Where the runner is in their programme, kept between sessions, and the coach it gives.

The state is a small JSON file on flash (PATH): {"session": n, "first_s": s, "baseline_spm":
b}, the programme's sessions started so far, the Unix time of its first (0: the clock was
not set) and the cadence baseline learned in it (0: not yet). It is written only while a
programme is on, once when a session starts and once when the baseline is learned; always
atomically (temp file + rename). A missing, corrupt or oversized file reads as a new
programme; a failed write is logged and the session goes on (the count is then one behind).
Changing the config's `programme` starts it again from session 1.
"""

import json
import os

from footfall_core import programme as prog
from footfall_core.coach import Coach, CoachConfig
from footfall_core.impact import ImpactCoach

from footfall_fw import clock, config, log

PATH = "programme.json"
MAX_BYTES = 256
AUTO_RAISE_PCT10 = 75  # the target without a programme: baseline + 7.5 %


def fresh(name="off"):
    return {"programme": name, "session": 0, "first_s": 0, "baseline_spm": 0}


def load(path=PATH):
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


def save(state, path=PATH):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    try:
        os.rename(tmp, path)
    except OSError:  # FAT will not rename over a file
        os.remove(path)
        os.rename(tmp, path)


class Progress:
    """The programme's state and the stage of the session now open (or next)."""

    def __init__(self, cfg, path=PATH):
        self.cfg = cfg
        self.path = path
        self.state = load(path)
        if self.state["programme"] != cfg["programme"]:
            self.state = fresh(cfg["programme"])  # a new (or no) programme: from the start
        self.session = 0  # the programme's session now open (0: none, or no programme)
        self.pct = 100  # feedback share of this session
        self.raise_pct10 = AUTO_RAISE_PCT10

    @property
    def on(self):
        return self.cfg["programme"] != "off"

    def coach(self):
        """The coach for the config and the current stage (impact or cadence)."""
        cfg = self.cfg
        cc = CoachConfig(
            repeat_s=cfg["repeat_s"],
            auto_raise_pct10=self.raise_pct10,
            baseline_spm=self.state["baseline_spm"] if self.on else 0,
            impact_limit_mg=cfg["impact_limit_mg"],
            impact_drop_pct=cfg["impact_drop_pct"],
            **config.coach_fields(cfg),
        )
        return ImpactCoach(cc) if cfg["coach"] == "impact" else Coach(cc)

    def begin(self):
        """A session is starting: move on one session; returns a new coach, or None when
        there is no programme (the coach goes on as it was)."""
        if not self.on:
            return None
        st = self.state
        st["session"] += 1
        now = clock.unix_s() if clock.is_set() else 0
        if st["first_s"] == 0 and st["session"] == 1:
            st["first_s"] = now
        week = prog.week(st["session"], st["first_s"], now)
        self.session = st["session"]
        self.pct = prog.feedback_pct(st["programme"], st["session"])
        self.raise_pct10 = prog.raise_pct10(st["programme"], week, AUTO_RAISE_PCT10)
        self._save()
        return self.coach()

    def tick(self, coach, session_ms):
        """Each coach tick of a session: fade the feedback, keep a newly learned baseline."""
        coach.mute = prog.muted(self.pct, session_ms)
        if self.on and coach.baseline_spm and not self.state["baseline_spm"]:
            self.state["baseline_spm"] = coach.baseline_spm
            self._save()

    def _save(self):
        try:
            save(self.state, self.path)
        except OSError as exc:
            log(f"programme: state not saved ({exc})")

    def header_fields(self):
        """The coach's and the programme's settings for the session header (version 3)."""
        cfg = self.cfg
        return {
            "coach": cfg["coach"],
            "repeat_s": cfg["repeat_s"],
            "beat_steps": cfg["beat_steps"],
            "beat_out": cfg["beat_out"],
            "programme": cfg["programme"],
            "programme_session": self.session if self.session < 0xFFFF else 0xFFFF,
            "feedback_pct": self.pct,
            "raise_pct10": self.raise_pct10,
            "impact_limit_mg": cfg["impact_limit_mg"],
            "impact_drop_pct": cfg["impact_drop_pct"],
            "baseline_spm": self.state["baseline_spm"],
        }
