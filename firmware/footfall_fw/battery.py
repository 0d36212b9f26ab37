"""Battery monitor: cell voltage from the ADC, a low-battery cue, and a clean stop when flat.

Thresholds for a 1-cell LiPo under the light load of sampling: LOW_MV leaves roughly 10-15 %
(the cue plays once, again only after the cell recovered above REARM_MV); below
CRITICAL_MV the session is closed properly before the regulator browns out.
"""

LOW_MV = 3450
REARM_MV = 3550
CRITICAL_MV = 3300
PERIOD_MS = 30000

OK = 0
LOW = 1  # play the low-battery pattern now
CRITICAL = 2  # close the session and power off


class Battery:
    def __init__(self, adc, scale=2):
        self.adc = adc  # machine.ADC-like with read_uv(), or None (no battery sensing)
        self.scale = scale
        self.mv = 0
        self._warned = False

    def read_mv(self):
        if self.adc is None:
            return 0
        self.mv = self.adc.read_uv() * self.scale // 1000
        return self.mv

    def check(self):
        """Read the cell: OK, LOW (once per dip) or CRITICAL."""
        mv = self.read_mv()
        if self.adc is None or mv >= REARM_MV:
            self._warned = False
            return OK
        if mv < CRITICAL_MV:
            return CRITICAL
        if mv < LOW_MV and not self._warned:
            self._warned = True
            return LOW
        return OK
