"""Guard rig for the unix port (footfall_fw/guard.py and bootfail.py): a scripted safe
button, boards that cannot build a config, a run of boot failures. Test bodies take it with
`from guard_rig import *`."""

# Re-exported for the test bodies, which take everything here with `import *`.
from footfall_fw import bootfail, config, guard  # noqa: F401


class Board:
    BUTTON_B = 39


class Pin:
    """A button read low for the first `low_polls` polls, then high (released)."""

    IN = PULL_UP = 1
    ids = []
    polls = 0
    low_polls = 0

    def __init__(self, n, mode, pull):
        Pin.ids.append(n)

    def value(self):
        Pin.polls += 1
        return 0 if Pin.polls <= Pin.low_polls else 1


class Machine:
    Pin = Pin


def script_safe_button(low_polls):
    """Give guard the scripted Pin, low for `low_polls` polls; no LED signal."""
    Pin.low_polls = low_polls
    guard.machine = Machine
    bootfail.signal = lambda bd, name: None


def make_at_100_hz_only(cfg):
    """A board that builds only a 100 Hz config."""
    if cfg["rate_hz"] != 100:
        raise ValueError("no such rate")
    return cfg


def make_with_a_silent_imu(cfg):
    """A board whose IMU never answers, whatever the config."""
    raise OSError(19)


def record_boot_failures(count):
    """Log `count` boot failures, numbered from 0, each with an OSError of its number."""
    for i in range(count):
        try:
            raise OSError(i)
        except OSError as exc:
            bootfail.record(f"boot failed #{i}", exc)
