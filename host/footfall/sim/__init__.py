"""The virtual board: the real firmware in the MicroPython unix port, with stand-in hardware.

`footfall.sim.board` builds and runs it from values; `footfall sim` (footfall.cli.sim) is
its command line.
"""

from pathlib import Path

# Stand-in `machine`, `time` and `select` modules, first on the unix port's sys.path only
# when simulating.
MPY_DIR: Path = Path(__file__).resolve().parent / "mpy"

__all__ = ["MPY_DIR"]
