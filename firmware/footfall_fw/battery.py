"""Battery monitor: cell voltage from the ADC, a low-battery cue, and a clean stop when flat.

Thresholds for a 1-cell LiPo under the light load of sampling: LOW_MV leaves roughly 10-15 %
(the cue plays once, again only after the cell recovered above REARM_MV); below
CRITICAL_MV the session is closed properly before the regulator browns out.

One reading is never believed: each check averages READS ADC readings, a level counts only
after CONFIRM checks in a row below it, and while one is pending the next check comes
CONFIRM_MS later instead of PERIOD_MS (so a flat cell stops the run about 10 s after the
first low check). No reading is taken while a cue plays: the motor's current sags the cell.
"""

LOW_MV = 3450
REARM_MV = 3550
CRITICAL_MV = 3300
PERIOD_MS = 30000  # between checks while the cell is fine
CONFIRM_MS = 5000  # between checks while a low level waits to be confirmed
READS = 8  # ADC readings averaged per check
CONFIRM = 3  # checks in a row below a level before it counts

OK = 0
LOW = 1  # play the low-battery pattern now
CRITICAL = 2  # close the session and power off


class Battery:
    def __init__(self, adc, scale=2):
        self.adc = adc  # machine.ADC-like with read_uv(), or None (no battery sensing)
        self.scale = scale
        self.mv = 0
        self._warned = False
        self._lows = 0  # checks in a row below LOW_MV
        self._flats = 0  # checks in a row below CRITICAL_MV
        self.skipped = 0  # checks skipped because a cue was playing

    @property
    def next_ms(self):
        """When to check next: sooner while a low level waits to be confirmed."""
        return CONFIRM_MS if self._lows else PERIOD_MS

    def read_mv(self):
        """The cell voltage, mean of READS readings (0 without battery sensing)."""
        if self.adc is None:
            return 0
        total_uv = 0
        for _ in range(READS):
            total_uv += self.adc.read_uv()  # < 8 * 3.3e6 < 2**30
        self.mv = total_uv // READS * self.scale // 1000
        return self.mv

    def check(self, busy=False):
        """Read the cell: OK, LOW (once per dip) or CRITICAL; OK unread while busy (a cue)."""
        if self.adc is None:
            return OK
        if busy:
            self.skipped += 1
            return OK
        mv = self.read_mv()
        if mv >= REARM_MV:
            self._warned = False
        self._lows = self._lows + 1 if mv < LOW_MV else 0
        self._flats = self._flats + 1 if mv < CRITICAL_MV else 0
        if self._flats >= CONFIRM:
            return CRITICAL
        if self._lows >= CONFIRM and not self._warned:
            self._warned = True
            return LOW
        return OK
