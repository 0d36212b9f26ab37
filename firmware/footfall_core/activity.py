"""Activity state from the step stream: idle, walking or running."""

IDLE = 0
WALKING = 1
RUNNING = 2

NAMES = ("idle", "walking", "running")

RUN_SPM = 140  # at or above: running, whatever the impact
WALK_SPM = 125  # at or below: walking
STOP_MS = 2500
# Between the two cadences the impact decides: running lands harder than walking.
_RUN_IMPACT_MG = {"waist": 2200, "shoe": 5000}


class Activity:
    def __init__(self, rate_hz, placement):
        self.stop = STOP_MS * rate_hz // 1000
        self.run_impact_mg = _RUN_IMPACT_MG[placement]
        self.last = -1
        self.current = IDLE

    def add_step(self, index, cadence_spm, peak_mg):
        self.last = index
        if cadence_spm == 0:
            return
        if cadence_spm >= RUN_SPM:
            self.current = RUNNING
        elif cadence_spm <= WALK_SPM:
            self.current = WALKING
        elif self.current == IDLE:
            self.current = RUNNING if peak_mg >= self.run_impact_mg else WALKING

    def state(self, now_index):
        if self.last < 0 or now_index - self.last > self.stop:
            self.current = IDLE
        return self.current
