"""Step detection: foot contacts and their peak impact from raw accelerometer samples.

Contract: integer milli-g in, one call per sample, allocation-free; any rate 25-400 Hz.
Placement "waist" sees every step; "shoe" sees its own foot's strides and reports the
other foot's steps between them.

Signal chain per sample:
  magnitude |a| (mg, integer square root)  ->  two one-pole low-passes (smooth)
  -> minus a slow baseline (gravity)       ->  peak = largest value within +/- W
     (W widens with a slow rhythm: about half a step, so one step gives one peak)
  -> peak above an adaptive threshold, with a trough between peaks -> candidate
  -> contact = the smoothed peak less the filters' delay; impact = the raw |a|
     maximum around it
  -> bout gate: a bout is confirmed by CONFIRM regular candidates; its first steps are
     then reported with their own sample indices (nothing of a short bout is lost),
     less a push-off that peaked before the first heel strike.
"""

from array import array

from footfall_core import front as F
from footfall_core.imath import median_small, pole_q10

# The viper twin where it loads, else the plain one (FRONT says which runs). What fails:
# CPython and ports without `micropython`: ImportError; a port built without the native
# emitter: SyntaxError ("invalid micropython decorator", py/compile.c); a viper construct
# an older compiler lacks: ViperTypeError, a TypeError (py/objexcept.c); and front_viper.mpy
# made by mpy-cross 1.23 or later on firmware older than 1.23: ValueError "incompatible .mpy
# file", as native code must match the firmware's .mpy sub-version (6.3 since v1.23,
# py/persistentcode.c). See docs/firmware.md, Sampler robustness.
try:
    from footfall_core.front_viper import front as _front

    FRONT = "viper"
except (ImportError, SyntaxError, TypeError, ValueError):
    _front = F.front
    FRONT = "python"

WAIST = 0
SHOE = 1

NEVER = 0x3FFFFFFF
IN_BOUT_16 = 2  # in a bout, peaks need 1/8 of the recent peak level
IN_BOUT_FLOOR_16 = 8  # and half the absolute floor
GRACE_MS = 10000  # after a bout, lone steps count (at the in-bout bar) this long
LEVEL_SHIFT = 3  # the peak level follows the last few peaks
CONFIRM = 5  # candidates needed to confirm a bout (4 regular intervals)
STRIDE_TOL = 7  # strides agree within 1/STRIDE_TOL of their median
START_16 = 14  # a bout's first interval under 14/16 of the same foot's next: a push-off
PENDING = 8  # candidates held while a bout is unconfirmed
IMPACT_HALF_MS = 150  # raw |a| maximum searched within this of the smoothed peak
W_STEP_16 = 10  # in a bout, W is 10/16 of the shortest recent step
RECENT = 5  # own contacts kept for that (four steps)

# Per placement: smoothing cutoff (0.1 Hz), peak half-window W (ms) and the widest W a
# slow rhythm may give it (ms), minimum peak (mg), threshold as a share of the recent
# peak level (1/16), longest interval in a bout (ms), and how long the smoothed peak
# follows the contact (ms; the body is still loading).
# W_max stays under the shortest step worth counting (300 ms: 200 spm), so a bout that
# lost every other step cannot widen W past the steps it lost and lock itself at half
# cadence. The shoe's W already spans a stride's toe-off and heel strike; it stays fixed.
_TUNING = {
    WAIST: (30, 200, 300, 70, 4, 2000, 80),
    SHOE: (18, 380, 380, 150, 6, 2500, 60),
}


def placement_code(placement):
    if placement == "waist":
        return WAIST
    if placement == "shoe":
        return SHOE
    raise ValueError(f"placement must be 'waist' or 'shoe', not {placement!r}")


