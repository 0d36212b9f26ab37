"""Integer helpers for the core: square root and rounding division, small ints only."""


def isqrt(n):
    """Floor square root of 0 <= n < 2**30 by Newton's method; allocates nothing."""
    if n <= 0:
        return 0
    x = 1 << ((n.bit_length() + 1) >> 1) if hasattr(n, "bit_length") else _seed(n)
    while True:
        y = (x + n // x) >> 1
        if y >= x:
            return x
        x = y


def _seed(n):
    # MicroPython ints have no bit_length(): find a power of two at or above sqrt(n).
    x = 1
    while x * x < n:
        x <<= 1
    return x


def rdiv(a, b):
    """a / b rounded half away from zero, for b > 0."""
    if a >= 0:
        return (a + (b >> 1)) // b
    return -((-a + (b >> 1)) // b)
