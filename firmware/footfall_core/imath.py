"""Integer helpers for the core: one-pole filter gains, small medians; small ints only."""


def pole_q10(cutoff_dhz, rate_hz):
    """Gain in Q10 of a one-pole low-pass y += (x - y) * g at cutoff_dhz tenths of a Hz.

    Backward Euler: g = w / (1 + w), w = 2 pi fc / rate; exact enough below rate / 8.
    """
    w = 6283 * cutoff_dhz  # 2 pi * 1000 * fc in tenths of a Hz: w_rad_s * 10000
    return (1024 * w + 5000 * rate_hz) // (10000 * rate_hz + w) if w else 0


def median_small(buf, n, scratch):
    """Median of buf[0:n] using scratch (same length) for an insertion sort; no allocation."""
    for i in range(n):
        v = buf[i]
        j = i
        while j > 0 and scratch[j - 1] > v:
            scratch[j] = scratch[j - 1]
            j -= 1
        scratch[j] = v
    return scratch[n >> 1]