class StepDetector:
    def __init__(self, rate_hz, placement, on_step):
        if not 25 <= rate_hz <= 400:
            raise ValueError(f"rate_hz must be 25..400, not {rate_hz!r}")
        self.rate_hz = rate_hz
        self.placement = placement_code(placement)
        self.on_step = on_step
        tuning = _TUNING[self.placement]
        cutoff_dhz, w_ms, w_max_ms, self.min_peak_mg, self.thr_16, gap_ms, lead_ms = tuning
        self.max_gap = gap_ms * rate_hz // 1000
        # two one-pole stages delay the smoothed peak by about 2 / (2 pi fc)
        self.delay = (2 * 1000 * rate_hz) // (6283 * cutoff_dhz // 10) // 10
        self.delay += lead_ms * rate_hz // 1000
        self.half_imp = IMPACT_HALF_MS * rate_hz // 1000
        self.w = max(1, w_ms * rate_hz // 1000)
        self.w_max = max(self.w, w_max_ms * rate_hz // 1000)
        self.grace = GRACE_MS * rate_hz // 1000
        # a peak is told W samples late; the impact search reaches back past it
        self.ring_len = self.w_max + self.half_imp + self.delay + 2
        self.ring = array("H", bytes(2 * self.ring_len))  # raw |a| history, mg
        self.st = array("i", bytes(4 * F.SIZE))
        self.st[F.G_LP] = pole_q10(cutoff_dhz, rate_hz)
        self.st[F.G_BASE] = pole_q10(3, rate_hz)
        self.st[F.W] = self.w
        self.st[F.RING_LEN] = self.ring_len
        self.one = array("h", bytes(6))  # push() feeds the block path one sample
        self.p_idx = array("i", bytes(4 * PENDING))
        self.p_peak = array("i", bytes(4 * PENDING))
        self.iv = array("i", bytes(4 * CONFIRM))
        self.scratch = array("i", bytes(4 * CONFIRM))
        self.recent = array("i", bytes(4 * RECENT))  # last own contacts, oldest first
        self.reset()

    def reset(self):
        st = self.st
        st[F.INDEX] = 0
        st[F.MAG] = 1000
        st[F.LP1] = st[F.LP2] = st[F.BASE] = 1000 << 4
        st[F.CAND] = F.CAND_OFS
        st[F.CAND_I] = 0
        st[F.TROUGH] = 1
        self.level = 0  # recent peak height above baseline, mg
        self.last_peak = 0
        self.n_pend = 0
        self.confirmed = False
        self.last_idx = -1  # index of the last reported own contact
        self.last_gap = 0  # the bout's last interval between reported own contacts
        self.last_peak_mg = 0
        self.emitted_to = -1  # index of the last reported step
        self.grace_end = -1  # candidates up to here count without a new bout
        self.n_recent = 0
        self.bout_w = self.w  # the peak window in a bout, from the recent contacts
        self._rearm()

    @property
    def index(self):
        """Index of the next sample to be pushed."""
        return self.st[F.INDEX]

    def push(self, ax_mg, ay_mg, az_mg):
        """Feed one sample; calls on_step for each step it confirms."""
        one = self.one
        one[0] = ax_mg
        one[1] = ay_mg
        one[2] = az_mg
        self.push_block(one, 0, 1)

    def skip(self, n):
        """n samples were lost (a FIFO overflow): the next sample pushed is n later.

        The raw |a| history over the gap reads 0, so no impact is taken from samples that
        were never seen; a pending peak, deadline or bout is judged at the next sample on
        the true timeline (a gap longer than a step interval ends the bout).
        """
        st = self.st
        i = st[F.INDEX]
        ring = self.ring
        size = self.ring_len
        for k in range(n if n < size else size):
            ring[(i + k) % size] = 0
        st[F.INDEX] = i + n

    def push_block(self, samples, start, end):
        """Feed samples start..end-1 of an array('h') of x, y, z milli-g triples."""
        st = self.st
        st[F.START] = start
        st[F.END] = end
        while st[F.START] < end:
            _front(samples, st, self.ring)
            event = st[F.EVENT]
            if event == F.PEAK:
                self._peak(st[F.PEAK_I], st[F.PEAK_V])
            elif event == F.DEADLINE:
                self._deadline()

    def _rearm(self):
        """Hand the front end what depends on the bout: threshold, trough, deadline."""
        st = self.st
        # Inside a confirmed bout the bar drops: the wearer is known to be moving, and
        # the soft steps of a turn or a slowdown still count.
        now = st[F.INDEX]
        if self.confirmed or now <= self.grace_end:
            t = (self.level * IN_BOUT_16) >> 4
            floor = (self.min_peak_mg * IN_BOUT_FLOOR_16) >> 4
        else:
            t = (self.level * self.thr_16) >> 4
            floor = self.min_peak_mg
        thr = t if t > floor else floor
        st[F.THR] = thr
        st[F.W] = self.bout_w if self.confirmed else self.w
        st[F.TROUGH_LV] = (thr if thr > self.last_peak else self.last_peak) >> 1
        due = self._pending_due()
        if now <= self.grace_end < due:
            due = self.grace_end + 1
        st[F.DUE] = due

    def _window(self):
        """Peak half-window in a bout: about half a step (W_STEP_16), within w..w_max.

        From the shortest of the last few steps: a missed step (a long interval) cannot
        widen it, so W stays under every step the bout still sees; of uneven left and
        right steps the shorter one sets it.
        """
        r = self.recent
        shortest = NEVER
        for k in range(1, self.n_recent):
            d = r[k] - r[k - 1]
            if d < shortest:
                shortest = d
        if shortest == NEVER:
            return self.w
        w = (shortest * W_STEP_16) >> 4
        return self.w if w < self.w else self.w_max if w > self.w_max else w

    def _pending_due(self):
        """When the waiting candidates (or the bout) run out of time."""
        n = self.n_pend
        wait = self.max_gap + self.w_max + 2
        return self.p_idx[n - 1] + wait if n and self.p_idx[n - 1] < NEVER - wait else NEVER

    def _deadline(self):
        if self.st[F.INDEX] >= self._pending_due():
            self._end_bout()
        else:
            self._rearm()  # the grace after a bout is over

    def _peak(self, idx, val):
        self.st[F.TROUGH] = 0
        self.last_peak = val
        self.level += (val - self.level) >> LEVEL_SHIFT if self.level else val
        self._candidate(idx - self.delay, self._impact(idx - self.delay))
        self._rearm()

    def _impact(self, centre):
        """The raw |a| maximum (mg) within IMPACT_HALF_MS of the contact at `centre`."""
        lo = centre - self.half_imp
        hi = centre + self.half_imp
        now = self.st[F.INDEX]
        if lo < now - self.ring_len:
            lo = now - self.ring_len
        best = 0
        j = lo if lo > 0 else 0
        while j <= hi and j < now:
            r = self.ring[j % self.ring_len]
            if r > best:
                best = r
            j += 1
        return best

    def _candidate(self, idx, peak_mg):
        n = self.n_pend
        if n and idx - self.p_idx[n - 1] > self.max_gap:
            self._end_bout()
            n = 0
        if self.confirmed:
            self._emit(idx, peak_mg)
            self.p_idx[0] = idx
            self.n_pend = 1
            return
        if idx <= self.grace_end:
            # just after a bout: a turn, a last shuffle; count it now
            self._emit(idx, peak_mg)
        if n == PENDING:
            for k in range(1, PENDING):
                self.p_idx[k - 1] = self.p_idx[k]
                self.p_peak[k - 1] = self.p_peak[k]
            n -= 1
        self.p_idx[n] = idx
        self.p_peak[n] = peak_mg
        n += 1
        self.n_pend = n
        if n >= CONFIRM and self._regular(n):
            self.confirmed = True
            p = self.p_idx
            k = 0
            while k < n and p[k] <= self.emitted_to:
                k += 1
            if k + 3 < n and 16 * (p[k + 1] - p[k]) < START_16 * (p[k + 3] - p[k + 2]):
                # Gait initiation: the push-off that shifts the weight before the first
                # heel strike peaks about a swing time early. A first real step from
                # standing is no shorter than the same foot's next one; this one is.
                k += 1
            while k < n:
                self._emit(p[k], self.p_peak[k])
                k += 1
            p[0] = p[n - 1]
            self.n_pend = 1

    def _regular(self, n):
        """The last CONFIRM candidates walk or run: steady strides, steps inside them.

        Strides (every other interval) agree within 1/STRIDE_TOL of their median, and
        each step takes 25-75% of its stride: left and right steps may differ (a phone in
        a pocket, a limp), but random bumps and double peaks do not pass.
        """
        iv = self.iv
        p = self.p_idx
        first = n - CONFIRM
        for k in range(CONFIRM - 2):
            iv[k] = p[first + k + 2] - p[first + k]
        med = median_small(iv, CONFIRM - 2, self.scratch)
        if med * 1000 < 450 * self.rate_hz:
            return False
        for k in range(CONFIRM - 2):
            d = iv[k] - med
            if STRIDE_TOL * (d if d > 0 else -d) > med:
                return False
        for k in range(first, n - 1):
            d = 4 * (p[k + 1] - p[k])
            if d < med or d > 3 * med:
                return False
        return True

    def _emit(self, idx, peak_mg):
        last = self.last_idx
        self._remember(idx, last >= 0 and idx - last <= self.max_gap)
        if last >= 0 and idx - last <= self.max_gap:
            self.last_gap = idx - last
            if self.placement == SHOE:
                # The other foot's contact, unseen: half a stride after the last, with
                # this foot's impact (the shoe cannot measure the other's).
                self.on_step(last + ((idx - last) >> 1), peak_mg)
        self.last_peak_mg = peak_mg
        self.last_idx = idx
        self.emitted_to = idx
        self.on_step(idx, peak_mg)

    def _remember(self, idx, same_bout):
        """Keep the last RECENT own contacts of this bout, and the peak window they give."""
        n = self.n_recent if same_bout else 0
        r = self.recent
        if n == RECENT:
            for k in range(1, RECENT):
                r[k - 1] = r[k]
            n -= 1
        r[n] = idx
        self.n_recent = n + 1
        self.bout_w = self._window()

    def _end_bout(self):
        if self.confirmed and self.last_gap:
            self._trailing_step()
        self.last_gap = 0
        if self.confirmed:
            last = self.last_idx  # (indices stay below 2**30: clamp at NEVER)
            self.grace_end = last + self.grace if last < NEVER - self.grace else NEVER - 1
        self.confirmed = False
        self.n_pend = 0
        self.last_idx = -1
        self._rearm()

    def _trailing_step(self):
        """The step that ends a bout, which the signal rarely shows.

        Shoe: the other foot lands once more, half a stride after the last own stride.
        Waist: stopping, the trailing foot comes alongside softly, a step after the last;
        when that last step was itself soft (under half the recent level), it already was
        the stopping step. A step too near the end of the stream to have been seen (a
        recording cut mid-run) is not told.
        """
        if self.placement == SHOE:
            trail = self.last_idx + (self.last_gap >> 1)
        elif 2 * self.last_peak >= self.level:
            trail = self.last_idx + self.last_gap
        else:
            return
        if trail + self.w < self.st[F.INDEX]:
            self.on_step(trail, self.last_peak_mg)

    def flush(self):
        """End of stream: the current bout ends (unconfirmed candidates are dropped)."""
        self._end_bout()
