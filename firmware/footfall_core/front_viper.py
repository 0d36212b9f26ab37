"""The step detector's front end compiled by MicroPython's viper emitter (device twin).

Line for line the arithmetic of front.py (read its docstring); only the types differ:
samples is array('h') read through ptr16 (sign restored by hand), st array('i') through
ptr32, ring array('H') through ptr16. Imported only where `micropython.viper` exists;
tests run both twins over real recordings and require identical state after every call.
"""

import micropython
from micropython import const

_INDEX = const(0)
_MAG = const(1)
_LP1 = const(2)
_LP2 = const(3)
_BASE = const(4)
_CAND = const(5)
_CAND_I = const(6)
_TROUGH = const(7)
_TROUGH_LV = const(8)
_THR = const(9)
_G_LP = const(10)
_G_BASE = const(11)
_W = const(12)
_RING_LEN = const(13)
_DUE = const(14)
_EVENT = const(15)
_PEAK_V = const(16)
_PEAK_I = const(17)
_START = const(18)
_END = const(19)
_CAND_OFS = const(1048576)
_LIMIT_MG = const(16384)


@micropython.viper
def front(samples, st_obj, ring_obj):
    p = ptr16(samples)  # noqa: F821 (viper built-in)
    st = ptr32(st_obj)  # noqa: F821
    ring = ptr16(ring_obj)  # noqa: F821
    i = int(st[_INDEX])
    mag = int(st[_MAG])
    lp1 = int(st[_LP1])
    lp2 = int(st[_LP2])
    base = int(st[_BASE])
    cand = int(st[_CAND]) - _CAND_OFS
    cand_i = int(st[_CAND_I]) - 1
    trough = int(st[_TROUGH])
    trough_lv = int(st[_TROUGH_LV])
    thr = int(st[_THR])
    g_lp = int(st[_G_LP])
    g_base = int(st[_G_BASE])
    w = int(st[_W])
    ring_len = int(st[_RING_LEN])
    due = int(st[_DUE])
    event = 0
    k = int(st[_START])
    end = int(st[_END])
    while k < end:
        x = int(p[3 * k])
        y = int(p[3 * k + 1])
        z = int(p[3 * k + 2])
        if x > 32767:
            x -= 65536
        if y > 32767:
            y -= 65536
        if z > 32767:
            z -= 65536
        x = -_LIMIT_MG if x < -_LIMIT_MG else _LIMIT_MG if x > _LIMIT_MG else x
        y = -_LIMIT_MG if y < -_LIMIT_MG else _LIMIT_MG if y > _LIMIT_MG else y
        z = -_LIMIT_MG if z < -_LIMIT_MG else _LIMIT_MG if z > _LIMIT_MG else z
        n = x * x + y * y + z * z
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
                st[_PEAK_V] = cand
                st[_PEAK_I] = cand_i
                event = 1
            cand = v
            cand_i = i
        i += 1
        if event == 0 and i >= due:
            event = 2
        if event != 0:
            break
    st[_INDEX] = i
    st[_MAG] = mag
    st[_LP1] = lp1
    st[_LP2] = lp2
    st[_BASE] = base
    st[_CAND] = cand + _CAND_OFS
    st[_CAND_I] = cand_i + 1
    st[_TROUGH] = trough
    st[_EVENT] = event
    st[_START] = k
