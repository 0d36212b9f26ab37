"""Push still samples through Replay in blocks; print the cadence readings (index, spm).
stdin: (rate_hz, n_samples, block)."""

import sys
from array import array

from footfall_core.replay import Replay


def scenario(rate_hz, n_samples, block):
    seen = []
    replay = Replay(rate_hz, "waist", lambda i, p: None, lambda i, spm: seen.append((i, spm)))
    buf = array("h", [0, 0, 1000] * block)  # the sample contract: int16 x, y, z
    pushed = 0
    while pushed < n_samples:
        n = min(block, n_samples - pushed)
        replay.push_block(buf, n)
        pushed += n
    replay.flush()
    return seen


if __name__ == "__main__":
    print(repr(scenario(*eval(sys.stdin.read()))))
