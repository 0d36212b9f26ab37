"""The virtual board: the real firmware in the MicroPython unix port, with stand-in hardware."""

from pathlib import Path

# Stand-in `machine`, `time` and `select` modules, first on the unix port's sys.path only
# when simulating.
MPY_DIR = Path(__file__).resolve().parent / "mpy"
