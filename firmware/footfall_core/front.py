"""The step detector's per-sample front end, plain Python (the reference twin).

front(samples, st, ring) runs samples[3*st[START] : 3*st[END]] (x, y, z milli-g)
through |a| -> two one-pole low-passes -> minus a slow baseline -> "largest within
+/- W" peak search, and stops early at an event, leaving in st[START] the next sample to feed:
  st[EVENT] = PEAK: a candidate peak (value st[PEAK_V], sample index st[PEAK_I]);
  st[EVENT] = DEADLINE: sample st[DUE] was reached (the bout's waiting time ran out).
All state lives in the int array `st` so that front_viper.py, the compiled twin used on
MicroPython, runs the very same arithmetic; tests prove the two agree sample for sample.
cand is stored offset by CAND_OFS (st values the compiled twin reads stay non-negative).
"""

# st layout
INDEX = 0  # index of the next sample
MAG = 1  # last |a|, mg: the square root's starting guess
LP1 = 2  # low-pass stages and baseline, mg * 16
LP2 = 3
BASE = 4
CAND = 5  # largest smoothed value since the last peak, + CAND_OFS
CAND_I = 6  # its index + 1 (0: none yet)
TROUGH = 7  # 1 once the signal fell below the trough level since the last peak
TROUGH_LV = 8  # the trough level, mg
THR = 9  # the peak threshold, mg
G_LP = 10  # filter gains, Q10
G_BASE = 11
W = 12  # peak half-window, samples
RING_LEN = 13
DUE = 14  # sample index of the next deadline, or 0x3FFFFFFF
EVENT = 15
PEAK_V = 16
PEAK_I = 17
START = 18  # next sample of `samples` to feed (in and out)
END = 19  # feed samples up to here
SIZE = 20

NONE = 0
PEAK = 1
DEADLINE = 2
CAND_OFS = 1 << 20
LIMIT_MG = 16384  # +/-16 g full scale; 3 * 16384**2 < 2**30


def front(samples, st, ring):
    i = st[INDEX]
    mag = st[MAG]
    lp1 = st[LP1]
    lp2 = st[LP2]
    base = st[BASE]
    cand = st[CAND] - CAND_OFS
    cand_i = st[CAND_I] - 1
    trough = st[TROUGH]
    trough_lv = st[TROUGH_LV]
    thr = st[THR]
    g_lp = st[G_LP]
    g_base = st[G_BASE]
    w = st[W]
    ring_len = st[RING_LEN]
    due = st[DUE]
    event = NONE
    k = st[START]
    end = st[END]
    while k < end:
        x = samples[3 * k]
        y = samples[3 * k + 1]
        z = samples[3 * k + 2]
        x = -LIMIT_MG if x < -LIMIT_MG else LIMIT_MG if x > LIMIT_MG else x
        y = -LIMIT_MG if y < -LIMIT_MG else LIMIT_MG if y > LIMIT_MG else y
        z = -LIMIT_MG if z < -LIMIT_MG else LIMIT_MG if z > LIMIT_MG else z
        n = x * x + y * y + z * z
        # integer square root by Newton's method from the last magnitude
        if n == 0:
            mag = 0
        else:
            r = mag if mag > 0 else 1
            # one Newton step lands at or above the root from any start (AM >= GM);
            # from there the steps only descend, so no square grows past n
            r = (r + n // r) >> 1
            while True:
                q = (r + n // r) >> 1
                if q >= r:
                    break
                r = q
            while r * r > n:
                r -= 1
            while (r + 1) * (r + 1) <= n:
                r += 1
            mag = r
        ring[i % ring_len] = mag
        lp1 += ((mag << 4) - lp1) * g_lp >> 10
        lp2 += (lp1 - lp2) * g_lp >> 10
        base += (lp2 - base) * g_base >> 10
        v = (lp2 - base) >> 4
        if v < trough_lv:
            trough = 1
        k += 1
        if v > cand:
            cand = v
            cand_i = i
        elif cand_i >= 0 and i - cand_i >= w:
            if cand >= thr and trough:
                st[PEAK_V] = cand
                st[PEAK_I] = cand_i
                event = PEAK
            cand = v
            cand_i = i
        i += 1
        if event == NONE and i >= due:
            event = DEADLINE
        if event != NONE:
            break
    st[INDEX] = i
    st[MAG] = mag
    st[LP1] = lp1
    st[LP2] = lp2
    st[BASE] = base
    st[CAND] = cand + CAND_OFS
    st[CAND_I] = cand_i + 1
    st[TROUGH] = trough
    st[EVENT] = event
    st[START] = k
