"""The virtual board: the real firmware in the MicroPython unix port, with stand-in hardware."""

from pathlib import Path

# Stand-in `machine`, `time` and `select` modules, first on the unix port's sys.path only
# when simulating.
MPY_DIR: Path = Path(__file__).resolve().parent / "mpy"

from footfall.sim.cli import register  # noqa: E402 - `footfall sim`; cli needs MPY_DIR

__all__ = ["MPY_DIR", "register"]
