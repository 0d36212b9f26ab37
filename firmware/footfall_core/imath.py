"""Integer helpers for the core: square root, one-pole filter gains; small ints only."""


def isqrt(n, guess=0):
    """Floor square root of 0 <= n < 2**30; allocates nothing.

    A guess near the answer (the previous sample's magnitude) makes Newton's method end
    in one or two steps; without one, start from a power of two above the root.
    """
    if n <= 0:
        return 0
    x = guess
    if x <= 0:
        x = 1
        while x * x < n:
            x <<= 1
    while True:
        y = (x + n // x) >> 1
        if y >= x:
            # Newton from above stops at the floor; from below it overshoots once first.
            while x * x > n:
                x -= 1
            while (x + 1) * (x + 1) <= n:
                x += 1
            return x
        x = y


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
