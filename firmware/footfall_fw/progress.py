"""The coach the config asks for, and where the runner is in their programme.

`coach()` builds the cadence coach or, in the impact mode, the impact coach. With a
programme on (`programme` not "off"), footfall_fw/programme_state.py keeps its state on
flash: `begin()` at each session start moves it on a session and returns the session's
coach (the progressive target's raise, the kept baseline), `tick()` fades the feedback and
keeps a newly learned baseline. `header_fields()` gives the session header's version 3
fields. Without a programme neither the state module nor the programme's rules load.
"""

from footfall_core.coach import Coach, CoachConfig

from footfall_fw import config

PATH = "programme.json"
AUTO_RAISE_PCT10 = 75  # the target without a programme: baseline + 7.5 %


class Progress:
    """The programme's stage of the session now open (or the last one)."""

    def __init__(self, cfg, path=PATH):
        self.cfg = cfg
        self.state = None  # programme_state.State, with a programme
        self.session = 0  # the programme's session now open (0: none, or no programme)
        self.pct = 100  # feedback share for the run being recorded
        self.raise_pct10 = AUTO_RAISE_PCT10
        if cfg["programme"] != "off":
            from footfall_fw.programme_state import State

            self.state = State(cfg["programme"], path)

    def baseline_spm(self):
        return self.state.values["baseline_spm"] if self.state is not None else 0

    def coach(self):
        """The coach for the config and the current stage (impact or cadence)."""
        cfg = self.cfg
        cc = CoachConfig(
            repeat_s=cfg["repeat_s"],
            auto_raise_pct10=self.raise_pct10,
            baseline_spm=self.baseline_spm(),
            impact_limit_mg=cfg["impact_limit_mg"],
            impact_drop_pct=cfg["impact_drop_pct"],
            **config.coach_fields(cfg),
        )
        if cfg["coach"] != "impact":
            return Coach(cc)
        from footfall_core.impact import ImpactCoach  # loaded in the impact mode only

        return ImpactCoach(cc)

    def begin(self):
        """A session is starting: with a programme, move on one session and return the
        session's coach; None without one (the coach goes on as it was)."""
        if self.state is None:
            return None
        self.session, self.pct, self.raise_pct10 = self.state.begin(AUTO_RAISE_PCT10)
        return self.coach()

    def tick(self, coach, session_ms):
        """Each coach tick: fade the feedback, keep a newly learned baseline."""
        if self.state is not None:
            self.state.tick(coach, session_ms, self.pct)

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
            "baseline_spm": self.baseline_spm(),
        }
