"""Raw capture: the next few seconds of raw samples to a CSV file, to build labelled recordings.

Files `raw/NNN.csv` have the host's recording format (`t_ms,ax,ay,az`, board axes in
milli-g), so `footfall detect` and `footfall eval` read them as they are. Formatting text
allocates; that is accepted in this mode only, which lasts `raw_capture_s` and is off in
normal running (the sampler's tap is then None).
"""

import os

DIR = "raw"


def _next_path():
    try:
        os.mkdir(DIR)
    except OSError:
        pass  # already there
    top = 0
    for name in os.listdir(DIR):
        if name[:3].isdigit() and int(name[:3]) > top:
            top = int(name[:3])
    return f"{DIR}/{top + 1:03d}.csv"


class RawCapture:
    """Attach `tap` to the sampler for `seconds`; `active` until the samples are written."""

    def __init__(self, rate_hz):
        self.rate_hz = rate_hz
        self.path = None
        self.f = None
        self.k = 0
        self.left = 0

    @property
    def active(self):
        return self.f is not None

    def start(self, seconds):
        self.path = _next_path()
        self.f = open(self.path, "w")
        self.f.write("t_ms,ax,ay,az\n")
        self.k = 0
        self.left = seconds * self.rate_hz

    def tap(self, buf, n):
        """Sampler tap: write up to n samples of this burst."""
        f = self.f
        if f is None:
            return
        take = n if n < self.left else self.left
        rate = self.rate_hz
        for i in range(0, 3 * take, 3):
            f.write(f"{self.k * 1000 // rate},{buf[i]},{buf[i + 1]},{buf[i + 2]}\n")
            self.k += 1
        self.left -= take
        if self.left == 0:
            self.stop()

    def stop(self):
        if self.f is not None:
            self.f.close()
            self.f = None
